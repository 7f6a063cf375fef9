import {walkIds, type FileSystem} from '../tree/filesystem.js';
import type {FileDiff} from './file-diff.js';

/** A directory whose content bytes differ between the two sides. */
export interface DirectoryChange {
	path: string;
	/** Content bytes below it on each side (0 where it is absent). */
	before: number;
	after: number;
	delta: number;
}

/**
 * The directories whose content changed, largest change first (grown or
 * shrunk alike), then by path. Only regular files count: a hard link
 * shares its target's bytes, which are counted where they are stored.
 * A directory is named only when a differing path lies below it; its two
 * totals come from one walk of each side.
 */
export function directoryChanges(diff: FileDiff): DirectoryChange[] {
	const deltas = new Map<string, number>();
	for (let index = 0; index < diff.length; index++) {
		const before = diff.before(index);
		const after = diff.after(index);
		const delta = (after?.type === 'file' ? after.size : 0) - (before?.type === 'file' ? before.size : 0);
		if (delta === 0) continue;
		const path = diff.path(index);
		for (let slash = path.lastIndexOf('/'); slash >= 0; slash = path.lastIndexOf('/', slash - 1)) {
			const dir = slash === 0 ? '/' : path.slice(0, slash);
			deltas.set(dir, (deltas.get(dir) ?? 0) + delta);
			if (slash === 0) break;
		}
	}
	const changed = new Set([...deltas].filter(([, delta]) => delta !== 0).map(([dir]) => dir));
	const before = directoryTotals(diff.a, changed);
	const after = directoryTotals(diff.b, changed);
	return [...changed]
		.map(path => ({path, before: before.get(path) ?? 0, after: after.get(path) ?? 0, delta: deltas.get(path)!}))
		.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Bytes of regular files below each of `wanted`, in one depth-first walk (a stack of the open directories). */
function directoryTotals(fs: FileSystem, wanted: Set<string>): Map<string, number> {
	const totals = new Map<string, number>();
	if (wanted.size === 0) return totals;
	const open: Array<{path: string; bytes: number}> = [{path: '/', bytes: 0}];
	const close = () => {
		const done = open.pop()!;
		if (wanted.has(done.path)) totals.set(done.path, done.bytes);
		if (open.length > 0) open.at(-1)!.bytes += done.bytes;
	};
	for (const [path, id] of walkIds(fs)) {
		while (open.length > 1 && !path.startsWith(open.at(-1)!.path + '/')) close();
		const type = fs.typeOf(id);
		if (type === 'dir') open.push({path, bytes: 0});
		else if (type === 'file') open.at(-1)!.bytes += fs.sizeOf(id);
	}
	while (open.length > 0) close();
	return totals;
}
