import type {FinalFiles} from '../analysis/final-files.js';
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
 * shrunk alike), then by path. A directory's total is its paths' content,
 * a hard link's included, as the browser sums a directory (and the compare
 * view's tree does).
 * Each side's directory totals come from one walk of it (a stack of the
 * open directories), so the work is one pass over each side's paths
 * however deep they go.
 */
export function directoryChanges(diff: FileDiff): DirectoryChange[] {
	const before = directoryTotals(diff.orderA);
	const after = directoryTotals(diff.orderB);
	const changes: DirectoryChange[] = [];
	for (const [path, bytes] of before) {
		const now = after.get(path) ?? 0;
		if (now !== bytes) changes.push({path, before: bytes, after: now, delta: now - bytes});
	}
	for (const [path, bytes] of after) if (!before.has(path) && bytes !== 0) changes.push({path, before: 0, after: bytes, delta: bytes});
	return changes.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Content bytes of the files and hard links below every directory (the root included), in one depth-first walk. */
function directoryTotals(order: FinalFiles): Map<string, number> {
	const fs = order.fs;
	const totals = new Map<string, number>();
	const open: Array<{prefix: string; path: string; bytes: number}> = [{prefix: '/', path: '/', bytes: 0}];
	const close = () => {
		const done = open.pop()!;
		totals.set(done.path, done.bytes);
		if (open.length > 0) open.at(-1)!.bytes += done.bytes;
	};
	for (const [path, id] of order.paths()) {
		while (open.length > 1 && !path.startsWith(open.at(-1)!.prefix)) close();
		const type = fs.typeOf(id);
		if (type === 'dir') open.push({prefix: `${path}/`, path, bytes: 0});
		else if (type === 'file' || type === 'hardlink') open.at(-1)!.bytes += fs.sizeOf(id);
	}
	while (open.length > 0) close();
	return totals;
}
