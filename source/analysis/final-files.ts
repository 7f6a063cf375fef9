import type {FileSystem, FsNode} from '../tree/filesystem.js';

const encoder = new TextEncoder();

/**
 * Every path of the final filesystem, depth first in name order, kept as
 * path ids (4 bytes a path) with, per position, where its subtree ends. So a
 * reader that wants only what lies below a few directories (the findings'
 * package caches, headers, docs) visits only those runs of the walk, in walk
 * order, and no reader needs a string or an object per file: paths grow
 * from their parent's as a run is read, nodes are views made on demand.
 */
/** A walk's arrays (FinalFiles.exportWalk). */
export interface FinalWalk {
	ids: Int32Array;
	ends: Int32Array;
	isDir: Uint8Array;
}

export class FinalFiles implements Iterable<[string, FsNode]> {
	/** Path ids in walk order. */
	readonly ids: Int32Array;
	/** Per position: the position just past its subtree (itself + 1 for all but directories). */
	private readonly ends: Int32Array;
	/** Per position: 1 for a directory. */
	private readonly isDir: Uint8Array;

	/**
	 * `same`: another filesystem's walk whose subtrees are this one's where
	 * `unchanged(id)` says so (both stacked on one shared stack, and neither
	 * side's own layers touched anything below that directory, see
	 * compare/final-stacks.ts): such a subtree's run is copied from it, not
	 * walked and sorted again.
	 */
	constructor(
		readonly fs: FileSystem,
		same?: {order: FinalFiles; unchanged: (id: number) => boolean},
	) {
		// At most every path once: filled from the front, then cut to what the walk reached.
		const capacity = fs.paths.size;
		const ids = new Int32Array(capacity);
		const ends = new Int32Array(capacity);
		const isDir = new Uint8Array(capacity);
		const positions = same ? same.order.positions() : null;
		let length = 0;
		// One frame per open directory: its position, its children sorted by name, how far through them the walk is.
		const stack: Array<{at: number; children: number[]; next: number}> = [{at: -1, children: fs.sortedChildIds(0), next: 0}];
		while (stack.length > 0) {
			const frame = stack.at(-1)!;
			if (frame.next === frame.children.length) {
				if (frame.at >= 0) ends[frame.at] = length;
				stack.pop();
				continue;
			}
			const id = frame.children[frame.next++]!;
			const at = length++;
			ids[at] = id;
			const dir = fs.typeOf(id) === 'dir';
			isDir[at] = dir ? 1 : 0;
			ends[at] = at + 1;
			if (!dir) continue;
			const from = positions && id < positions.length ? positions[id]! : -1;
			if (from >= 0 && same!.unchanged(id)) {
				// The same subtree on both sides: its run, positions shifted to where it starts here.
				const other = same!.order;
				const to = other.ends[from]!;
				ids.set(other.ids.subarray(from + 1, to), at + 1);
				isDir.set(other.isDir.subarray(from + 1, to), at + 1);
				const shift = at - from;
				for (let position = from + 1; position < to; position++) ends[position + shift] = other.ends[position]! + shift;
				length = at + (to - from);
				ends[at] = length;
				continue;
			}
			stack.push({at, children: fs.sortedChildIds(id), next: 0});
		}
		this.ids = ids.slice(0, length);
		this.ends = ends.slice(0, length);
		this.isDir = isDir.slice(0, length);
	}

	get length(): number {
		return this.ids.length;
	}

	/** The walk as arrays (a kept builder state's, for the next build's walk to copy its untouched subtrees from). */
	exportWalk(): FinalWalk {
		return {ids: this.ids, ends: this.ends, isDir: this.isDir};
	}

	/**
	 * A walk of `fs` from exported arrays, not walked again, or null when they cannot be one: every position a
	 * path of the table once, each inside the directory before it that it belongs to, a subtree ending within its
	 * parent's, a file's at itself. So copying a run of it (the constructor's `same`) stays within the table.
	 */
	static fromWalk(fs: FileSystem, walk: FinalWalk): FinalFiles | null {
		const {ids, ends, isDir} = walk;
		if (!(ids instanceof Int32Array) || !(ends instanceof Int32Array) || !(isDir instanceof Uint8Array) || ends.length !== ids.length || isDir.length !== ids.length) return null;
		const length = ids.length;
		const count = fs.paths.size;
		const seen = new Uint8Array(count);
		// The open directories' positions, innermost last.
		const open: number[] = [];
		for (let at = 0; at < length; at++) {
			const id = ids[at]!;
			if (id <= 0 || id >= count || seen[id] || isDir[at]! > 1) return null;
			seen[id] = 1;
			while (open.length > 0 && ends[open.at(-1)!]! <= at) open.pop();
			const parent = open.length > 0 ? open.at(-1)! : -1;
			const limit = parent === -1 ? length : ends[parent]!;
			if (fs.paths.parentOf(id) !== (parent === -1 ? 0 : ids[parent]!) || ends[at]! <= at || ends[at]! > limit) return null;
			if (isDir[at] === 1) open.push(at);
			else if (ends[at] !== at + 1) return null;
		}
		const files = Object.create(FinalFiles.prototype) as FinalFiles;
		Object.assign(files, {fs, ids, ends, isDir});
		return files;
	}

	/** The position just past the subtree at `at` (at + 1 for all but directories). */
	endOf(at: number): number {
		return this.ends[at]!;
	}

	isDirectoryAt(at: number): boolean {
		return this.isDir[at] === 1;
	}

	/** Each path id's position in the walk, -1 for ids it does not reach (removed paths, and those below a symlink). */
	positions(): Int32Array {
		const positions = new Int32Array(this.fs.paths.size).fill(-1);
		this.ids.forEach((id, at) => (positions[id] = at));
		return positions;
	}

	/** [path, path id] in walk order: no node is made. */
	paths(): Generator<[string, number]> {
		return this.run(0, this.ids.length, 0, '');
	}

	/**
	 * [path, path id] of every path strictly below the given directories, in
	 * walk order (each once, however the directories nest). A directory is an
	 * absolute path taken literally, as the walk spells paths (no symlink is
	 * followed); a component "*" stands for every directory at that place.
	 */
	*below(directories: readonly string[]): Generator<[string, number]> {
		for (const [start, end] of this.runsBelow(directories)) {
			const parent = this.fs.paths.parentOf(this.ids[start]!);
			yield* this.run(start, end, parent, this.fs.paths.pathOf(parent));
		}
	}

	/**
	 * What below walks, as runs of walk positions [start, end) in walk order, none empty, none overlapping:
	 * for a reader that names only the paths it keeps (ids[at] is each position's path id).
	 */
	runsBelow(directories: readonly string[]): Array<[start: number, end: number]> {
		const runs: Array<[start: number, end: number]> = [];
		for (const directory of directories) for (const at of this.positionsOf(directory)) runs.push([at + 1, at === -1 ? this.ids.length : this.ends[at]!]);
		runs.sort((a, b) => a[0] - b[0]);
		const merged: Array<[start: number, end: number]> = [];
		let done = 0;
		for (const [start, end] of runs) {
			if (end <= done || start >= end) continue;
			merged.push([Math.max(start, done), end]);
			done = end;
		}
		return merged;
	}

	*[Symbol.iterator](): Iterator<[string, FsNode]> {
		for (const [path, id] of this.paths()) yield [path, this.fs.node(id)];
	}

	/** The walk's positions [start, end), whose first path's parent is `parent` (its path `parentPath`; "" for the root). */
	private *run(start: number, end: number, parent: number, parentPath: string): Generator<[string, number]> {
		const paths = this.fs.paths;
		// The open directories down to the current path: their ids and paths.
		const dirs: number[] = [parent];
		const dirPaths: string[] = [parent === 0 ? '' : parentPath];
		for (let at = start; at < end; at++) {
			const id = this.ids[at]!;
			const up = paths.parentOf(id);
			while (dirs.at(-1) !== up) {
				dirs.pop();
				dirPaths.pop();
			}
			const path = `${dirPaths.at(-1)!}/${paths.nameOf(id)}`;
			yield [path, id];
			if (this.isDir[at]) {
				dirs.push(id);
				dirPaths.push(path);
			}
		}
	}

	/** The walk positions of the directories a pattern names ("*": any directory there); -1 for the root. */
	private positionsOf(directory: string): number[] {
		// Positions of the directories matched so far, as (id, position); the root has no position.
		let matched: Array<[id: number, at: number]> = [[0, -1]];
		for (const name of directory.split('/').filter(part => part !== '')) {
			const next: Array<[number, number]> = [];
			for (const [dir, at] of matched) {
				const start = at + 1;
				const end = at === -1 ? this.ids.length : this.ends[at]!;
				if (name === '*') {
					// The directory's children are the positions whose parent it is.
					for (let child = start; child < end; child = this.ends[child]!) if (this.isDir[child]) next.push([this.ids[child]!, child]);
					continue;
				}
				const bytes = encoder.encode(name);
				const id = this.fs.paths.find(dir, bytes, 0, bytes.length);
				if (id === -1) continue;
				for (let child = start; child < end; child = this.ends[child]!) {
					if (this.ids[child] === id) {
						if (this.isDir[child]) next.push([id, child]);
						break;
					}
				}
			}
			matched = next;
		}
		return matched.map(([, at]) => at);
	}
}
