import {layerSource, type LayerSource} from '../content/layer-source.js';
import {InputError} from '../errors.js';
import {loadImage, type KeptBlobs, type LoadOptions} from '../image/load.js';
import type {Image} from '../model.js';
import {ApplyError, type FileSystem} from '../tree/filesystem.js';
import {filesystemAt} from '../tree/filesystem-at.js';

/**
 * What cat and extract start from: the image loaded with its blobs kept, the
 * filesystem after layer N, and a source to read files back from, handed to
 * `use` and closed after it, whatever it does.
 */
export async function withFilesystemAt<T>(input: string, load: LoadOptions, layer: number | undefined, loaded: () => void, use: (image: Image, fs: FileSystem, source: LayerSource) => Promise<T>): Promise<T> {
	let kept: KeptBlobs | undefined;
	const image = await loadImage(input, {...load, keepBlobs: blobs => (kept = blobs)}).finally(loaded);
	const source = layerSource(image, kept!);
	try {
		let fs: FileSystem;
		try {
			fs = filesystemAt(image, layer);
		} catch (error) {
			// A layer a runtime would refuse to apply is bad input like any other.
			if (error instanceof ApplyError) throw new InputError(image.input, error.message);
			throw error;
		}
		return await use(image, fs, source);
	} finally {
		await source.close();
	}
}
