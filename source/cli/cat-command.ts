import type {Writable} from 'node:stream';
import {findFile} from '../content/find-file.js';
import {writeFileContent} from '../content/file-content.js';
import {layerSource} from '../content/layer-source.js';
import {InputError} from '../errors.js';
import {loadImage, type KeptBlobs, type LoadOptions} from '../image/load.js';
import {ApplyError} from '../tree/filesystem.js';
import {filesystemAt} from './files-command.js';

/**
 * `layerscope cat IMAGE PATH [--layer N]`: the file's exact bytes, as the
 * filesystem after layer N shows them, on `out`. Anything that is not a
 * regular file (or a hard link to one) there is an InputError: one line, exit 2.
 */
export async function catCommand(mode: {image: string; path: string}, load: LoadOptions, layer: number | undefined, out: Writable, loaded: () => void = () => {}): Promise<void> {
	let kept: KeptBlobs | undefined;
	const image = await loadImage(mode.image, {...load, keepBlobs: blobs => (kept = blobs)}).finally(loaded);
	const source = layerSource(image, kept!);
	try {
		let fs;
		try {
			fs = filesystemAt(image, layer);
		} catch (error) {
			if (error instanceof ApplyError) throw new InputError(image.input, error.message);
			throw error;
		}
		const found = findFile(fs, mode.path, image.input);
		await writeFileContent(image, source, found, out, {verify: load.verify !== false});
	} finally {
		await source.close();
	}
}
