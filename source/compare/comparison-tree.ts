import type {ChangeCounts, TreeChange, TreeEntryType, TreeNodeState, TreeView} from '../tree/tree-view.js';
import type {FileSystem, FsNode} from '../tree/filesystem.js';
import {compareTreeOrder, type FileDiff} from './file-diff.js';

const ABSENT = -1;
const ADDED: TreeChange = {status: 'added', metadataOnly: false};
const REMOVED: TreeChange = {status: 'removed', metadataOnly: false};
const MODIFIED: TreeChange = {status: 'modified', metadataOnly: false};
const METADATA: TreeChange = {status: 'modified', metadataOnly: true};

/**
 * Two images' final filesystems as a TreeView of two steps: step 0 is image
 * A (its change: everything added, against nothing), step 1 is image B (its
 * change: the comparison's file diff). The browser reads it exactly as it
 * reads one image's layers. Paths are the union of both sides, numbered in
 * tree order by one walk of both at once; per path, its id on each side.
 */
export class ComparisonTree implements TreeView {
	readonly root = 0;
	readonly stepCount = 2;
	private readonly parents: Int32Array;
	/** Children in name order: the ids of `id`'s children are childIds[childStart[id] … childStart[id + 1]). */
	private readonly childStart: Int32Array;
	private readonly childIds: Int32Array;
	/** Per union id, its id on each side (-1: absent there); and per side's path id, its union id (-1: not in that final filesystem). */
	private readonly sides: [Int32Array, Int32Array];
	private readonly unions: [Int32Array, Int32Array];
	/** Per step, per path: content bytes at or below it (files and hard links). */
	private readonly sizes: [Float64Array, Float64Array];
	/** Per path: what step 1 changed there (index into the diff), or -1. */
	private readonly diffIndex: Int32Array;
	/** Per path: 1 when step 1 changed it or something below it. */
	private readonly touched: Uint8Array;
	private readonly changed: Int32Array;
	private readonly counts: [ChangeCounts, ChangeCounts];

	private readonly a: FileSystem;
	private readonly b: FileSystem;

	constructor(private readonly diff: FileDiff) {
		const {a, b} = diff;
		this.a = a;
		this.b = b;
		// The walk's own lists are transient; what the tree keeps is typed arrays.
		const inA: number[] = [0];
		const inB: number[] = [0];
		const parents: number[] = [-1];
		// Open directories of the union walk: the prefix below them and their union id.
		const open: Array<{prefix: string; id: number}> = [{prefix: '/', id: 0}];
		const add = (path: string, aId: number, bId: number, isDir: boolean) => {
			while (open.length > 1 && !path.startsWith(open.at(-1)!.prefix)) open.pop();
			const id = parents.length;
			parents.push(open.at(-1)!.id);
			inA.push(aId);
			inB.push(bId);
			if (isDir) open.push({prefix: `${path}/`, id});
		};
		const left = diff.orderA.paths();
		const right = diff.orderB.paths();
		let l = left.next();
		let r = right.next();
		while (!l.done || !r.done) {
			const order = l.done ? 1 : r.done ? -1 : compareTreeOrder(l.value[0], r.value[0]);
			if (order < 0) {
				add(l.value![0], l.value![1], ABSENT, a.typeOf(l.value![1]) === 'dir');
				l = left.next();
			} else if (order > 0) {
				add(r.value![0], ABSENT, r.value![1], b.typeOf(r.value![1]) === 'dir');
				r = right.next();
			} else {
				add(l.value![0], l.value![1], r.value![1], a.typeOf(l.value![1]) === 'dir' || b.typeOf(r.value![1]) === 'dir');
				l = left.next();
				r = right.next();
			}
		}
		const count = parents.length;
		this.parents = Int32Array.from(parents);
		this.sides = [Int32Array.from(inA), Int32Array.from(inB)];
		this.unions = [this.unionIndex(a, this.sides[0]), this.unionIndex(b, this.sides[1])];
		// Ids are in tree order, so each parent's children come in name order: counted, then placed.
		this.childStart = new Int32Array(count + 1);
		for (let id = 1; id < count; id++) this.childStart[this.parents[id]! + 1]++;
		for (let id = 0; id < count; id++) this.childStart[id + 1] += this.childStart[id]!;
		this.childIds = new Int32Array(Math.max(0, count - 1));
		const fill = this.childStart.slice(0, count);
		for (let id = 1; id < count; id++) this.childIds[fill[this.parents[id]!]!++] = id;
		this.sizes = [this.totals(a, this.sides[0]), this.totals(b, this.sides[1])];
		this.diffIndex = new Int32Array(count).fill(-1);
		this.touched = new Uint8Array(count);
		const changed = new Int32Array(diff.length);
		const counts: ChangeCounts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
		for (let index = 0; index < diff.length; index++) {
			const inB = diff.idInB(index);
			const id = inB === -1 ? this.unions[0][diff.idInA(index)]! : this.unions[1][inB]!;
			this.diffIndex[id] = index;
			changed[index] = id;
			const status = diff.status(index);
			if (status === 'modified' && diff.metadataOnly(index)) counts.metadataOnly++;
			else counts[status]++;
			this.touched[id] = 1;
		}
		// Ids are in tree order (a parent before its children): from the end, each path hands its mark to its parent once.
		for (let id = count - 1; id > 0; id--) if (this.touched[id] === 1) this.touched[this.parents[id]!] = 1;
		this.changed = changed;
		let filesInA = 0;
		for (let id = 1; id < count; id++) if (this.sides[0][id] !== ABSENT) filesInA++;
		this.counts = [{added: filesInA, modified: 0, metadataOnly: 0, removed: 0}, counts];
		this.pathCount = count - 1;
	}

	readonly pathCount: number;

	/** The path's union id: looked up literally (no link followed) in either side's path table. */
	idOf(path: string): number | undefined {
		if (path === '/') return 0;
		for (const [step, fs] of [[0, this.a], [1, this.b]] as const) {
			const own = literalId(fs, path);
			const id = own === undefined ? -1 : (this.unions[step][own] ?? -1);
			if (id !== -1) return id;
		}
		return undefined;
	}

	pathOf(id: number): string {
		if (id === 0) return '/';
		const inA = this.sides[0][id]!;
		return inA !== ABSENT ? this.a.pathOf(inA) : this.b.pathOf(this.sides[1][id]!);
	}

	nameOf(id: number): string {
		if (id === 0) return '';
		const inA = this.sides[0][id]!;
		return inA !== ABSENT ? this.a.paths.nameOf(inA) : this.b.paths.nameOf(this.sides[1][id]!);
	}

	parentOf(id: number): number {
		return this.parents[id]!;
	}

	children(id: number): ArrayLike<number> {
		return this.childIds.subarray(this.childStart[id]!, this.childStart[id + 1]!);
	}

	stateAt(id: number, step: number): TreeNodeState | null {
		const node = this.node(id, step);
		if (!node) return id === 0 ? {type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, layer: -1} : null;
		const state: TreeNodeState = {type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, size: node.type === 'file' || node.type === 'hardlink' ? node.size : 0, layer: node.layer};
		if (node.linkTarget !== undefined) state.linkTarget = node.linkTarget;
		return state;
	}

	typeAt(id: number, step: number): TreeEntryType | null {
		if (id === 0) return 'dir';
		const side = this.sides[step]?.[id] ?? ABSENT;
		return side === ABSENT ? null : (step === 0 ? this.a : this.b).typeOf(side);
	}

	sizeAt(id: number, step: number): number {
		return this.sizes[step]?.[id] ?? 0;
	}

	changeAt(id: number, step: number): TreeChange | undefined {
		if (step === 0) return id !== 0 && this.sides[0][id] !== ABSENT ? ADDED : undefined;
		const index = this.diffIndex[id]!;
		if (index === -1) return undefined;
		const status = this.diff.status(index);
		return status === 'added' ? ADDED : status === 'removed' ? REMOVED : this.diff.metadataOnly(index) ? METADATA : MODIFIED;
	}

	changedPaths(step: number): ArrayLike<number> {
		if (step === 1) return this.changed;
		const inA: number[] = [];
		for (let id = 1; id < this.parents.length; id++) if (this.sides[0][id] !== ABSENT) inA.push(id);
		return inA;
	}

	changedChildren(id: number, step: number): ArrayLike<number> {
		const children = this.children(id) as Int32Array;
		return step === 0 ? children.filter(child => this.sides[0][child] !== ABSENT) : children.filter(child => this.touched[child] === 1);
	}

	/** Step 1: how much the bytes at or below the path changed from A to B, grown or shrunk (what "sort by size" orders the differences by). */
	changeSize(id: number, step: number): number {
		return step === 0 ? this.sizeAt(id, 0) : Math.abs(this.sizes[1][id]! - this.sizes[0][id]!);
	}

	changeCounts(step: number): ChangeCounts {
		return {...this.counts[step === 0 ? 0 : 1]};
	}

	private node(id: number, step: number): FsNode | null {
		const side = this.sides[step]?.[id] ?? ABSENT;
		if (id === 0 || side === ABSENT) return null;
		return (step === 0 ? this.a : this.b).node(side);
	}

	/** Per path id of one side: its union id (-1 for paths not in that side's final filesystem). */
	private unionIndex(fs: FileSystem, side: Int32Array): Int32Array {
		const unions = new Int32Array(fs.paths.size).fill(-1);
		for (let id = 1; id < side.length; id++) if (side[id] !== ABSENT) unions[side[id]!] = id;
		return unions;
	}

	/** Content bytes at or below every path on one side: each path's own, added to its ancestors'. */
	private totals(fs: FileSystem, side: Int32Array): Float64Array {
		const totals = new Float64Array(this.parents.length);
		// Ids are in tree order, so every path comes after its parent: summing from the end adds each subtree once.
		for (let id = this.parents.length - 1; id > 0; id--) {
			const own = side[id]!;
			if (own !== ABSENT) {
				const type = fs.typeOf(own);
				if (type === 'file' || type === 'hardlink') totals[id] += fs.sizeOf(own);
			}
			totals[this.parents[id]!] += totals[id]!;
		}
		return totals;
	}
}

const encoder = new TextEncoder();

/** A path's id in a filesystem's path table, component by component, as written (no link followed). */
function literalId(fs: FileSystem, path: string): number | undefined {
	const bytes = encoder.encode(path);
	if (bytes[0] !== 0x2f) return undefined;
	let id = 0;
	for (let from = 1; ; ) {
		let to = from;
		while (to < bytes.length && bytes[to] !== 0x2f) to++;
		id = fs.paths.find(id, bytes, from, to);
		if (id < 0 || to >= bytes.length) break;
		from = to + 1;
	}
	return id < 0 ? undefined : id;
}
