import type {FileSystem} from '../tree/filesystem.js';
import type {FinalFiles} from './final-files.js';

/**
 * Copy keys: the stored files a final walk shows, as 64-bit pairs of their digest's 32-bit key and the path
 * that shows each, ascending. Copies are the runs of one key (waste.ts groups them by the digests' bytes),
 * and a kept state holds them so that a next build looks up only its new files' keys. Only types are
 * imported here: the cache checks kept keys without loading the analysis.
 */

/** Two ascending key lists as one. */
export function mergeKeys(kept: BigUint64Array, added: BigUint64Array): BigUint64Array {
	const merged = new BigUint64Array(kept.length + added.length);
	let from = 0;
	for (let i = 0; i < added.length; i++) {
		const at = lowerBound(kept, added[i]!);
		merged.set(kept.subarray(from, at), from + i);
		merged[at + i] = added[i]!;
		from = at;
	}
	merged.set(kept.subarray(from), from + added.length);
	return merged;
}

/** The first position whose key pair is not below `value`. */
export function lowerBound(keys: BigUint64Array, value: bigint): number {
	let [low, high] = [0, keys.length];
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (keys[middle]! < value) low = middle + 1;
		else high = middle;
	}
	return low;
}

/** Where a pair's key and path id lie in its two 32-bit halves (the high half comes second on little-endian machines). */
export const HIGH = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1 ? 1 : 0;
export const LOW = 1 - HIGH;

/** Copy keys as 32-bit halves: a pair at position `at` has its key at 2 × at + HIGH, its path at 2 × at + LOW (read so, no bigint is made). */
export function halvesOf(copyKeys: BigUint64Array): Uint32Array {
	return new Uint32Array(copyKeys.buffer, copyKeys.byteOffset, copyKeys.length * 2);
}

/** The pair of a digest key and a path. */
export function copyKey(key: number, id: number): bigint {
	return (BigInt(key) << 32n) | BigInt(id);
}

/**
 * The copy keys of a final walk: every stored file it shows (with a digest, not empty), once, as its digest's
 * 32-bit key × 2^32 + the path that shows it (the first in walk order, or the file's own name over a hard link's),
 * ascending. Files that may be copies are then the runs of one key: no second walk, no string for the others;
 * and a next build looks up only its new files' keys.
 */
export function copyKeysOf(finalFiles: FinalFiles): BigUint64Array {
	const fs = finalFiles.fs;
	const ids = finalFiles.ids;
	// Per stored file, the path that shows it (0: none yet; the root shows nothing), in the order first seen.
	const shown = new Int32Array(fs.refCount);
	const order = new Int32Array(ids.length);
	let stored = 0;
	for (let at = 0; at < ids.length; at++) {
		const id = ids[at]!;
		const content = storedContent(fs, id);
		if (content < 0) continue;
		if (shown[content] === 0) order[stored++] = content;
		else if (fs.ownOf(id) !== content) continue;
		shown[content] = id;
	}
	const keys = new BigUint64Array(stored);
	const halves = new Uint32Array(keys.buffer);
	for (let i = 0; i < stored; i++) {
		const content = order[i]!;
		halves[2 * i + HIGH] = fs.tableOf(content).digestKey(fs.indexOf(content));
		halves[2 * i + LOW] = shown[content]!;
	}
	return keys.sort();
}

/** Whether copy keys are ascending, each pair once (as copyKeysOf makes them). */
export function ascending(copyKeys: BigUint64Array): boolean {
	const halves = halvesOf(copyKeys);
	// No destructuring here: before the code is optimised, an array per pair costs more than the check.
	for (let i = 1; i < copyKeys.length; i++) {
		const key = halves[2 * i + HIGH]!;
		const before = halves[2 * i - 2 + HIGH]!;
		if (key < before || (key === before && halves[2 * i + LOW]! <= halves[2 * i - 2 + LOW]!)) return false;
	}
	return true;
}

/** The stored file a path shows (its content ref), or -1 for none, an empty one or one without a digest: what copies are made of. */
export function storedContent(fs: FileSystem, id: number): number {
	const content = fs.contentOfState(id, fs.attrOf(id));
	if (content < 0 || fs.sizeOfState(content) === 0 || !fs.tableOf(content).hasDigest(fs.indexOf(content))) return -1;
	return content;
}
