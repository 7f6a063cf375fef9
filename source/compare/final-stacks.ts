import type {Image} from '../model.js';
import {ApplyError} from '../tree/apply-error.js';
import {FileSystem, type FsObserver} from '../tree/filesystem.js';

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
 * Where two final filesystems stand after stackFinals: ids below `below`
 * name the same path in both (the shared stack's table, copied), and a
 * path whose id is in neither `touched` set is as the shared layers left it
 * on both sides, with everything below it (a directory is touched when
 * anything below it is).
 */
export interface SharedStack {
	below: number;
	touchedA: Set<number>;
	touchedB: Set<number>;
}

/**
 * The final filesystems of two images, the layers they share at the bottom
 * (the same diff_ids, so the same changesets: usually the base) stacked
 * once and then copied (FileSystem.clone), each image's own layers stacked
 * on its copy, with every path they change noted (SharedStack), so that a
 * comparison can pass over what neither changed. A layer no runtime would
 * apply is a StackError naming the image (the first, for a shared layer).
 */
export function stackFinals(a: Image, b: Image, kept: {base?: FileSystem | null; onBase?: (base: FileSystem) => void} = {}): {a: FileSystem; b: FileSystem; shared: SharedStack} {
	const shared = sharedLayers(a, b);
	// A stack of the shared layers kept from an earlier run (stack-cache.ts) stands for stacking them; else they are stacked, and offered.
	let base = kept.base ?? null;
	if (!base) {
		base = stack(new FileSystem(), a, 0, shared, 0);
		kept.onBase?.(base);
	}
	const below = base.paths.size;
	const touchedB = new Set<number>();
	const ofB = stack(base.clone(), b, shared, b.layers.length, 1, touchedB);
	const touchedA = new Set<number>();
	return {a: stack(base, a, shared, a.layers.length, 0, touchedA), b: ofB, shared: {below, touchedA, touchedB}};
}

/** How many bottom layers two images share: the same diff_ids, in the same places. */
export function sharedLayers(a: Image, b: Image): number {
	let shared = 0;
	while (shared < a.layers.length && shared < b.layers.length && a.layers[shared]!.diffId === b.layers[shared]!.diffId) shared++;
	return shared;
}

/** One image's final filesystem (a StackError names it as image 0). */
export function stackFinal(image: Image): FileSystem {
	return stack(new FileSystem(), image, 0, image.layers.length, 0);
}

function stack(fs: FileSystem, image: Image, from: number, to: number, which: number, touched?: Set<number>): FileSystem {
	// Every change a layer makes is told to an observer (as the layer history hears it): each path told, and its directories, is touched.
	const touch = (id: number) => {
		for (let up = id; !touched!.has(up); up = fs.paths.parentOf(up)) {
			touched!.add(up);
			if (up === 0) break;
		}
	};
	const observer: FsObserver | undefined = touched && {removed: touch, placed: touch, implied: touch};
	try {
		for (const layer of image.layers.slice(from, to)) fs.apply(layer, layer.index, observer);
	} catch (error) {
		if (error instanceof ApplyError) throw new StackError(which, error);
		throw error;
	}
	return fs;
}
