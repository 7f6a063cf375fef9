import type {Image} from '../model.js';
import type {FileSystem, FsNode} from '../tree/filesystem.js';
import {FinalFiles} from './final-files.js';
import {onlyAdds, type DeadContent, type LayerHistory, type WasteCause} from './layer-history.js';

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
export function wasteReport(image: Pick<Image, 'layers'>, history: LayerHistory, finalFiles: Iterable<[string, FsNode]> = new FinalFiles(history.final)): WasteReport {
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

/** What a kept builder state holds of the waste after its layers: the report but its dead files, which are the state's own deaths in this order. */
export interface KeptWaste {
	byCause: Record<WasteCause, number>;
	byLayer: LayerWaste[];
	copies: CopyGroup[];
	/** `files` as indexes into the stacking's deaths. */
	fileOrder: Int32Array;
}

export function keepWaste(report: WasteReport, history: LayerHistory): KeptWaste {
	const index = new Map(history.deaths.map((death, at) => [death, at]));
	return {byCause: report.byCause, byLayer: report.byLayer, copies: report.copies, fileOrder: Int32Array.from(report.files, death => index.get(death)!)};
}

/**
 * The waste of an image that is the kept one's layers and more on top, when those layers killed nothing
 * and only added (onlyAdds): the dead files and every layer's kills are the kept ones, and copies change
 * only for the digests the new files hold, which one pass over the final filesystem groups again (the
 * strings of every other group are kept). Else null, and the report is made in full. Exactly wasteReport's
 * report in the first case (test/analysis/extend-waste.test.ts).
 */
export function extendWaste(kept: KeptWaste, image: Image, history: LayerHistory, finalFiles: FinalFiles, from: number): WasteReport | null {
	const fs = history.final;
	const deaths = history.deaths;
	if (kept.fileOrder.length !== deaths.length || kept.byLayer.length !== from) return null;
	// The digests the new files (and hard links) hold, by their 32-bit keys.
	const keys = new Set<number>();
	const adds = onlyAdds(image, history, from, (id, type) => {
		if (type === 'dir' || type === 'symlink') return true;
		if (type !== 'file') return false;
		const content = storedContent(fs, id);
		if (content >= 0) keys.add(fs.tableOf(content).digestKey(fs.indexOf(content)));
		return true;
	});
	if (!adds) return null;
	const files = Array.from(kept.fileOrder, at => deaths[at]!);
	const byLayer = [...kept.byLayer, ...image.layers.slice(from).map(layer => ({layer: layer.index, storedDeadBytes: 0, killedBytes: 0, killedBy: [], kills: []}))];
	let copies = kept.copies;
	if (keys.size > 0) {
		// Every group of a digest a new file holds is made again from the walk, as findCopiesCompact makes it; the others are the kept ones.
		const regrouped = groupByDigest(fs, finalFiles.ids, content => keys.has(fs.tableOf(content).digestKey(fs.indexOf(content))));
		// A kept group of such a digest still has its holders (nothing was removed), so it is among these.
		const again = new Set(regrouped.map(group => group.digest));
		copies = sortGroups([...kept.copies.filter(group => !again.has(group.digest)), ...regrouped]);
	}
	return {reclaimableBytes: history.storedBytes - history.liveBytes, storedBytes: history.storedBytes, finalBytes: history.liveBytes, byCause: kept.byCause, byLayer, files, copies};
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
	// Each stored file's key once, sorted: keys that repeat are the ones worth comparing whole digests.
	const seen = new Uint8Array(fs.refCount);
	const keys = new Uint32Array(ids.length);
	let stored = 0;
	for (let at = 0; at < ids.length; at++) {
		const content = storedContent(fs, ids[at]!);
		if (content < 0 || seen[content]) continue;
		seen[content] = 1;
		keys[stored++] = fs.tableOf(content).digestKey(fs.indexOf(content));
	}
	const sorted = keys.subarray(0, stored).sort();
	const shared = new Set<number>();
	for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) shared.add(sorted[i]!);
	return sortGroups(groupByDigest(fs, ids, content => shared.has(fs.tableOf(content).digestKey(fs.indexOf(content)))));
}

/** The stored file a path shows (its content ref), or -1 for none, an empty one or one without a digest: what copies are made of. */
function storedContent(fs: FileSystem, id: number): number {
	const content = fs.contentOfState(id, fs.attrOf(id));
	if (content < 0 || fs.sizeOfState(content) === 0 || !fs.tableOf(content).hasDigest(fs.indexOf(content))) return -1;
	return content;
}

/**
 * The copy groups (two stored files or more) of the digests of the stored files `wanted` takes, from
 * the walk `ids`: per digest (told apart by their bytes, under each 32-bit key), per stored file, the path
 * that shows it, the first in walk order or the file's own name over a hard link's; a digest's text made
 * once per group, not per file. Unsorted.
 */
function groupByDigest(fs: FileSystem, ids: Int32Array, wanted: (content: number) => boolean): CopyGroup[] {
	const byKey = new Map<number, Array<Map<number, number>>>();
	for (let at = 0; at < ids.length; at++) {
		const id = ids[at]!;
		const content = storedContent(fs, id);
		if (content < 0 || !wanted(content)) continue;
		const key = fs.tableOf(content).digestKey(fs.indexOf(content));
		let digests = byKey.get(key);
		if (!digests) byKey.set(key, (digests = []));
		let holders = digests.find(group => fs.sameDigest(group.keys().next().value!, content));
		if (!holders) digests.push((holders = new Map()));
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
	return groups;
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
