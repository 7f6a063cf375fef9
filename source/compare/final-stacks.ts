import type {Image} from '../model.js';
import {ApplyError} from '../tree/apply-error.js';
import {FileSystem} from '../tree/filesystem.js';

/** A layer one of the images could not stack: which image, and why. */
export class StackError extends Error {
	constructor(
		readonly image: number,
		readonly cause: ApplyError,
	) {
		super(cause.message);
	}
}

/**
 * The final filesystems of two images, the layers they share at the bottom
 * (the same diff_ids, so the same changesets: usually the base) stacked
 * once and then copied (FileSystem.clone), each image's own layers stacked
 * on its copy. A layer no runtime would apply is a StackError naming the
 * image (the first, for a shared layer).
 */
export function stackFinals(a: Image, b: Image): [FileSystem, FileSystem] {
	let shared = 0;
	while (shared < a.layers.length && shared < b.layers.length && a.layers[shared]!.diffId === b.layers[shared]!.diffId) shared++;
	const base = stack(new FileSystem(), a, 0, shared, 0);
	const ofB = stack(base.clone(), b, shared, b.layers.length, 1);
	return [stack(base, a, shared, a.layers.length, 0), ofB];
}

/** One image's final filesystem (a StackError names it as image 0). */
export function stackFinal(image: Image): FileSystem {
	return stack(new FileSystem(), image, 0, image.layers.length, 0);
}

function stack(fs: FileSystem, image: Image, from: number, to: number, which: number): FileSystem {
	try {
		for (const layer of image.layers.slice(from, to)) fs.apply(layer, layer.index);
	} catch (error) {
		if (error instanceof ApplyError) throw new StackError(which, error);
		throw error;
	}
	return fs;
}
