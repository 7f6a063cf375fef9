import type {Writable} from 'node:stream';
import {findFile} from '../content/find-file.js';
import {writeFileContent} from '../content/file-content.js';
import type {LoadOptions} from '../image/load.js';
import {withFilesystemAt} from './read-back.js';

/**
 * `layerscope cat IMAGE PATH [--layer N]`: the file's exact bytes, as the
 * filesystem after layer N shows them, on `out`. Anything that is not a
 * regular file (or a hard link to one) there is an InputError: one line, exit 2.
 */
export async function catCommand(mode: {image: string; path: string}, load: LoadOptions, layer: number | undefined, out: Writable, loaded: () => void = () => {}): Promise<void> {
	await withFilesystemAt(mode.image, load, layer, loaded, async (image, fs, source) => {
		const found = findFile(fs, mode.path, image.input);
		await writeFileContent(image, source, found, out, {verify: load.verify !== false});
	});
}
