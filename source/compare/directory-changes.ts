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
	const [a, b] = [new SubtreeTotals(diff.orderA), new SubtreeTotals(diff.orderB)];
	// Each side's directories above its differing paths, and each one's counterpart on the other side (-1: none there).
	const aboveA = a.ancestors(index => diff.idInA(index), diff.length);
	const aboveB = b.ancestors(index => diff.idInB(index), diff.length);
	const intoB = new Map<number, number>([[0, 0]]);
	const intoA = new Map<number, number>([[0, 0]]);
	const changes: DirectoryChange[] = [];
	// The path is spelled only for a directory that changed (a deep one's spelling is as long as it is deep).
	const consider = (side: SubtreeTotals, id: number, before: number | null, after: number | null) => {
		if (before !== null ? (after ?? 0) !== before : after !== null && after !== 0) changes.push({path: side.fs.pathOf(id), before: before ?? 0, after: after ?? 0, delta: (after ?? 0) - (before ?? 0)});
	};
	for (const id of aboveA) consider(a, id, a.totalOf(id), b.totalOf(counterpart(a, b, id, intoB)));
	for (const id of aboveB) {
		const inA = counterpart(b, a, id, intoA);
		// Seen from A already: a directory on both sides is one change.
		if (inA !== -1 && aboveA.has(inA)) continue;
		consider(b, id, a.totalOf(inA), b.totalOf(id));
	}
	return changes.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

const encoder = new TextEncoder();

/**
 * The same path's id on the other side (-1: not there), found from its
 * parent's counterpart down: each directory costs one look-up however deep
 * it is (a path spelled out from the root for each would cost its depth).
 */
function counterpart(from: SubtreeTotals, to: SubtreeTotals, id: number, known: Map<number, number>): number {
	const chain: number[] = [];
	for (let up = id; !known.has(up); up = from.fs.paths.parentOf(up)) chain.push(up);
	let mapped = known.get(chain.length === 0 ? id : from.fs.paths.parentOf(chain.at(-1)!))!;
	for (let at = chain.length - 1; at >= 0; at--) {
		const own = chain[at]!;
		mapped = mapped === -1 ? -1 : to.childOf(mapped, from.fs.paths.nameOf(own));
		known.set(own, mapped);
	}
	return mapped;
}

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

	/** The directories above the given paths (the root included), each once. */
	ancestors(idOf: (index: number) => number, count: number): Set<number> {
		const found = new Set<number>([0]);
		for (let index = 0; index < count; index++) {
			const id = idOf(index);
			if (id === -1) continue;
			for (let up = this.fs.paths.parentOf(id); !found.has(up); up = this.fs.paths.parentOf(up)) found.add(up);
		}
		return found;
	}

	/** The child of a directory of the walk by name, when the walk reaches it (no symlink followed); else -1. */
	childOf(dir: number, name: string): number {
		const bytes = encoder.encode(name);
		const id = this.fs.paths.find(dir, bytes, 0, bytes.length);
		return id !== -1 && (this.positions[id] ?? -1) !== -1 ? id : -1;
	}

	/** The total below a directory of the walk, or null when the id is not one (absent, or not a directory). */
	totalOf(id: number): number | null {
		if (id === 0) return this.sums[this.order.length]!;
		const at = id === -1 ? -1 : (this.positions[id] ?? -1);
		if (at === -1 || !this.order.isDirectoryAt(at)) return null;
		return this.sums[this.order.endOf(at)]! - this.sums[at + 1]!;
	}
}
