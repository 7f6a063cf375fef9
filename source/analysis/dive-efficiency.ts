import {joinPath, parentOf} from '../layer/tar-path.js';
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

interface PathTally {
	cumulative: number;
	min: number;
	count: number;
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

/**
 * dive's tallies, one layer at a time (in any order: each layer counts on its
 * own, once its whiteouts are weighed against the stack below it).
 */
export class DiveTally {
	private readonly tallies = new Map<string, PathTally>();
	private readonly layerSizes: number[] = [];

	add(layer: Layer, whiteoutWeights: number[]): void {
		this.layerSizes[layer.index] = layer.contentSize;
		const sizes = new Map<string, number>();
		const entries = layer.entries;
		for (let i = 0; i < entries.length; i++) sizes.set(entries.pathOf(i), entries.typeOf(i) === 'file' ? entries.sizeOf(i) : 0);
		const whiteouts = new Map<string, number>();
		layer.whiteouts.forEach((path, i) => whiteouts.set(path, whiteoutWeights[i]!));
		// dive keeps the marker as a whiteout named ".opq" inside the directory.
		for (const dir of layer.opaqueDirs) whiteouts.set(joinPath(dir, '.opq'), 0);

		const parents = new Set<string>();
		for (const path of [...sizes.keys(), ...whiteouts.keys()]) {
			for (let parent = parentOf(path); !parents.has(parent); parent = parentOf(parent)) {
				parents.add(parent);
				if (parent === '/') break;
			}
		}
		for (const [path, size] of sizes) if (path !== '/' && !parents.has(path)) this.tally(path, size);
		// In dive's layer tree a whiteout and an entry of the same name are two nodes: both count.
		for (const [path, size] of whiteouts) this.tally(path, size);
	}

	result(): DiveEfficiency {
		let minimum = 0;
		let cumulative = 0;
		const inefficientFiles: InefficientPath[] = [];
		for (const [path, {cumulative: bytes, min, count}] of this.tallies) {
			minimum += min;
			cumulative += bytes;
			if (count >= 2) inefficientFiles.push({path, count, cumulativeBytes: bytes});
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

	private tally(path: string, size: number): void {
		const seen = this.tallies.get(path);
		if (seen) {
			seen.cumulative += size;
			seen.min = Math.min(seen.min, size);
			seen.count++;
		} else {
			this.tallies.set(path, {cumulative: size, min: size, count: 1});
		}
	}
}

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
