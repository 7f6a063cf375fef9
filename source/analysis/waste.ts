import type {Image} from '../model.js';
import type {FileSystem, FsNode} from '../tree/filesystem.js';
import {FinalFiles} from './final-files.js';
import {copyKey, copyKeysOf, halvesOf, HIGH, LOW, lowerBound, mergeKeys, storedContent} from './copy-keys.js';
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
	return withCopies(image, history, findCopies(finalFiles));
}

/** wasteReport, with the copy keys of its final walk (copyKeysOf), which a kept state holds for extendWaste. */
export function wasteKept(image: Pick<Image, 'layers'>, history: LayerHistory, finalFiles: FinalFiles): {report: WasteReport; copyKeys: BigUint64Array} {
	const copyKeys = copyKeysOf(finalFiles);
	return {report: withCopies(image, history, copiesIn(finalFiles.fs, copyKeys)), copyKeys};
}

function withCopies(image: Pick<Image, 'layers'>, history: LayerHistory, copies: CopyGroup[]): WasteReport {
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
		copies,
	};
}

/** What a kept builder state holds of the waste after its layers: the report but its dead files, which are the state's own deaths in this order. */
export interface KeptWaste {
	byCause: Record<WasteCause, number>;
	byLayer: LayerWaste[];
	copies: CopyGroup[];
	/** `files` as indexes into the stacking's deaths. */
	fileOrder: Int32Array;
	/** The final walk's copy keys (copyKeysOf). */
	copyKeys: BigUint64Array;
}

export function keepWaste(report: WasteReport, history: LayerHistory, copyKeys: BigUint64Array): KeptWaste {
	const index = new Map(history.deaths.map((death, at) => [death, at]));
	return {byCause: report.byCause, byLayer: report.byLayer, copies: report.copies, fileOrder: Int32Array.from(report.files, death => index.get(death)!), copyKeys};
}

/**
 * The waste of an image that is the kept one's layers and more on top, when those layers killed nothing
 * and only added (onlyAdds): the dead files and every layer's kills are the kept ones, and copies change
 * only for the digests the new files hold, whose 32-bit keys are looked up in the kept copy keys (the
 * strings of every other group are kept). Else null, and the report is made in full. Exactly wasteReport's
 * report in the first case (test/analysis/extend-waste.test.ts), with the copy keys of the new walk.
 */
export function extendWaste(kept: KeptWaste, image: Image, history: LayerHistory, from: number): {report: WasteReport; copyKeys: BigUint64Array} | null {
	const fs = history.final;
	const deaths = history.deaths;
	if (kept.fileOrder.length !== deaths.length || kept.byLayer.length !== from) return null;
	// The stored files the new paths show, as copy keys (a new file shows its own bytes: a new hard link is no mere add here).
	const added: bigint[] = [];
	const adds = onlyAdds(image, history, from, (id, type) => {
		if (type === 'dir' || type === 'symlink') return true;
		if (type !== 'file') return false;
		const content = storedContent(fs, id);
		// Every new file is walked: a path through a symlink is placed where the link leads, so none lies below one.
		if (content >= 0) added.push(copyKey(fs.tableOf(content).digestKey(fs.indexOf(content)), id));
		return true;
	});
	if (!adds) return null;
	const files = Array.from(kept.fileOrder, at => deaths[at]!);
	const byLayer = [...kept.byLayer, ...image.layers.slice(from).map(layer => ({layer: layer.index, storedDeadBytes: 0, killedBytes: 0, killedBy: [], kills: []}))];
	const copyKeys = mergeKeys(kept.copyKeys, BigUint64Array.from(added).sort());
	let copies = kept.copies;
	if (added.length > 0) {
		// Every group of a key a new file holds is made again, as the full pass makes it; the others are the kept ones.
		const keys = [...new Set(added.map(pair => Number(pair >> 32n)))];
		const regrouped: CopyGroup[] = [];
		for (const key of keys) {
			const groups = groupRun(fs, copyKeys, key);
			if (!groups) return null;
			regrouped.push(...groups);
		}
		// A kept group of such a digest still has its holders (nothing was removed), so it is among these.
		const again = new Set(regrouped.map(group => group.digest));
		copies = sortGroups([...kept.copies.filter(group => !again.has(group.digest)), ...regrouped]);
	}
	const report = {reclaimableBytes: history.storedBytes - history.liveBytes, storedBytes: history.storedBytes, finalBytes: history.liveBytes, byCause: kept.byCause, byLayer, files, copies};
	return {report, copyKeys};
}

/** The copy groups of every run of one key in copy keys that fit `fs` (the full pass's own). */
function copiesIn(fs: FileSystem, copyKeys: BigUint64Array): CopyGroup[] {
	const halves = halvesOf(copyKeys);
	const groups: CopyGroup[] = [];
	for (let start = 0; start < copyKeys.length; ) {
		let end = start + 1;
		while (end < copyKeys.length && halves[2 * end + HIGH] === halves[2 * start + HIGH]) end++;
		if (end - start > 1) groups.push(...groupShown(fs, halves, start, end));
		start = end;
	}
	return sortGroups(groups);
}

/** The copy groups of one key's run in copy keys, or null when the run names a path that does not show a stored file of that key (kept keys that are not this stacking’s). */
function groupRun(fs: FileSystem, copyKeys: BigUint64Array, key: number): CopyGroup[] | null {
	const halves = halvesOf(copyKeys);
	const start = lowerBound(copyKeys, copyKey(key, 0));
	let end = start;
	for (; end < copyKeys.length && halves[2 * end + HIGH] === key; end++) {
		const id = halves[2 * end + LOW]!;
		const content = id > 0 && id < fs.paths.size ? storedContent(fs, id) : -1;
		if (content < 0 || fs.tableOf(content).digestKey(fs.indexOf(content)) !== key) return null;
	}
	return groupShown(fs, halves, start, end);
}

/** The copy groups (two stored files or more) of positions [start, end) of copy keys, one key's: by the digests' bytes, a digest's text made once per group. Unsorted. */
function groupShown(fs: FileSystem, halves: Uint32Array, start: number, end: number): CopyGroup[] {
	// Per digest, the stored files and the paths that show them.
	const digests: Array<{contents: number[]; ids: number[]}> = [];
	for (let at = start; at < end; at++) {
		const id = halves[2 * at + LOW]!;
		const content = storedContent(fs, id);
		let holders = digests.find(group => fs.sameDigest(group.contents[0]!, content));
		if (!holders) digests.push((holders = {contents: [], ids: []}));
		holders.contents.push(content);
		holders.ids.push(id);
	}
	const groups: CopyGroup[] = [];
	for (const {contents, ids} of digests) {
		if (contents.length < 2) continue;
		const paths = ids.map(id => fs.pathOf(id));
		// The size is the first path's, in name order (one digest is one size but in made-up images).
		let first = 0;
		for (let i = 1; i < paths.length; i++) if (paths[i]! < paths[first]!) first = i;
		const size = fs.sizeOfState(contents[first]!);
		groups.push({digest: fs.digestOfState(contents[first]!)!, size, paths: paths.sort(), extraBytes: size * (contents.length - 1)});
	}
	return groups;
}

function findCopies(finalFiles: Iterable<[string, FsNode]>): CopyGroup[] {
	if (finalFiles instanceof FinalFiles) return copiesIn(finalFiles.fs, copyKeysOf(finalFiles));
	return groupCopies(finalFiles);
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
		// The first path's size, in name order, as over the compact walk.
		const [{size}] = [...holders.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
		groups.push({digest, size, paths: [...holders.values()].map(holder => holder.path).sort(), extraBytes: size * (holders.size - 1)});
	}
	return sortGroups(groups);
}

function sortGroups(groups: CopyGroup[]): CopyGroup[] {
	return groups.sort((a, b) => b.extraBytes - a.extraBytes || (a.digest < b.digest ? -1 : 1));
}
