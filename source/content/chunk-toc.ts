import {createHash} from 'node:crypto';
import {decompress} from '../layer/compression.js';
import type {LayerTocNote} from '../model.js';

/**
 * The table of contents an eStargz or zstd:chunked blob carries: for each
 * regular file, where each of its chunks starts in the compressed blob (a
 * gzip member, a zstd frame of its own), its size and its sha256. With it, a
 * file deep in a large layer is read by decompressing its own chunks only.
 *
 * Everything here comes from the image: sizes are bounded before anything is
 * read, every offset must fall inside the blob's data, every digest must be
 * exact, and a file whose chunks do not cover it exactly, in order, is left
 * out (it is then read the plain way). Whether the TOC is trusted is the
 * caller's decision (layer-source.ts); this only reads it.
 */

/** Neither a TOC nor the JSON inside it may be larger (real ones are a few MB for 100,000 files). */
export const MAX_TOC_BYTES = 64 * 1024 * 1024;
/** A chunk is held whole until its digest is checked: larger ones are read the plain way. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
/** A chunk's compressed bytes up to the next entry's data are held too (the tar headers between included): a longer span is read the plain way. */
export const MAX_CHUNK_SPAN = 2 * MAX_CHUNK_BYTES;
/** eStargz's footer: an empty gzip member whose extra field is "SG", 22 bytes: "%016xSTARGZ". */
export const ESTARGZ_FOOTER_SIZE = 51;
/** The tar entry eStargz keeps its TOC in (the last entry of the layer's tar). */
export const ESTARGZ_TOC_NAME = 'stargz.index.json';

/** The blob's raw bytes, from `start` to `end` (exclusive). */
export interface BlobAccess {
	size: number;
	read(start: number, end: number): AsyncIterable<Uint8Array>;
}

export interface Chunk {
	/** Where its gzip member or zstd frame starts in the blob, and where the next entry's data starts (no need to read further). */
	start: number;
	end: number;
	/** Uncompressed bytes of the file it holds. */
	size: number;
	/** sha256 hex of those bytes. */
	sha256: string;
}

export interface ChunkedFile {
	size: number;
	/** sha256 hex of the whole file. */
	sha256: string;
	chunks: Chunk[];
}

export interface ChunkToc {
	format: LayerTocNote['format'];
	/** sha256 hex of what the format's annotation digests: eStargz's TOC JSON, zstd:chunked's compressed manifest. */
	sha256: string;
	/** Regular files the TOC locates whole, by absolute path ("/etc/hosts"); a later entry of a path wins, as in the tar. */
	files: Map<string, ChunkedFile>;
}

/** A TOC that cannot be used: the layer is read the plain way. */
export class TocError extends Error {}

/** The TOC of a gzip (eStargz, found by its footer) or zstd (zstd:chunked, found where the annotation says) blob, or null when it has none or it is unusable. */
export async function readChunkToc(blob: BlobAccess, compression: 'gzip' | 'zstd', note: LayerTocNote | undefined): Promise<ChunkToc | null> {
	try {
		if (compression === 'gzip') return await estargzToc(blob);
		if (note?.format === 'zstd-chunked' && note.position) return await zstdChunkedToc(blob, note.position);
		return null;
	} catch (error) {
		if (error instanceof TocError) return null;
		throw error;
	}
}

async function estargzToc(blob: BlobAccess): Promise<ChunkToc | null> {
	if (blob.size < ESTARGZ_FOOTER_SIZE + 20) return null;
	const footerStart = blob.size - ESTARGZ_FOOTER_SIZE;
	const footer = await collect(blob.read(footerStart, blob.size), ESTARGZ_FOOTER_SIZE);
	// gzip magic, deflate, FEXTRA; XLEN 26: one subfield "SG" of 22 bytes.
	if (footer[0] !== 0x1f || footer[1] !== 0x8b || footer[2] !== 8 || !(footer[3]! & 0x04)) return null;
	if (footer.readUInt16LE(10) !== 26 || footer[12] !== 0x53 || footer[13] !== 0x47 || footer.readUInt16LE(14) !== 22) return null;
	const match = /^([0-9a-f]{16})STARGZ$/.exec(footer.toString('latin1', 16, 38));
	if (!match) return null;
	const tocStart = Number.parseInt(match[1]!, 16);
	if (!Number.isSafeInteger(tocStart) || tocStart >= footerStart) throw new TocError('the footer points outside the blob');
	if (footerStart - tocStart > MAX_TOC_BYTES) throw new TocError('the TOC is too large');
	// One gzip member holding a tar of one entry, stargz.index.json (then the end-of-archive blocks).
	const tar = await collect(decompress(one(await collect(blob.read(tocStart, footerStart), footerStart - tocStart)), 'gzip'), MAX_TOC_BYTES + 512, true);
	if (tar.length < 512) throw new TocError('the TOC holds no tar entry');
	const name = tar.toString('utf8', 0, 100).replace(/\0.*$/s, '');
	const typeflag = tar[156];
	const sizeText = tar.toString('latin1', 124, 136).replace(/[\0 ]+$/, '').replace(/^ +/, '');
	if (name !== ESTARGZ_TOC_NAME || (typeflag !== 0x30 && typeflag !== 0) || !/^[0-7]{1,11}$/.test(sizeText)) throw new TocError('the TOC is not a stargz.index.json entry');
	const size = Number.parseInt(sizeText, 8);
	if (512 + size > tar.length) throw new TocError('the TOC entry is cut short');
	const json = tar.subarray(512, 512 + size);
	return {format: 'estargz', sha256: sha256(json), files: filesOf(json, tocStart)};
}

async function zstdChunkedToc(blob: BlobAccess, position: NonNullable<LayerTocNote['position']>): Promise<ChunkToc> {
	const {offset, length, uncompressedLength} = position;
	if (length > MAX_TOC_BYTES || uncompressedLength > MAX_TOC_BYTES) throw new TocError('the TOC is too large');
	// The manifest sits in a skippable frame (an 8-byte header before it), after every data frame.
	if (offset < 8 || offset + length > blob.size) throw new TocError('the TOC is outside the blob');
	const compressed = await collect(blob.read(offset, offset + length), length);
	const json = await collect(decompress(one(compressed), 'zstd'), uncompressedLength, true);
	if (json.length !== uncompressedLength) throw new TocError('the TOC is not the size its annotation states');
	return {format: 'zstd-chunked', sha256: sha256(compressed), files: filesOf(json, offset - 8)};
}

interface RawEntry {
	type: string;
	name: string;
	size: number;
	offset: number | undefined;
	chunkOffset: number;
	chunkSize: number;
	chunkDigest: string | undefined;
	chunkType: string | undefined;
	digest: string | undefined;
}

/** The files the TOC's entries locate completely, their chunks' data below `dataEnd` (where the TOC starts). */
function filesOf(json: Buffer, dataEnd: number): Map<string, ChunkedFile> {
	let document: unknown;
	try {
		document = JSON.parse(json.toString('utf8'));
	} catch {
		throw new TocError('the TOC is not JSON');
	}
	const list = isRecord(document) ? document.entries : undefined;
	if (!Array.isArray(list)) throw new TocError('the TOC lists no entries');
	const entries = list.map(rawEntry);
	// A chunk's compressed bytes end where the next entry's data (or the TOC) starts.
	const starts = [...new Set(entries.map(entry => entry.offset).filter((at): at is number => at !== undefined && at < dataEnd))].sort((a, b) => a - b);
	starts.push(dataEnd);
	const endOf = (start: number) => starts[upperBound(starts, start)]!;
	const files = new Map<string, ChunkedFile>();
	for (let i = 0; i < entries.length; i++) {
		const reg = entries[i]!;
		if (reg.type !== 'reg') continue;
		const pieces = [reg];
		while (entries[i + 1]?.type === 'chunk' && entries[i + 1]!.name === reg.name) pieces.push(entries[++i]!);
		const path = absolute(reg.name);
		if (path === null) continue;
		const file = chunkedFile(reg, pieces, dataEnd, endOf);
		if (file) files.set(path, file);
		else files.delete(path);
	}
	return files;
}

/** The file's chunks, if they cover it exactly and in order, each with a digest and inside the data; else null. */
function chunkedFile(reg: RawEntry, pieces: RawEntry[], dataEnd: number, endOf: (start: number) => number): ChunkedFile | null {
	const fileDigest = hexOf(reg.digest);
	if (fileDigest === null || reg.size <= 0) return null;
	const chunks: Chunk[] = [];
	let covered = 0;
	for (const [n, piece] of pieces.entries()) {
		const last = n === pieces.length - 1;
		// eStargz leaves chunkSize out (0) for a file's last chunk: the rest of the file.
		const size = piece.chunkSize === 0 && last ? reg.size - piece.chunkOffset : piece.chunkSize;
		if (piece.offset === undefined || piece.offset >= dataEnd || piece.chunkOffset !== covered || size <= 0 || size > MAX_CHUNK_BYTES) return null;
		// containers/storage marks a run of zeros "zeros": its frame is still in the stream (the blob is a tar), read and checked as any.
		if (piece.chunkType !== undefined && !['', 'data', 'zeros'].includes(piece.chunkType)) return null;
		// A file in one chunk may state only the file's digest.
		const digest = hexOf(piece.chunkDigest) ?? (pieces.length === 1 && size === reg.size ? fileDigest : null);
		if (digest === null) return null;
		const end = endOf(piece.offset);
		if (end - piece.offset > MAX_CHUNK_SPAN) return null;
		chunks.push({start: piece.offset, end, size, sha256: digest});
		covered += size;
	}
	return covered === reg.size ? {size: reg.size, sha256: fileDigest, chunks} : null;
}

function rawEntry(value: unknown): RawEntry {
	const entry = isRecord(value) ? value : {};
	const text = (key: string) => (typeof entry[key] === 'string' ? (entry[key] as string) : undefined);
	const count = (key: string) => {
		const number = entry[key];
		return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
	};
	return {
		type: text('type') ?? '',
		name: text('name') ?? '',
		size: count('size') ?? 0,
		offset: count('offset'),
		chunkOffset: count('chunkOffset') ?? 0,
		chunkSize: count('chunkSize') ?? 0,
		chunkDigest: text('chunkDigest'),
		chunkType: text('chunkType'),
		digest: text('digest'),
	};
}

/** "a/b", "./a/b", "/a/b" as the load names them, "/a/b"; a name that climbs ("..") or holds a NUL names nothing. */
function absolute(name: string): string | null {
	if (name.includes('\0')) return null;
	const parts = name.split('/').filter(part => part !== '' && part !== '.');
	if (parts.length === 0 || parts.includes('..')) return null;
	return '/' + parts.join('/');
}

/**
 * A file's bytes, chunk by chunk: each chunk's own gzip member or zstd frame
 * is decompressed (nothing before or after it), and yielded only once it
 * matched the digest the TOC states. With `limit`, no chunk past the one that
 * reaches it is read. The whole file is checked too when it was read whole.
 */
export async function* chunkedFileBytes(blob: BlobAccess, compression: 'gzip' | 'zstd', file: ChunkedFile, limit = Infinity): AsyncGenerator<Buffer> {
	const whole = createHash('sha256');
	let given = 0;
	for (const [n, chunk] of file.chunks.entries()) {
		if (given >= limit) return;
		const where = `chunk ${n + 1} of ${file.chunks.length} (blob bytes ${chunk.start}-${chunk.end - 1})`;
		let bytes: Buffer;
		try {
			// The compressed bytes are read whole first (bounded, see MAX_CHUNK_SPAN): a file stream is then never left half-read.
			const compressed = await collect(blob.read(chunk.start, chunk.end), chunk.end - chunk.start);
			bytes = await collect(decompress(one(compressed), compression), chunk.size);
		} catch (error) {
			throw new ChunkError(`${where}: ${(error as Error).message}`);
		}
		if (bytes.length < chunk.size) throw new ChunkError(`${where} holds ${bytes.length} bytes, not the ${chunk.size} its table of contents states`);
		if (sha256(bytes) !== chunk.sha256) throw new ChunkError(`${where} does not match the digest its table of contents states (sha256:${chunk.sha256})`);
		whole.update(bytes);
		given += bytes.length;
		yield bytes;
	}
	if (whole.digest('hex') !== file.sha256) throw new ChunkError(`the chunks do not make the file its table of contents states (sha256:${file.sha256})`);
}

/** A chunk that is not what the trusted TOC says: the image changed, or lies. */
export class ChunkError extends Error {}

/** At most `limit` bytes of a stream (then it stops reading it); with `refuseMore`, a stream with more is a TocError. */
async function collect(source: AsyncIterable<Uint8Array>, limit: number, refuseMore = false): Promise<Buffer> {
	const parts: Buffer[] = [];
	let length = 0;
	for await (const chunk of source) {
		const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		if (length + buffer.length > limit) {
			if (refuseMore) throw new TocError('the TOC is larger than it may be');
			parts.push(Buffer.from(buffer.subarray(0, limit - length)));
			length = limit;
			break;
		}
		// Copied: a source may reuse its buffers.
		parts.push(Buffer.from(buffer));
		length += buffer.length;
		if (length === limit && !refuseMore) break;
	}
	return Buffer.concat(parts, length);
}

async function* one(bytes: Buffer): AsyncGenerator<Buffer> {
	yield bytes;
}

/** Index of the first element greater than `value` in a sorted list. */
function upperBound(sorted: number[], value: number): number {
	let low = 0;
	let high = sorted.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (sorted[middle]! <= value) low = middle + 1;
		else high = middle;
	}
	return low;
}

function hexOf(digest: string | undefined): string | null {
	return digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest.slice('sha256:'.length) : null;
}

function sha256(bytes: Buffer): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
