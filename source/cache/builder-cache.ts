import {createHash} from 'node:crypto';
import type {BuilderState} from '../analysis/analyse.js';
import type {HistoryState} from '../analysis/layer-history.js';
import {DEAD_CONTENT} from './analysis-cache.js';
import {codeIdentity} from './code-identity.js';
import {isRecord} from '../image/json-documents.js';
import {columnReader, toColumns, type Columns} from './fact-columns.js';
import {deserializeParts, serializeParts} from './out-of-line.js';
import type {LayerCache} from './layer-cache.js';
import type {KeptPackages, PackageRecord} from '../packages/attribute.js';
import {ascending} from '../analysis/copy-keys.js';
import type {CopyGroup, KeptWaste, LayerWaste} from '../analysis/waste.js';
import type {WasteCause} from '../analysis/layer-history.js';
import {ECOSYSTEMS, type Ecosystem} from '../packages/listed-package.js';

/**
 * Analysis builders kept by ChainID: what the stacking knew after a run of
 * bottom layers (their history, dive's tallies), so that the next build of
 * an image, the same layers and one more on top, stacks only the new one.
 * Like a kept stack (stack-cache.ts), a state is a function of its layers'
 * changesets, which the ChainID names, and of the code: the key digests
 * both. It is taken up only over the very layers this run read, and only
 * when it fits them (AnalysisBuilder.resuming); else they are stacked.
 */

/** The cache key of the builder state after these layers: "sha256:<hex>" of the code and their ChainID. */
export function builderKey(chain: string): string {
	return `sha256:${createHash('sha256').update(codeIdentity()).update('\0builder\0').update(chain).digest('hex')}`;
}

/** On disk, the deaths (tens of thousands on a large image) are columns, as in a stored analysis; the ChainID says whose state it is. */
interface StoredState extends Omit<BuilderState, 'history'> {
	chain: string;
	history: Omit<HistoryState, 'deaths'> & {deaths: Columns};
}

/**
 * The state after the layers `chain` names (their ChainID), as parts to be
 * written one after the other: its typed arrays are not copied (out-of-line.ts),
 * so the state must not change until they are written.
 */
export function encodeBuilder(state: BuilderState, chain: string): Uint8Array[] {
	const stored: StoredState = {...state, chain, history: {...state.history, deaths: toColumns(state.history.deaths, DEAD_CONTENT)}};
	return serializeParts(stored);
}

/**
 * The kept state of the layers `chain` names, or null when it is not whole
 * or is another run of layers' (an entry under the wrong key). Its fit to
 * the layers themselves is checked when it is taken up.
 */
export function decodeBuilder(payload: Uint8Array, chain: string): BuilderState | null {
	const stored = deserializeParts(payload) as StoredState | null;
	if (!isRecord(stored) || stored.chain !== chain || !isRecord(stored.history) || !isRecord(stored.dive) || !isRecord(stored.history.fs)) return null;
	const deaths = columnReader(stored.history.deaths, DEAD_CONTENT);
	if (!deaths) return null;
	const {chain: _chain, packages, waste, ...state} = stored;
	// Made as the stacking makes them (one literal's shape): the passes that read them then see one kind of object, not two.
	const made = deaths().map(({path, size, digest, storedIn, killedBy, cause}) => ({path, size, digest, storedIn, killedBy, cause}));
	const decoded: BuilderState = {...state, history: {...state.history, deaths: made}};
	// Packages that do not hold together are left out (the next build attributes them in full); the stacking is still good.
	const kept = packages === undefined ? undefined : readKeptPackages(packages);
	if (kept) decoded.packages = kept;
	const keptWaste = waste === undefined ? undefined : readKeptWaste(waste, made.length);
	if (keptWaste) decoded.waste = keptWaste;
	return decoded;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown): value is string => typeof value === 'string';
const CAUSES: readonly WasteCause[] = ['removed', 'overwritten', 'duplicate', 'replaced'];
const isCounts = (value: unknown): value is number[] => Array.isArray(value) && value.every(isCount);

/** A kept waste report as extendWaste reads it, or undefined: every field its type, its dead files each of the `deaths` once. */
function readKeptWaste(value: unknown, deaths: number): KeptWaste | undefined {
	if (!isRecord(value) || !isRecord(value.byCause) || !Array.isArray(value.byLayer) || !Array.isArray(value.copies) || !(value.fileOrder instanceof Int32Array) || !(value.copyKeys instanceof BigUint64Array)) return undefined;
	const byCause = value.byCause;
	if (!CAUSES.every(cause => isCount(byCause[cause])) || Object.keys(byCause).length !== CAUSES.length) return undefined;
	const byLayer: LayerWaste[] = [];
	for (const item of value.byLayer) {
		if (!isRecord(item) || !isCount(item.layer) || !isCount(item.storedDeadBytes) || !isCount(item.killedBytes) || !isCounts(item.killedBy) || !Array.isArray(item.kills)) return undefined;
		const kills: LayerWaste['kills'] = [];
		for (const kill of item.kills) {
			if (!isRecord(kill) || !CAUSES.includes(kill.cause as WasteCause) || !isCount(kill.bytes) || !isCounts(kill.storedIn)) return undefined;
			kills.push({cause: kill.cause as WasteCause, bytes: kill.bytes, storedIn: kill.storedIn});
		}
		byLayer.push({layer: item.layer, storedDeadBytes: item.storedDeadBytes, killedBytes: item.killedBytes, killedBy: item.killedBy, kills});
	}
	const copies: CopyGroup[] = [];
	for (const group of value.copies) {
		if (!isRecord(group) || !isText(group.digest) || !isCount(group.size) || !Array.isArray(group.paths) || !group.paths.every(isText) || !isCount(group.extraBytes)) return undefined;
		copies.push({digest: group.digest, size: group.size, paths: group.paths, extraBytes: group.extraBytes});
	}
	// Every death once: the dead files are the deaths, in their order.
	const order = value.fileOrder;
	if (order.length !== deaths) return undefined;
	const seen = new Uint8Array(deaths);
	for (let i = 0; i < order.length; i++) {
		if (order[i]! < 0 || order[i]! >= deaths || seen[order[i]!]) return undefined;
		seen[order[i]!] = 1;
	}
	// A next build looks its new files' keys up in them (what they name is checked as it is read).
	const copyKeys = value.copyKeys;
	if (!ascending(copyKeys)) return undefined;
	return {byCause: byCause as Record<WasteCause, number>, byLayer, copies, fileOrder: order, copyKeys};
}

/** A kept package report as extendPackages and the findings read it, or undefined: every field its type, every owner a package. */
function readKeptPackages(value: unknown): KeptPackages | undefined {
	if (!isRecord(value) || !isRecord(value.report) || !Array.isArray(value.missingNames) || !value.missingNames.every(isText) || !(value.roots instanceof Int32Array)) return undefined;
	const {packages, unownedBytes, unownedByLayer, notes, owners, deathOwners} = value.report;
	if (!Array.isArray(packages) || !isCount(unownedBytes) || !Array.isArray(unownedByLayer) || !unownedByLayer.every(isCount) || !Array.isArray(notes) || !notes.every(isText)) return undefined;
	if (!(owners instanceof Int32Array) || !(deathOwners instanceof Int32Array)) return undefined;
	for (const list of [owners, deathOwners]) for (let i = 0; i < list.length; i++) if (list[i]! < 0 || list[i]! > packages.length) return undefined;
	const records: PackageRecord[] = [];
	for (const item of packages) {
		if (!isRecord(item) || !(ECOSYSTEMS as readonly unknown[]).includes(item.ecosystem) || !isText(item.name) || !isText(item.version)) return undefined;
		const {bytes, files, layer, deadBytes, missingFiles, removedIn, architecture, upgradedTo} = item;
		if (![bytes, files, layer, deadBytes, missingFiles].every(isCount) || !(removedIn === undefined || isCount(removedIn))) return undefined;
		if (!(architecture === undefined || isText(architecture)) || !(upgradedTo === undefined || isText(upgradedTo))) return undefined;
		const record: PackageRecord = {ecosystem: item.ecosystem as Ecosystem, name: item.name, version: item.version, bytes: bytes as number, files: files as number, layer: layer as number, deadBytes: deadBytes as number, missingFiles: missingFiles as number};
		if (architecture !== undefined) record.architecture = architecture;
		if (removedIn !== undefined) record.removedIn = removedIn;
		if (upgradedTo !== undefined) record.upgradedTo = upgradedTo;
		records.push(record);
	}
	return {report: {packages: records, unownedBytes, unownedByLayer, notes, owners, deathOwners}, missingNames: value.missingNames, roots: value.roots};
}

export interface KeptBuilder {
	/** How many bottom layers it stands for. */
	layers: number;
	state: BuilderState;
}

/**
 * The longest run of this image's bottom layers whose builder state the
 * cache keeps, or null; `chains` are their ChainIDs (stack-cache.ts'
 * chainIds). The whole image is asked first, then one layer fewer, and so
 * on: an image is often the one before it with more layers on top. Each
 * miss costs one failed open.
 */
export async function keptBuilder(cache: LayerCache, chains: readonly string[]): Promise<KeptBuilder | null> {
	// The first that decodes is taken; if it is then dropped (it does not fit the layers), every layer is stacked, and it is written anew.
	for (let layers = chains.length; layers > 0; layers--) {
		const chain = chains[layers - 1]!;
		const payload = await cache.getBuilder(builderKey(chain));
		const state = payload && decodeBuilder(payload, chain);
		if (state) return {layers, state};
	}
	return null;
}
