import {serialize, deserialize} from 'node:v8';
import {EntryTable, wellFormedParts, type EntryTableParts} from '../entry-table.js';
import type {LayerReadResult} from '../layer/read-layer.js';
import {wellFormedPackageFiles} from '../layer/package-capture.js';

/**
 * The one place that knows how a layer's read result is laid out on disk:
 * the structured-clone format of the result, with its entry table as the
 * plain typed arrays it is made of (the same parts a worker hands over), so
 * an entry costs the table's bytes on disk too. Bump CACHE_FORMAT_VERSION
 * whenever what readLayer produces changes meaning (a new field, a field
 * computed differently): entries of other versions are then ignored and
 * rewritten, never misread.
 */
export const CACHE_FORMAT_VERSION = 6;

type Stored = Omit<LayerReadResult, 'entries'> & {entries: EntryTableParts};

export function encodeLayer(result: LayerReadResult): Buffer {
	return serialize({...result, entries: result.entries.parts} satisfies Stored);
}

/** The result, or null when the bytes are not one (a payload the checksum passed, written by a different build). */
export function decodeLayer(payload: Uint8Array): LayerReadResult | null {
	let value: unknown;
	try {
		value = deserialize(payload);
	} catch {
		return null;
	}
	if (!isStored(value)) return null;
	return {...value, entries: new EntryTable(value.entries)};
}

/** The fields the cache itself relies on, and an entry table whose columns agree with its count; the rest is trusted to the checksum and the format version. */
function isStored(value: unknown): value is Stored {
	if (typeof value !== 'object' || value === null) return false;
	const result = value as Partial<Stored>;
	if (typeof result.diffId !== 'string' || typeof result.blobDigest !== 'string' || typeof result.compression !== 'string' || typeof result.compressedSize !== 'number') return false;
	if (!Array.isArray(result.whiteouts) || !Array.isArray(result.opaqueDirs)) return false;
	// Package database files are read by offsets: they must agree with themselves too.
	if (result.packageFiles !== undefined && !wellFormedPackageFiles(result.packageFiles)) return false;
	return wellFormedParts(result.entries);
}
