import {createHash} from 'node:crypto';
import {deserialize, serialize} from 'node:v8';
import type {Analysis, AnalysisFacts} from '../analysis/analyse.js';
import {nameFindings, sortFindings} from '../analysis/findings/name-findings.js';
import type {DiveEfficiency, InefficientPath} from '../analysis/dive-efficiency.js';
import type {DeadContent} from '../analysis/layer-history.js';
import type {WasteReport} from '../analysis/waste.js';
import type {KnownLayer} from '../image/load.js';
import {columnReader, lazily, toColumns, type ColumnSchema, type Columns} from './fact-columns.js';
import type {ImageFacts} from '../model.js';
import {codeIdentity} from './code-identity.js';

/**
 * What an analysis derived, kept so that a run whose layers are all known
 * pays neither the stacking nor the passes over the final tree. The facts
 * the reports read are a function of the config (its diff_ids name every
 * layer's bytes, which a verified run checks; its history and user are what
 * the findings quote) and of the code that derived them: the key is a
 * digest of both. What names the image (its tags, its digest, where it was
 * read from) is not in the key: each run takes it from its own input, and
 * makes again the findings that read it.
 */
export interface StoredFacts extends Pick<AnalysisFacts, 'efficiency' | 'waste' | 'packages' | 'contentFindings' | 'layerChanges'> {
	/**
	 * What the run that made the facts knew of each layer and the blob it
	 * read it from (null when a blob had no digest to know it by): a later
	 * run of the same blobs then reads no layer at all (load.ts, knownLayers).
	 */
	layers: KnownLayer[] | null;
}

/** On disk, the two long lists are columns (fact-columns.ts). */
interface StoredForm extends Omit<StoredFacts, 'waste' | 'efficiency'> {
	waste: Omit<WasteReport, 'files'> & {files: Columns};
	efficiency: Omit<DiveEfficiency, 'inefficientFiles'> & {inefficientFiles: Columns};
}

export const DEAD_CONTENT: ColumnSchema<DeadContent> = {path: 'string', size: 'number', digest: 'optional string', storedIn: 'number', killedBy: 'number', cause: 'string'};
const INEFFICIENT_PATH: ColumnSchema<InefficientPath> = {path: 'string', count: 'number', cumulativeBytes: 'number'};

/** The cache key of an analysis: "sha256:<hex>" of the code and the config. */
export function analysisKey(config: Record<string, unknown>): string {
	return `sha256:${createHash('sha256').update(codeIdentity()).update('\0').update(JSON.stringify(config)).digest('hex')}`;
}

/** The facts as stored: v8's serialisation keeps every number as it is (NaN, -0) and every absent field absent. */
export function encodeFacts(analysis: Analysis): Buffer {
	const {owners: _owners, deathOwners: _deathOwners, ...packages} = analysis.packages;
	const known = analysis.image.layers.map(layer =>
		layer.digest === null
			? null
			: {diffId: layer.diffId, blobDigest: layer.digest, compression: layer.compression, compressedSize: layer.compressedSize, size: layer.size, contentSize: layer.contentSize, entryCount: layer.entries.length + layer.whiteouts.length + layer.opaqueDirs.length},
	);
	const layers = known.every(layer => layer !== null) ? (known as KnownLayer[]) : null;
	const stored: StoredForm = {
		efficiency: {...analysis.efficiency, inefficientFiles: toColumns(analysis.efficiency.inefficientFiles, INEFFICIENT_PATH)},
		waste: {...analysis.waste, files: toColumns(analysis.waste.files, DEAD_CONTENT)},
		packages,
		contentFindings: analysis.contentFindings,
		layerChanges: analysis.layerChanges,
		layers,
	};
	return serialize(stored);
}

/** The stored facts, or null when they are not whole facts of one image (they are then made anew). */
export function readStoredFacts(payload: Uint8Array): StoredFacts | null {
	let form: StoredForm;
	try {
		form = deserialize(payload) as StoredForm;
	} catch {
		return null;
	}
	const isObject = (value: unknown) => typeof value === 'object' && value !== null;
	if (!isObject(form) || !isObject(form.efficiency) || !isObject(form.waste) || !isObject(form.packages)) return null;
	// Checked now, made when read: the reports read them, a diff does not.
	const files = columnReader(form.waste.files, DEAD_CONTENT);
	const inefficientFiles = columnReader(form.efficiency.inefficientFiles, INEFFICIENT_PATH);
	if (!files || !inefficientFiles) return null;
	const {files: _files, ...waste} = form.waste;
	const {inefficientFiles: _inefficient, ...efficiency} = form.efficiency;
	const stored: StoredFacts = {...form, waste: lazily<WasteReport, 'files'>(waste, 'files', files), efficiency: lazily<DiveEfficiency, 'inefficientFiles'>(efficiency, 'inefficientFiles', inefficientFiles)};
	if (!Array.isArray(stored.contentFindings) || !Array.isArray(stored.layerChanges) || !Array.isArray(stored.waste.byLayer) || !Array.isArray(stored.packages.packages)) return null;
	const layers = stored.layerChanges.length;
	if (stored.waste.byLayer.length !== layers || (stored.layers !== null && (!Array.isArray(stored.layers) || stored.layers.length !== layers))) return null;
	return stored;
}

/** Stored facts as this image's analysis, or null when they cannot be this image's. */
export function factsFor(stored: StoredFacts, image: ImageFacts): AnalysisFacts | null {
	if (stored.layerChanges.length !== image.layers.length) return null;
	const {layers: _layers, ...facts} = stored;
	return {...facts, image, findings: sortFindings([...stored.contentFindings, ...nameFindings(image)])};
}
