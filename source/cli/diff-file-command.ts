import {compareFile, lastChangeOf, normalPath, pathHistory, type FileVersion} from '../content/file-change.js';
import {layerSource} from '../content/layer-source.js';
import {InputError, UsageError} from '../errors.js';
import {loadImage, type KeptBlobs, type LoadOptions} from '../image/load.js';
import type {Image} from '../model.js';
import {fileChangeLines} from '../report/file-change-lines.js';
import type {Style} from '../report/style.js';
import {ApplyError} from '../tree/filesystem.js';

/**
 * `layerscope diff-file IMAGE PATH [--layer N]`: the path as layer N left
 * it against the filesystem after layer N-1 (nothing, for layer 0). Without
 * --layer, N is the last layer that changed the path (changedIn: added,
 * removed, other facts or content): what "why is this file like this" asks for.
 */
export async function diffFileCommand(mode: {image: string; path: string}, load: LoadOptions, layer: number | undefined, style: Style, loaded: () => void = () => {}): Promise<string[]> {
	let kept: KeptBlobs | undefined;
	const image = await loadImage(mode.image, {...load, keepBlobs: blobs => (kept = blobs)}).finally(loaded);
	const source = layerSource(image, kept!);
	try {
		const history = historyOf(image, mode.path);
		const index = layer ?? lastChangeOf(history);
		if (index === undefined) throw new InputError(image.input, `${JSON.stringify(normalPath(mode.path))}: no such file or directory in any layer`);
		if (!Number.isInteger(index) || index < 0 || index >= image.layers.length) throw new UsageError(`--layer must be between 0 and ${image.layers.length - 1} for this image, not ${index}`);
		const before = index > 0 ? history[index - 1]! : null;
		const after = history[index]!;
		const labels = {before: index > 0 ? `after layer ${index - 1}` : 'before layer 0', after: `layer ${index}`};
		if (!before && !after) throw new InputError(image.input, `${JSON.stringify(normalPath(mode.path))}: no such file or directory ${labels.before} nor after layer ${index}${layer === undefined ? '' : ' (leave out --layer for the last layer that changed it)'}`);
		const change = await compareFile({image, source, version: before}, {image, source, version: after}, {verify: load.verify !== false});
		return fileChangeLines(change, labels, style);
	} finally {
		await source.close();
	}
}

/** The path after each layer; a layer a runtime would refuse to apply is bad input. */
export function historyOf(image: Image, path: string): Array<FileVersion | null> {
	try {
		return pathHistory(image, path);
	} catch (error) {
		if (error instanceof ApplyError) throw new InputError(image.input, error.message);
		throw error;
	}
}
