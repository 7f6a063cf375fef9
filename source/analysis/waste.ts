import type {Image} from '../model.js';
import type {FsNode} from '../tree/filesystem.js';
import {FinalFiles} from './final-files.js';
import type {DeadContent, LayerHistory, WasteCause} from './layer-history.js';

export interface LayerWaste {
	layer: number;
	/** Bytes this layer stored that the final filesystem no longer shows. */
	storedDeadBytes: number;
	/** Bytes of this or earlier layers that this layer made invisible. */
	killedBytes: number;
	/** The layers that kill what this one stores, ascending. */
	killedBy: number[];
	/** What this layer kills, by cause, with the layers that stored it (ascending); causes with no bytes left out. */
	kills: Array<{cause: WasteCause; bytes: number; storedIn: number[]}>;
}

/** Identical content kept at several paths of the final filesystem (hard links excepted: they cost nothing). */
export interface CopyGroup {
	digest: string;
	size: number;
	paths: string[];
	/** What all copies but one cost. */
	extraBytes: number;
}

export interface WasteReport {
	/** Σ layer content bytes − final filesystem content bytes: what a perfect rebuild would not ship. */
	reclaimableBytes: number;
	storedBytes: number;
	finalBytes: number;
	byCause: Record<WasteCause, number>;
	byLayer: LayerWaste[];
	/** Every dead file, largest first. */
	files: DeadContent[];
	copies: CopyGroup[];
}

/** `finalFiles`: the final filesystem walked once, when the caller has it already. */
export function wasteReport(image: Image, history: LayerHistory, finalFiles: Iterable<[string, FsNode]> = new FinalFiles(history.final)): WasteReport {
	const byCause: Record<WasteCause, number> = {removed: 0, overwritten: 0, duplicate: 0, replaced: 0};
	const byLayer: LayerWaste[] = image.layers.map(layer => ({layer: layer.index, storedDeadBytes: 0, killedBytes: 0, killedBy: [], kills: []}));
	const killers = image.layers.map(() => new Set<number>());
	const kills = image.layers.map(() => new Map<WasteCause, {bytes: number; storedIn: Set<number>}>());
	for (const death of history.deaths) {
		byCause[death.cause] += death.size;
		byLayer[death.storedIn]!.storedDeadBytes += death.size;
		byLayer[death.killedBy]!.killedBytes += death.size;
		killers[death.storedIn]!.add(death.killedBy);
		const kill = kills[death.killedBy]!.get(death.cause) ?? {bytes: 0, storedIn: new Set<number>()};
		kill.bytes += death.size;
		kill.storedIn.add(death.storedIn);
		kills[death.killedBy]!.set(death.cause, kill);
	}
	const ascending = (set: Set<number>) => [...set].sort((a, b) => a - b);
	for (const layer of byLayer) {
		layer.killedBy = ascending(killers[layer.layer]!);
		layer.kills = [...kills[layer.layer]!].filter(([, kill]) => kill.bytes > 0).map(([cause, kill]) => ({cause, bytes: kill.bytes, storedIn: ascending(kill.storedIn)}));
	}
	const files = [...history.deaths].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
	return {
		reclaimableBytes: history.storedBytes - history.liveBytes,
		storedBytes: history.storedBytes,
		finalBytes: history.liveBytes,
		byCause,
		byLayer,
		files,
		copies: findCopies(finalFiles),
	};
}

/**
 * Two passes, so that only contents that may have copies cost a string: the
 * first counts stored files per 32 bits of digest, the second groups the few
 * that share them by their full digest.
 */
function findCopies(finalFiles: Iterable<[string, FsNode]>): CopyGroup[] {
	if (finalFiles instanceof FinalFiles) return findCopiesCompact(finalFiles);
	return groupCopies(finalFiles);
}

function findCopiesCompact(finalFiles: FinalFiles): CopyGroup[] {
	const fs = finalFiles.fs;
	const ids = finalFiles.ids;
	// Per walk position: the stored file it shows (its content ref), -1 for none, an empty one or one without a digest.
	const contents = new Int32Array(ids.length).fill(-1);
	// Each stored file's key once, sorted: keys that repeat are the ones worth comparing whole digests.
	const seen = new Uint8Array(fs.refCount);
	const keys = new Uint32Array(ids.length);
	let stored = 0;
	for (let at = 0; at < ids.length; at++) {
		const content = fs.contentOfState(ids[at]!, fs.attrOf(ids[at]!));
		if (content < 0 || fs.sizeOfState(content) === 0 || !fs.tableOf(content).hasDigest(fs.indexOf(content))) continue;
		contents[at] = content;
		if (seen[content]) continue;
		seen[content] = 1;
		keys[stored++] = fs.tableOf(content).digestKey(fs.indexOf(content));
	}
	const sorted = keys.subarray(0, stored).sort();
	const shared = new Set<number>();
	for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) shared.add(sorted[i]!);
	// Per key, the digests under it (one, but for a 32-bit collision), compared as bytes: a digest's text is made once per group, not per file.
	// Per digest, per stored file, the path id that shows it: the first in walk order, or the file's own name over a hard link's.
	const byKey = new Map<number, Array<Map<number, number>>>();
	for (let at = 0; at < ids.length; at++) {
		const content = contents[at]!;
		if (content < 0) continue;
		const key = fs.tableOf(content).digestKey(fs.indexOf(content));
		if (!shared.has(key)) continue;
		let digests = byKey.get(key);
		if (!digests) byKey.set(key, (digests = []));
		let holders = digests.find(group => fs.sameDigest(group.keys().next().value!, content));
		if (!holders) digests.push((holders = new Map()));
		const id = ids[at]!;
		if (!holders.has(content) || fs.ownOf(id) === content) holders.set(content, id);
	}
	const groups: CopyGroup[] = [];
	for (const digests of byKey.values()) {
		for (const holders of digests) {
			if (holders.size < 2) continue;
			const first = holders.keys().next().value!;
			const size = fs.sizeOfState(first);
			groups.push({digest: fs.digestOfState(first)!, size, paths: [...holders.values()].map(id => fs.pathOf(id)).sort(), extraBytes: size * (holders.size - 1)});
		}
	}
	return sortGroups(groups);
}

function groupCopies(finalFiles: Iterable<[string, FsNode]>): CopyGroup[] {
	// Per digest: per stored file (its content ref), the path that shows it.
	const byDigest = new Map<string, Map<number, {path: string; size: number}>>();
	for (const [path, node] of finalFiles) {
		if (node.content === undefined || !node.digest || node.size === 0) continue;
		let holders = byDigest.get(node.digest);
		if (!holders) byDigest.set(node.digest, (holders = new Map()));
		// One path per stored file, its own name rather than a hard link's: further links are free.
		if (!holders.has(node.content) || node.ref === node.content) holders.set(node.content, {path, size: node.size});
	}
	const groups: CopyGroup[] = [];
	for (const [digest, holders] of byDigest) {
		if (holders.size < 2) continue;
		const size = [...holders.values()][0]!.size;
		groups.push({digest, size, paths: [...holders.values()].map(holder => holder.path).sort(), extraBytes: size * (holders.size - 1)});
	}
	return sortGroups(groups);
}

function sortGroups(groups: CopyGroup[]): CopyGroup[] {
	return groups.sort((a, b) => b.extraBytes - a.extraBytes || (a.digest < b.digest ? -1 : 1));
}
