import type {Finding} from '../analysis/findings/index.js';
import type {AlignedLayer} from '../compare/layer-alignment.js';
import type {Comparison, MetricName} from '../compare/comparison.js';
import type {ConfigChange} from '../compare/config-diff.js';
import type {DirectoryChange} from '../compare/directory-changes.js';
import type {DiffStatus} from '../compare/file-diff.js';
import type {PackageDiff} from '../compare/package-diff.js';
import {fileRecord} from './file-record.js';
import {imageIdentity, type ImageIdentity} from './json-report.js';

/** Bump on any change a consumer could notice; compare.schema.json describes this version. */
export const COMPARE_SCHEMA_VERSION = 1;


export interface CompareJsonReport {
	schemaVersion: number;
	tool: {name: 'layerscope'; version: string};
	a: ImageIdentity;
	b: ImageIdentity;
	/** Two layers of one image: the filesystem after layer `from` against the one after layer `to`. */
	range: {from: number; to: number} | null;
	layers: {shared: number; a: AlignedLayer[]; b: AlignedLayer[]};
	bytes: {a: number; b: number; delta: number};
	metrics: Partial<Record<MetricName, {before: number; after: number; delta: number}>>;
	/** Every differing path in tree order; before/after are exactly what `files --json` prints for the path. */
	files: Array<{path: string; status: DiffStatus; metadataOnly: boolean; before: Record<string, unknown> | null; after: Record<string, unknown> | null; movedFrom?: string; movedTo?: string}>;
	directories: DirectoryChange[];
	config: ConfigChange[];
	/** Added within version 1: the packages each final filesystem ships, matched (names and versions exactly as stored). */
	packages: PackageDiff;
	findings: {new: Finding[]; fixed: Finding[]};
}

export function compareJsonReport(comparison: Comparison, version: string): CompareJsonReport {
	const {files} = comparison;
	const rows: CompareJsonReport['files'] = [];
	for (let index = 0; index < files.length; index++) {
		const path = files.path(index);
		const before = files.before(index);
		const after = files.after(index);
		const row: CompareJsonReport['files'][number] = {path, status: files.status(index), metadataOnly: files.metadataOnly(index), before: before && fileRecord(path, before), after: after && fileRecord(path, after)};
		const other = files.movedWith(index);
		if (other !== undefined) row[files.status(index) === 'added' ? 'movedFrom' : 'movedTo'] = files.path(other);
		rows.push(row);
	}
	return {
		schemaVersion: COMPARE_SCHEMA_VERSION,
		tool: {name: 'layerscope', version},
		a: imageIdentity(comparison.a),
		b: imageIdentity(comparison.b),
		range: comparison.range,
		layers: comparison.layers,
		bytes: comparison.bytes,
		metrics: Object.fromEntries(comparison.metrics.map(({name, before, after, delta}) => [name, {before, after, delta}])),
		files: rows,
		directories: comparison.directories,
		config: comparison.config,
		packages: comparison.packages,
		findings: comparison.findings,
	};
}
