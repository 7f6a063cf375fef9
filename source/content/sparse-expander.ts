import {checkSparseMap, parsePaxSparseMap, type SparseSegment} from '../layer/sparse.js';

// Expanding a sparse entry is the tar layer's knowledge (the load hashes the same expansion): shared from there.
export {SparseExpander, type Piece} from '../layer/sparse.js';
import {EXTRAS, type RawHeaderExtras} from '../layer/tar-headers.js';
import type {WalkedHeader} from '../layer/tar-walker.js';

/** A sparse file's map as its headers give it: segments, or null when (PAX 1.0) the map leads the entry's data. */
export interface SparseMap {
	realSize: number;
	segments: SparseSegment[] | null;
}

/** The sparse map of a tar entry, or null for a plain file: old GNU headers, PAX 0.0/0.1 records, PAX 1.0 (map in the data). */
export function sparseMapOf(header: WalkedHeader): SparseMap | null {
	const extras = header[EXTRAS] as RawHeaderExtras | undefined;
	if (extras?.oldGnuSparse) return {realSize: extras.oldGnuSparse.realSize, segments: checkSparseMap(extras.oldGnuSparse.segments, extras.oldGnuSparse.realSize)};
	const pax = header.pax;
	if (!pax || (pax['GNU.sparse.major'] === undefined && pax['GNU.sparse.map'] === undefined && pax['GNU.sparse.offset'] === undefined)) return null;
	const realSize = Number(pax['GNU.sparse.realsize'] ?? pax['GNU.sparse.size']);
	if (!Number.isSafeInteger(realSize) || realSize < 0) throw new Error('sparse file has no real size');
	if (pax['GNU.sparse.major'] === '1') return {realSize, segments: null};
	if (pax['GNU.sparse.map'] === undefined) throw new Error('sparse file has no sparse map');
	return {realSize, segments: checkSparseMap(parsePaxSparseMap(pax['GNU.sparse.map']), realSize)};
}
