import {joinPath} from '../layer/tar-path.js';
import {PathTable} from '../tree/path-table.js';
import type {Layer} from '../model.js';
import {FileSystem} from '../tree/filesystem.js';

export interface InefficientPath {
	path: string;
	/** How many layers hold this path (counting whiteouts). */
	count: number;
	cumulativeBytes: number;
}

/** dive's numbers, computed the way dive computes them, so CI thresholds carry over unchanged. */
export interface DiveEfficiency {
	score: number;
	wastedBytes: number;
	userWastedPercent: number;
	sizeBytes: number;
	userSizeBytes: number;
	inefficientFiles: InefficientPath[];
}

/**
 * dive's efficiency: over every layer's own tree, each leaf path (a whiteout
 * keyed by the path it deletes) adds its size to that path's tally. A path
 * seen in several layers is waste; the score is the share of bytes that the
 * smallest copy of each path would have cost. A whiteout weighs what the
 * directory it deletes held below it (dive sizes only real directories:
 * a deleted file or an implied directory weighs nothing).
 */
export function diveEfficiency(layers: Layer[]): DiveEfficiency {
	const tally = new DiveTally();
	const below = new FileSystem();
	for (const layer of layers) {
		tally.add(layer, weighLayerWhiteouts(layer, below));
		below.apply(layer, layer.index);
	}
	return tally.result();
}

/** What DiveTally knows after its layers (exportState). */
export interface DiveState {
	cumulative: Float64Array<ArrayBuffer>;
	min: Float64Array<ArrayBuffer>;
	count: Int32Array<ArrayBuffer>;
	stamp: number;
	layerSizes: number[];
}

/**
 * dive's tallies, one layer at a time (in any order: each layer counts on its
 * own, once its whiteouts are weighed against the stack below it). Paths are
 * ids of a path table, interned as written (dive's layer trees do not resolve
 * symlinks); tallies are typed arrays by id.
 */
export class DiveTally {
	/** `paths`: a table to share (the analysis passes its filesystem's, so a path is interned once for both). */
	constructor(private readonly paths = new PathTable()) {}

	private cumulative = new Float64Array(64);
	private min = new Float64Array(64);
	private count = new Int32Array(64);
	// Per layer, by id: the size an entry gives the path, a whiteout's weight, and stamps saying which layer set them.
	private size = new Float64Array(64);
	private weight = new Float64Array(64);
	private sizeStamp = new Int32Array(64);
	private whiteoutStamp = new Int32Array(64);
	private parentStamp = new Int32Array(64);
	private stamp = 0;
	private layerSizes: number[] = [];

	/** The tallies so far, on `paths`: a copy of the table this one counts in (a diff's other image, from their shared layers on). */
	clone(paths: PathTable): DiveTally {
		const copy = new DiveTally(paths);
		copy.cumulative = this.cumulative.slice();
		copy.min = this.min.slice();
		copy.count = this.count.slice();
		copy.size = this.size.slice();
		copy.weight = this.weight.slice();
		copy.sizeStamp = this.sizeStamp.slice();
		copy.whiteoutStamp = this.whiteoutStamp.slice();
		copy.parentStamp = this.parentStamp.slice();
		copy.stamp = this.stamp;
		copy.layerSizes = this.layerSizes.slice();
		return copy;
	}

	/** The tallies after the layers added so far (the per-layer scratch is not in it: a layer's stamps are above every earlier one). */
	exportState(): DiveState {
		return {cumulative: this.cumulative, min: this.min, count: this.count, stamp: this.stamp, layerSizes: this.layerSizes};
	}

	/** The tally as exportState left it, on `paths` (the table it counted in, made back), or null when the arrays cannot be one. */
	static fromState(state: DiveState, paths: PathTable): DiveTally | null {
		const arrays = [state.cumulative, state.min, state.count];
		if (!(state.cumulative instanceof Float64Array) || !(state.min instanceof Float64Array) || !(state.count instanceof Int32Array) || !arrays.every(array => array.length === state.count.length)) return null;
		// Stamps live in Int32Arrays: one near their end would wrap.
		if (!Number.isInteger(state.stamp) || state.stamp < 0 || state.stamp > 2 ** 30 || !Array.isArray(state.layerSizes) || !state.layerSizes.every(size => size === undefined || typeof size === 'number')) return null;
		const tally = new DiveTally(paths);
		[tally.cumulative, tally.min, tally.count] = [state.cumulative, state.min, state.count];
		// The per-layer scratch as long as the tallies: they grow together, when the table outgrows `count`.
		const length = state.count.length;
		[tally.size, tally.weight] = [new Float64Array(length), new Float64Array(length)];
		[tally.sizeStamp, tally.whiteoutStamp, tally.parentStamp] = [new Int32Array(length), new Int32Array(length), new Int32Array(length)];
		tally.stamp = state.stamp;
		tally.layerSizes = [...state.layerSizes];
		return tally;
	}

	add(layer: Layer, whiteoutWeights: number[]): void {
		this.layerSizes[layer.index] = layer.contentSize;
		const stamp = ++this.stamp;
		const entries = layer.entries;
		// A path repeated in the layer counts once, with its last entry's size.
		const sized: number[] = [];
		for (let i = 0; i < entries.length; i++) {
			const [bytes, start, end] = entries.pathRange(i);
			const id = this.internEntry(bytes, start, end);
			if (this.sizeStamp[id] !== stamp) {
				this.sizeStamp[id] = stamp;
				sized.push(id);
			}
			this.size[id] = entries.typeOf(i) === 'file' ? entries.sizeOf(i) : 0;
		}
		const whiteouts: number[] = [];
		const whiteout = (path: string, weight: number) => {
			const bytes = encoder.encode(path);
			const id = this.intern(bytes, 0, bytes.length);
			if (this.whiteoutStamp[id] !== stamp) {
				this.whiteoutStamp[id] = stamp;
				whiteouts.push(id);
			}
			this.weight[id] = weight;
		};
		layer.whiteouts.forEach((path, i) => whiteout(path, whiteoutWeights[i]!));
		// dive keeps the marker as a whiteout named ".opq" inside the directory.
		for (const dir of layer.opaqueDirs) whiteout(joinPath(dir, '.opq'), 0);

		// Every directory above a path of this layer's tree is not a leaf of it.
		for (const id of [...sized, ...whiteouts]) {
			for (let parent = id === 0 ? 0 : this.paths.parentOf(id); this.parentStamp[parent] !== stamp; parent = this.paths.parentOf(parent)) {
				this.parentStamp[parent] = stamp;
				if (parent === 0) break;
			}
		}
		for (const id of sized) if (id !== 0 && this.parentStamp[id] !== stamp) this.tally(id, this.size[id]!);
		// In dive's layer tree a whiteout and an entry of the same name are two nodes: both count.
		for (const id of whiteouts) this.tally(id, this.weight[id]!);
	}

	result(): DiveEfficiency {
		let minimum = 0;
		let cumulative = 0;
		const inefficientFiles: InefficientPath[] = [];
		// A shared table may hold paths this tally never saw (the filesystem's): only counted ones count.
		for (let id = 0; id < Math.min(this.paths.size, this.count.length); id++) {
			if (!(this.count[id]! > 0)) continue;
			minimum += this.min[id]!;
			cumulative += this.cumulative[id]!;
			if (this.count[id]! >= 2) inefficientFiles.push({path: this.paths.pathOf(id), count: this.count[id]!, cumulativeBytes: this.cumulative[id]!});
		}
		inefficientFiles.sort((a, b) => b.cumulativeBytes - a.cumulativeBytes || (a.path < b.path ? -1 : 1));
		const wastedBytes = inefficientFiles.reduce((sum, file) => sum + file.cumulativeBytes, 0);
		const sizeBytes = this.layerSizes.reduce((sum, size) => sum + (size ?? 0), 0);
		const userSizeBytes = sizeBytes - (this.layerSizes[0] ?? 0);
		return {
			score: cumulative === 0 ? 1 : minimum / cumulative,
			wastedBytes,
			userWastedPercent: userSizeBytes === 0 ? 0 : wastedBytes / userSizeBytes,
			sizeBytes,
			userSizeBytes,
			inefficientFiles,
		};
	}

	// The last entry's parent path and its id: entries come directory by directory, and a path table's ids never change.
	private lastParentBytes: Uint8Array | undefined;
	private lastParentStart = 0;
	private lastParentEnd = 0;
	private lastParent = 0;

	/** intern() for an entry's path, its parent's id remembered for the next entry. */
	private internEntry(bytes: Uint8Array, start: number, end: number): number {
		let slash = end - 1;
		while (slash > start && bytes[slash] !== 0x2f) slash--;
		// A parent with no name of its own ("/" or none) is interned as written, whole: internPath reads "//x" as "" then "x".
		if (slash - start < 2) return this.intern(bytes, start, end);
		let parent = -1;
		const last = this.lastParentBytes;
		if (last !== undefined && slash - start === this.lastParentEnd - this.lastParentStart) {
			parent = this.lastParent;
			for (let i = 0, from = this.lastParentStart; i < slash - start; i++) {
				if (bytes[start + i] !== last[from + i]) {
					parent = -1;
					break;
				}
			}
		}
		if (parent === -1) {
			parent = this.intern(bytes, start, slash);
			this.lastParentBytes = bytes;
			this.lastParentStart = start;
			this.lastParentEnd = slash;
			this.lastParent = parent;
		}
		const id = this.paths.intern(parent, bytes, slash + 1, end);
		if (this.paths.size > this.count.length) this.grow(this.paths.size);
		return id;
	}

	private intern(bytes: Uint8Array, start: number, end: number): number {
		const id = this.paths.internPath(bytes, start, end);
		if (this.paths.size > this.count.length) this.grow(this.paths.size);
		return id;
	}

	private tally(id: number, size: number): void {
		if (this.count[id]! > 0) {
			this.cumulative[id]! += size;
			this.min[id] = Math.min(this.min[id]!, size);
			this.count[id]!++;
		} else {
			this.cumulative[id] = size;
			this.min[id] = size;
			this.count[id] = 1;
		}
	}

	private grow(needed: number): void {
		const size = Math.max(needed, this.count.length * 2);
		const grow = <T extends Float64Array | Int32Array>(array: T): T => {
			const grown = new (array.constructor as new (length: number) => T)(size);
			grown.set(array);
			return grown;
		};
		this.cumulative = grow(this.cumulative);
		this.min = grow(this.min);
		this.count = grow(this.count);
		this.size = grow(this.size);
		this.weight = grow(this.weight);
		this.sizeStamp = grow(this.sizeStamp);
		this.whiteoutStamp = grow(this.whiteoutStamp);
		this.parentStamp = grow(this.parentStamp);
	}
}

const encoder = new TextEncoder();

/** Weighs one layer's whiteouts against the stack below it; call before the layer is applied. */
export function weighLayerWhiteouts(layer: Layer, below: FileSystem): number[] {
	return layer.whiteouts.map(path => deletedBytes(below, below.lookupId(path)));
}

/** What a whiteout deletes, by dive's measure: the file sizes under a real directory, else nothing. */
function deletedBytes(fs: FileSystem, id: number | undefined): number {
	if (id === undefined || fs.typeOf(id) !== 'dir' || fs.layerOf(id) === -1) return 0;
	let bytes = 0;
	// Iterative: a tree of any depth fits.
	const dirs = [id];
	for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
		for (const child of fs.childIds(dir)) {
			const type = fs.typeOf(child);
			if (type === 'file') bytes += fs.sizeOf(child);
			else if (type === 'dir') dirs.push(child);
		}
	}
	return bytes;
}
