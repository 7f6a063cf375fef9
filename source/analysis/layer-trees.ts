import {ABSENT, type FileSystem} from '../tree/filesystem.js';
import type {PathTable} from '../tree/path-table.js';
import type {EntryTable} from '../entry-table.js';
import {grown} from '../typed-arrays.js';
import type {ChangeCounts, TreeChange, TreeEntryType, TreeNodeState, TreeView} from '../tree/tree-view.js';
import type {ChangeList, LayerHistory} from './layer-history.js';

/**
 * Every layer's filesystem and every layer's changes, without a tree per
 * layer, as a TreeView whose steps are the layers. Paths are the analysis'
 * own path ids (the stacked filesystem's PathTable), and everything is
 * columns: per path the few versions it went through (the layer, and the
 * state after it as the filesystem's (own, attr) refs), per directory the
 * layers that changed the bytes below it. The state of a path after layer N
 * is its last version at or before N. Memory grows with paths and changes,
 * not with paths × layers, and no object is kept per path.
 */
export class LayerTrees implements TreeView {
	readonly root = 0;
	readonly stepCount: number;
	readonly pathCount: number;
	private readonly fs: FileSystem;
	private readonly paths: PathTable;
	/** Ids at or above this were never seen by the history (the table is shared, and may grow later). */
	private readonly idLimit: number;
	/** By id: 1 when a path is in the tree (some layer touched it, or something below it). */
	private readonly listed: Uint8Array;
	/** Children of each id, in name order: childIds[childStart[id] .. childStart[id + 1]). */
	private readonly childStart: Int32Array;
	private readonly childIds: Int32Array;
	/** By id: each listed path's name, decoded once (the sort reads them, and so do the browser's rows and its tree order). */
	private readonly names: string[];
	/** Versions of each id, in layer order, at versionStart[id] .. versionStart[id + 1]: the layer, the state after it, the change's code. */
	private readonly versionStart: Int32Array;
	private readonly versionLayer: Int32Array;
	private readonly versionOwn: Int32Array;
	private readonly versionAttr: Int32Array;
	private readonly versionCode: Uint8Array;
	/** Directory sizes by id, in layer order, at sizeStart[id] .. sizeStart[id + 1]: the layer and the bytes of visible files below after it. */
	private readonly sizeStart: Int32Array;
	private readonly sizeLayer: Int32Array;
	private readonly sizeBytes: Float64Array;
	/** Per layer: the directories on the way to its changes (ascending ids), and the bytes those changes weigh below each. */
	private readonly wayDirs: Int32Array[] = [];
	private readonly wayBytes: Float64Array[] = [];
	private readonly counts: ChangeCounts[] = [];
	private readonly changes: ChangeList[];

	constructor(history: LayerHistory) {
		const fs = (this.fs = history.final);
		const paths = (this.paths = fs.paths);
		this.changes = history.changes;
		this.stepCount = history.changes.length;
		const limit = (this.idLimit = paths.size);
		const listed = (this.listed = new Uint8Array(limit));

		// Versions: counted per id, then placed layer by layer, so each id's are in layer order.
		const versionStart = (this.versionStart = new Int32Array(limit + 1));
		for (const list of history.changes) for (let i = 0; i < list.length; i++) versionStart[list.pathId(i) + 1]!++;
		for (let id = 0; id < limit; id++) versionStart[id + 1]! += versionStart[id]!;
		const total = versionStart[limit]!;
		const versionLayer = (this.versionLayer = new Int32Array(total));
		const versionOwn = (this.versionOwn = new Int32Array(total));
		const versionAttr = (this.versionAttr = new Int32Array(total));
		const versionCode = (this.versionCode = new Uint8Array(total));
		const placed = versionStart.slice(0, limit);

		// Directory sizes as they change, appended in layer order, grouped by directory at the end.
		const running = new Float64Array(limit);
		let sizeDir = new Int32Array(1024);
		let sizeLayer = new Int32Array(1024);
		let sizeBytes = new Float64Array(1024);
		let sizeCount = 0;
		// Per directory, what this layer's changes add up to below it; reset after each layer (only the touched entries).
		const delta = new Float64Array(limit);
		const weight = new Float64Array(limit);
		const touched = new Uint8Array(limit);
		const dirs = new Int32Array(limit);

		history.changes.forEach((list, layer) => {
			const counts: ChangeCounts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
			let dirCount = 0;
			for (let i = 0; i < list.length; i++) {
				const id = list.pathId(i);
				listed[id] = 1;
				const own = list.afterOwn(i);
				const attr = list.afterAttr(i);
				const status = list.status(i);
				const metadataOnly = list.metadataOnly(i);
				if (status === 'added') counts.added++;
				else if (status === 'removed') counts.removed++;
				else if (status === 'modified') counts[metadataOnly ? 'metadataOnly' : 'modified']++;
				// The state before this layer is the path's version before this one: the one placed last.
				const at = placed[id]!++;
				const before = at > versionStart[id]! ? this.contentSize(id, at - 1) : 0;
				versionLayer[at] = layer;
				versionOwn[at] = own;
				versionAttr[at] = attr;
				versionCode[at] = STATUS_CODE[status] | (metadataOnly ? METADATA_ONLY : 0);
				const after = this.contentSize(id, at);
				const change = after - before;
				const weighs = own === ABSENT ? before : after;
				for (let parent = paths.parentOf(id); parent !== -1; parent = paths.parentOf(parent)) {
					if (touched[parent] === 0) {
						touched[parent] = 1;
						dirs[dirCount++] = parent;
					}
					delta[parent] += change;
					weight[parent] += weighs;
				}
			}
			const way = dirs.slice(0, dirCount).sort();
			const bytes = new Float64Array(dirCount);
			for (let k = 0; k < dirCount; k++) {
				const dir = way[k]!;
				bytes[k] = weight[dir]!;
				if (delta[dir] !== 0) {
					if (sizeCount === sizeDir.length) [sizeDir, sizeLayer, sizeBytes] = [grown(sizeDir, sizeCount * 2), grown(sizeLayer, sizeCount * 2), grown(sizeBytes, sizeCount * 2)];
					running[dir] += delta[dir]!;
					sizeDir[sizeCount] = dir;
					sizeLayer[sizeCount] = layer;
					sizeBytes[sizeCount] = running[dir]!;
					sizeCount++;
				}
				delta[dir] = 0;
				weight[dir] = 0;
				touched[dir] = 0;
			}
			this.wayDirs.push(way);
			this.wayBytes.push(bytes);
			this.counts.push(counts);
		});

		// Sizes grouped by directory, keeping layer order (a counting sort is stable).
		const sizeStart = (this.sizeStart = new Int32Array(limit + 1));
		for (let k = 0; k < sizeCount; k++) sizeStart[sizeDir[k]! + 1]!++;
		for (let id = 0; id < limit; id++) sizeStart[id + 1]! += sizeStart[id]!;
		this.sizeLayer = new Int32Array(sizeCount);
		this.sizeBytes = new Float64Array(sizeCount);
		const next = sizeStart.slice(0, limit);
		for (let k = 0; k < sizeCount; k++) {
			const at = next[sizeDir[k]!]!++;
			this.sizeLayer[at] = sizeLayer[k]!;
			this.sizeBytes[at] = sizeBytes[k]!;
		}

		// Every directory above a listed path is listed (stacking touches it, but a tree must never lose its way to the root).
		listed[0] = 1;
		for (let id = 1; id < limit; id++) {
			if (listed[id] === 0) continue;
			for (let parent = paths.parentOf(id); parent > 0 && listed[parent] === 0; parent = paths.parentOf(parent)) listed[parent] = 1;
		}
		// Children: counted per parent, placed, then each directory's sorted by name.
		const childStart = (this.childStart = new Int32Array(limit + 1));
		let count = 0;
		for (let id = 1; id < limit; id++) {
			if (listed[id] === 0) continue;
			childStart[paths.parentOf(id) + 1]!++;
			count++;
		}
		this.pathCount = count;
		for (let id = 0; id < limit; id++) childStart[id + 1]! += childStart[id]!;
		const childIds = (this.childIds = new Int32Array(count));
		const fill = childStart.slice(0, limit);
		for (let id = 1; id < limit; id++) if (listed[id] === 1) childIds[fill[paths.parentOf(id)]!++] = id;
		const names = (this.names = new Array<string>(limit).fill(''));
		for (let k = 0; k < count; k++) names[childIds[k]!] = paths.nameOf(childIds[k]!);
		const byName = (a: number, b: number) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0);
		for (let dir = 0; dir < limit; dir++) {
			const from = childStart[dir]!;
			const to = childStart[dir + 1]!;
			if (to - from >= 2) childIds.subarray(from, to).sort(byName);
		}
	}

	idOf(path: string): number | undefined {
		if (path === '/') return this.root;
		const bytes = encoder.encode(path);
		if (bytes[0] !== SLASH) return undefined;
		let id = 0;
		for (let from = 1; id !== -1; ) {
			let to = from;
			while (to < bytes.length && bytes[to] !== SLASH) to++;
			id = this.paths.find(id, bytes, from, to);
			if (to >= bytes.length) break;
			from = to + 1;
		}
		return id >= 0 && id < this.idLimit && this.listed[id] === 1 ? id : undefined;
	}

	pathOf(id: number): string {
		return this.paths.pathOf(id);
	}

	nameOf(id: number): string {
		return id > 0 && id < this.idLimit && this.listed[id] === 1 ? this.names[id]! : this.paths.nameOf(id);
	}

	parentOf(id: number): number {
		return this.paths.parentOf(id);
	}

	children(id: number): Int32Array {
		return this.childIds.subarray(this.childStart[id]!, this.childStart[id + 1]!);
	}

	stateAt(id: number, step: number): TreeNodeState | null {
		if (id === 0) return ROOT;
		const at = this.versionAt(id, step);
		if (at === -1 || this.versionOwn[at] === ABSENT) return null;
		return this.fs.nodeState(this.versionOwn[at]!, this.versionAttr[at]!);
	}

	typeAt(id: number, step: number): TreeEntryType | null {
		if (id === 0) return 'dir';
		const at = this.versionAt(id, step);
		if (at === -1) return null;
		const own = this.versionOwn[at]!;
		return own === ABSENT ? null : this.fs.typeOfState(own, this.versionAttr[at]!);
	}

	/**
	 * Where the content a path shows at a step is stored (a hard link's: its target's entry), for reading it back:
	 * the entry table, its index and the layer that holds the bytes; undefined for anything without content.
	 */
	storedAt(id: number, step: number): {ref: number; table: EntryTable; index: number; layer: number} | undefined {
		const at = this.versionAt(id, step);
		if (at === -1 || this.versionOwn[at]! < 0) return undefined;
		const ref = this.fs.contentOfState(id, this.versionAttr[at]!);
		if (ref < 0) return undefined;
		return {ref, table: this.fs.tableOf(ref), index: this.fs.indexOf(ref), layer: this.fs.layerOfRef(ref)};
	}

	sizeAt(id: number, step: number): number {
		const type = this.typeAt(id, step);
		if (type === null) return 0;
		if (type !== 'dir') return this.contentSize(id, this.versionAt(id, step));
		for (let at = this.sizeStart[id + 1]! - 1; at >= this.sizeStart[id]!; at--) if (this.sizeLayer[at]! <= step) return this.sizeBytes[at]!;
		return 0;
	}

	changeAt(id: number, step: number): TreeChange | undefined {
		const at = this.versionAt(id, step);
		return at !== -1 && this.versionLayer[at] === step ? CHANGES[this.versionCode[at]!] : undefined;
	}

	changedPaths(step: number): Int32Array {
		const list = this.changes[step];
		const ids = new Int32Array(list?.length ?? 0);
		for (let i = 0; i < ids.length; i++) ids[i] = list!.pathId(i);
		return ids;
	}

	changedChildren(id: number, step: number): number[] {
		const changed: number[] = [];
		for (const child of this.children(id)) if (this.changeAt(child, step) !== undefined || this.wayIndex(child, step) !== -1) changed.push(child);
		return changed;
	}

	changeSize(id: number, step: number): number {
		const way = this.wayIndex(id, step);
		if (way !== -1) return this.wayBytes[step]![way]!;
		const at = this.versionAt(id, step);
		if (at === -1 || this.versionLayer[at] !== step) return 0;
		// What it adds or changes weighs its new size; what it removes, its old one.
		return this.versionOwn[at] === ABSENT ? (at > this.versionStart[id]! ? this.contentSize(id, at - 1) : 0) : this.contentSize(id, at);
	}

	changeCounts(step: number): ChangeCounts {
		return this.counts[step] ?? {added: 0, modified: 0, metadataOnly: 0, removed: 0};
	}

	/** The path's last version at or before a step, or -1. Versions are few per path: scanned from the end. */
	private versionAt(id: number, step: number): number {
		if (id < 0 || id >= this.idLimit) return -1;
		for (let at = this.versionStart[id + 1]! - 1; at >= this.versionStart[id]!; at--) if (this.versionLayer[at]! <= step) return at;
		return -1;
	}

	/** Content bytes of a version: a file's or hard link's size, 0 for anything else. */
	private contentSize(id: number, at: number): number {
		const own = this.versionOwn[at]!;
		if (own < 0) return 0;
		const attr = this.versionAttr[at]!;
		return this.fs.contentOfState(id, attr) >= 0 ? this.fs.sizeOfState(attr) : 0;
	}

	/** Where a directory sits among the step's ways to its changes, or -1 (binary search: they are ascending). */
	private wayIndex(id: number, step: number): number {
		const dirs = this.wayDirs[step];
		if (!dirs) return -1;
		let low = 0;
		let high = dirs.length - 1;
		while (low <= high) {
			const middle = (low + high) >>> 1;
			const dir = dirs[middle]!;
			if (dir === id) return middle;
			if (dir < id) low = middle + 1;
			else high = middle - 1;
		}
		return -1;
	}
}

const SLASH = 0x2f;
const encoder = new TextEncoder();
const ROOT: TreeNodeState = {type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, layer: -1};
const STATUS_CODE = {added: 0, modified: 1, removed: 2, unmodified: 3} as const;
const METADATA_ONLY = 4;
/** One object per status code: a change read from the columns costs no allocation. */
const CHANGES: TreeChange[] = Array.from({length: 8}, (_, code) => Object.freeze({status: (['added', 'modified', 'removed', 'unmodified'] as const)[code & 3]!, metadataOnly: (code & METADATA_ONLY) !== 0}));
