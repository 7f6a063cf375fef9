import type {Image} from '../../model.js';
import type {FileSystem} from '../../tree/filesystem.js';
import type {PackageReport} from '../../packages/attribute.js';
import type {FinalFiles} from '../final-files.js';
import type {LayerHistory} from '../layer-history.js';
import type {WasteReport} from '../waste.js';

export type Severity = 'high' | 'medium' | 'low';

/** Something a person can act on, with the evidence from this image. */
export interface Finding {
	id: string;
	severity: Severity;
	title: string;
	/** Bytes at stake: what acting on the finding would save (0 for hygiene findings). */
	bytes: number;
	/** The layer to change, when one is to blame. */
	layer: number | null;
	/** The history step (Dockerfile line) behind that layer. */
	instruction: string | null;
	/** The largest paths involved, largest first. */
	paths: Array<{path: string; bytes: number}>;
	fix: string;
}

/** What a rule may look at. */
export interface FindingContext {
	image: Image;
	history: LayerHistory;
	waste: WasteReport;
	/** Every path of the final filesystem with its node. */
	finalFiles: FinalFiles;
	/** Bytes by package, from the databases the layers carry (no packages when there are none). */
	packages: PackageReport;
}

export type Rule = (context: FindingContext) => Finding[];

export const TOP_PATHS = 5;

export function severityFor(bytes: number): Severity {
	return bytes >= 10_000_000 ? 'high' : bytes >= 1_000_000 ? 'medium' : 'low';
}

/**
 * How many layers, from the bottom, are the base image's: the first layer
 * when there are more (an image's own build adds layers on top of at least
 * one), none in a single-layer image (its files are all its own).
 */
export function baseLayerCount(image: Image): number {
	return image.layers.length >= 2 ? 1 : 0;
}

export function instructionOf(image: Image, layer: number): string | null {
	const index = image.layers[layer]?.historyIndex;
	return index === null || index === undefined ? null : image.history[index]!.createdBy;
}

/** Largest first, then by path, at most TOP_PATHS. */
export function topPaths(paths: ReadonlyArray<{path: string; bytes: number}>): Array<{path: string; bytes: number}> {
	return largestOf(paths, item => item.bytes, item => item.path);
}

/** topPaths of dead files (their path and size): no object per file to make first. */
export function topDead(files: ReadonlyArray<{path: string; size: number}>): Array<{path: string; bytes: number}> {
	return largestOf(files, file => file.size, file => file.path);
}

/**
 * topPaths of files given by path id, and of `named` ones given by path: a path is made only for a file
 * that can be among the largest (a list of thousands names a handful).
 */
export function topFiles(fs: FileSystem, files: ReadonlyArray<{id: number; bytes: number}>, named: ReadonlyArray<{path: string; bytes: number}> = []): Array<{path: string; bytes: number}> {
	const top = largestOf(files, file => file.bytes, file => fs.paths.pathOf(file.id));
	return named.length === 0 ? top : topPaths([...top, ...named]);
}

/** One pass that keeps the largest so far in order (bytes, then path): no sort of the whole list, `name` asked only of an item that may be kept. */
function largestOf<T>(items: ReadonlyArray<T>, bytesOf: (item: T) => number, name: (item: T) => string): Array<{path: string; bytes: number}> {
	const best: Array<{path: string; bytes: number}> = [];
	for (const item of items) {
		const bytes = bytesOf(item);
		const last = best.length === TOP_PATHS ? best[TOP_PATHS - 1]! : undefined;
		if (last && bytes < last.bytes) continue;
		const path = name(item);
		if (last && bytes === last.bytes && path >= last.path) continue;
		let at = best.length;
		while (at > 0 && (best[at - 1]!.bytes < bytes || (best[at - 1]!.bytes === bytes && best[at - 1]!.path > path))) at--;
		best.splice(at, 0, {path, bytes});
		if (best.length > TOP_PATHS) best.pop();
	}
	return best;
}

export function sum(paths: Array<{bytes: number}>): number {
	return paths.reduce((total, item) => total + item.bytes, 0);
}

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
	const groups = new Map<K, T[]>();
	for (const item of items) {
		const k = key(item);
		const group = groups.get(k);
		if (group) group.push(item);
		else groups.set(k, [item]);
	}
	return groups;
}
