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
 *
 * Only a directory above a differing path can have another total (a path
 * the same on both sides has the same size), so only those are named: the
 * ancestors of each differing path, on the side it is on. Each side's
 * totals come from one pass of running sums over its walk (a subtree is a
 * run of it): no string and no map entry per path, as a full walk of two
 * 150,000-path trees would make.
 */
export function directoryChanges(diff: FileDiff): DirectoryChange[] {
	const sides = [new SubtreeTotals(diff.orderA), new SubtreeTotals(diff.orderB)] as const;
	const candidates = new Set<string>(['/']);
	for (const [side, idOf] of [[sides[0], (index: number) => diff.idInA(index)], [sides[1], (index: number) => diff.idInB(index)]] as const) {
		const seen = new Set<number>([0]);
		for (let index = 0; index < diff.length; index++) {
			const id = idOf(index);
			if (id === -1) continue;
			for (let up = side.fs.paths.parentOf(id); !seen.has(up); up = side.fs.paths.parentOf(up)) {
				seen.add(up);
				candidates.add(side.fs.pathOf(up));
			}
		}
	}
	const changes: DirectoryChange[] = [];
	for (const path of candidates) {
		const [before, after] = [sides[0].totalOf(path), sides[1].totalOf(path)];
		if (before !== null ? (after ?? 0) !== before : after !== null && after !== 0) changes.push({path, before: before ?? 0, after: after ?? 0, delta: (after ?? 0) - (before ?? 0)});
	}
	return changes.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

const encoder = new TextEncoder();

/** Content bytes below any directory of one side's walk, from running sums over it. */
class SubtreeTotals {
	readonly fs: FinalFiles['fs'];
	/** sums[at]: content bytes of the files and hard links at positions before `at`. */
	private readonly sums: Float64Array;
	private readonly positions: Int32Array;

	constructor(private readonly order: FinalFiles) {
		this.fs = order.fs;
		this.sums = new Float64Array(order.length + 1);
		for (let at = 0; at < order.length; at++) {
			const id = order.ids[at]!;
			const type = this.fs.typeOf(id);
			this.sums[at + 1] = this.sums[at]! + (type === 'file' || type === 'hardlink' ? this.fs.sizeOf(id) : 0);
		}
		this.positions = order.positions();
	}

	/** The total below a directory the walk reaches by this path (no symlink followed), or null when it has no such directory. */
	totalOf(path: string): number | null {
		if (path === '/') return this.sums[this.order.length]!;
		let id = 0;
		for (const name of path.split('/').slice(1)) {
			const bytes = encoder.encode(name);
			id = this.fs.paths.find(id, bytes, 0, bytes.length);
			if (id === -1 || this.positions[id] === undefined || this.positions[id] === -1) return null;
		}
		const at = this.positions[id]!;
		if (!this.order.isDirectoryAt(at)) return null;
		return this.sums[this.order.endOf(at)]! - this.sums[at + 1]!;
	}
}
