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
	private readonly paths: string[] = ['/'];
	private readonly parents: number[] = [-1];
	private readonly childLists: number[][] = [[]];
	private readonly sides: [Int32Array, Int32Array];
	private readonly ids = new Map<string, number>([['/', 0]]);
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
		const inA: number[] = [0];
		const inB: number[] = [0];
		// Open directories of the union walk: their path and union id.
		const open: Array<{path: string; id: number}> = [{path: '', id: 0}];
		const add = (path: string, aId: number, bId: number, isDir: boolean) => {
			while (open.length > 1 && !path.startsWith(`${open.at(-1)!.path}/`)) open.pop();
			const id = this.paths.length;
			const parent = open.at(-1)!.id;
			this.paths.push(path);
			this.parents.push(parent);
			this.childLists.push([]);
			this.childLists[parent]!.push(id);
			this.ids.set(path, id);
			inA.push(aId);
			inB.push(bId);
			if (isDir) open.push({path, id});
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
		const count = this.paths.length;
		this.sides = [Int32Array.from(inA), Int32Array.from(inB)];
		this.sizes = [this.totals(a, this.sides[0]), this.totals(b, this.sides[1])];
		this.diffIndex = new Int32Array(count).fill(-1);
		this.touched = new Uint8Array(count);
		const changed: number[] = [];
		const counts: ChangeCounts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
		for (let index = 0; index < diff.length; index++) {
			const id = this.ids.get(diff.path(index))!;
			this.diffIndex[id] = index;
			changed.push(id);
			const status = diff.status(index);
			if (status === 'modified' && diff.metadataOnly(index)) counts.metadataOnly++;
			else counts[status]++;
			this.touched[id] = 1;
		}
		// Ids are in tree order (a parent before its children): from the end, each path hands its mark to its parent once.
		for (let id = count - 1; id > 0; id--) if (this.touched[id] === 1) this.touched[this.parents[id]!] = 1;
		this.changed = Int32Array.from(changed);
		const all = count - 1;
		let filesInA = 0;
		for (let id = 1; id < count; id++) if (this.sides[0][id] !== ABSENT) filesInA++;
		this.counts = [{added: filesInA, modified: 0, metadataOnly: 0, removed: 0}, counts];
		this.pathCount = all;
	}

	readonly pathCount: number;

	idOf(path: string): number | undefined {
		return this.ids.get(path);
	}

	pathOf(id: number): string {
		return this.paths[id]!;
	}

	nameOf(id: number): string {
		const path = this.paths[id]!;
		return id === 0 ? '' : path.slice(path.lastIndexOf('/') + 1);
	}

	parentOf(id: number): number {
		return this.parents[id]!;
	}

	children(id: number): ArrayLike<number> {
		return this.childLists[id]!;
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
		for (let id = 1; id < this.paths.length; id++) if (this.sides[0][id] !== ABSENT) inA.push(id);
		return inA;
	}

	changedChildren(id: number, step: number): ArrayLike<number> {
		const children = this.childLists[id]!;
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

	/** Content bytes at or below every path on one side: each path's own, added to its ancestors'. */
	private totals(fs: FileSystem, side: Int32Array): Float64Array {
		const totals = new Float64Array(this.paths.length);
		// Ids are in tree order, so every path comes after its parent: summing from the end adds each subtree once.
		for (let id = this.paths.length - 1; id > 0; id--) {
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
