import {createHash} from 'node:crypto';
import {once} from 'node:events';
import {createReadStream, createWriteStream} from 'node:fs';
import path from 'node:path';
import type {Writable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {InputError} from '../errors.js';
import {patchTarStreamHeaders} from '../layer/tar-headers.js';
import {walkTar, type EntrySink} from '../layer/tar-walker.js';
import type {Image} from '../model.js';
import {ChunkError, chunkedFileBytes, type BlobAccess, type ChunkedFile} from './chunk-toc.js';
import type {FoundFile} from './find-file.js';
import type {LayerSource} from './layer-source.js';
import {makeSpoolDir, removeSpoolDir} from '../spool-dir.js';
import {sparseMapOf, SparseExpander, type Piece} from './sparse-expander.js';

patchTarStreamHeaders();

/** Holes are written from one buffer of zeros, never made to their size. */
const ZEROS = Buffer.alloc(64 * 1024);

export interface ContentOptions {
	/** false (--no-verify): take a layer the cache gave, or a registry sends again, without hashing it whole first. */
	verify: boolean;
}

/**
 * Writes a stored file's exact content to `out`, streaming: never more than
 * a chunk of the layer in memory, whatever the file's size.
 *
 * Every byte comes from a layer whose diff_id this run checked. A blob in a
 * file that this run's load read (and verified) is read again directly: one
 * seek for an uncompressed layer, decompression from its start otherwise. A
 * layer the cache gave (its blob was not read in this run) or a registry's
 * blob (sent anew) is read whole and hashed on the way, the file's bytes
 * held in a private temporary file meanwhile, and they reach `out` only once
 * the layer matched its diff_id. Either way the bytes written hash to the
 * content digest the load recorded, or the run fails.
 *
 * An eStargz or zstd:chunked layer whose table of contents is trusted (see
 * FileLayers.trustedToc) and locates the file is read chunk by chunk instead,
 * cached or not: only the file's own compressed chunks are read, and each
 * reaches `out` once it matched the digest the TOC states for it.
 */
export async function writeFileContent(image: Image, source: LayerSource, found: FoundFile, out: Writable, options: ContentOptions): Promise<void> {
	await copyFileContent(image, source, found, out, {...options, limit: Infinity});
}

export interface BoundedContentOptions extends ContentOptions {
	/** At most this many bytes reach `out`; the rest of the file is read only when the layer must be checked whole anyway. */
	limit: number;
}

/**
 * writeFileContent's one read path, with a bound: the first `limit` bytes of
 * the file reach `out`. For a layer verified in this run the read stops once
 * they are written (one seek into an uncompressed layer; a compressed one is
 * decompressed only up to them), and a truncated file's content digest
 * cannot be checked: the layer was, by this run's load. A layer that needs a
 * recheck is read and hashed whole as ever (the file too, so its digest is
 * checked), only the bytes kept are bounded. Returns whether the whole file
 * reached `out`.
 */
export async function copyFileContent(image: Image, source: LayerSource, found: FoundFile, out: Writable, options: BoundedContentOptions): Promise<{complete: boolean}> {
	const layer = image.layers[found.layer]!;
	const {table, index} = found;
	const stored = table.dataSizeOf(index);
	const size = table.sizeOf(index);
	const recheck = options.verify && !source.verifiedInThisRun(layer);
	// A sparse file stores less (or, PAX 1.0, other bytes) than it holds: its map is in headers before the offset, so the walk starts at the layer's start.
	const sparse = size !== stored;
	const complete = options.limit >= size;
	const sink: Sink = {out, left: options.limit};
	const content = createHash('sha256');
	const what = `layer ${layer.index}, ${JSON.stringify(found.path)}`;
	const chunked = !sparse && stored > 0 && options.limit > 0 ? await chunkedFileOf(source, layer, found) : null;
	if (chunked) {
		// Every chunk is checked against the trusted TOC before it is written: no recheck of the whole layer is needed.
		try {
			await writePieces(chunkedFileBytes(chunked.blob, chunked.compression, chunked.file, options.limit), sink, content, () => {
				throw new Error('unreachable: chunks are read whole');
			});
		} catch (error) {
			if (error instanceof ChunkError) throw new InputError(image.input, `${what}: ${error.message}; the image changed since it was read`);
			throw error;
		}
		if (complete) checkContent(image, what, found, content.digest('hex'));
	} else if (!recheck && !sparse) {
		const count = Math.min(stored, options.limit);
		// An empty file (or an empty bound) has nothing to read, and opens nothing.
		if (count > 0) await writePieces(take(source.uncompressed(layer, table.dataOffsetOf(index), count), count), sink, content, () => {
			throw new InputError(image.input, `${what}: the layer ends before the file's ${stored} bytes (it changed since it was read)`);
		});
		if (complete) checkContent(image, what, found, content.digest('hex'));
	} else if (!recheck) {
		if (options.limit > 0) await walkToEntry(image, source, found, sink, content, false);
	} else {
		const spool = await makeSpoolDir('layerscope-content-');
		try {
			const file = path.join(spool, 'content');
			const held = createWriteStream(file, {flags: 'wx', mode: 0o600});
			await walkToEntry(image, source, found, {out: held, left: options.limit}, content, true);
			held.end();
			await once(held, 'finish');
			await pipeline(createReadStream(file), out, {end: false});
		} finally {
			await removeSpoolDir(spool);
		}
	}
	return {complete};
}

/**
 * The file's chunks, when the layer's source has a trusted TOC (eStargz,
 * zstd:chunked) that locates it and states the very content the load recorded
 * for it (same size, same digest): a TOC whose entry for the path says
 * otherwise (another entry of that path, say) is not used for it.
 */
async function chunkedFileOf(source: LayerSource, layer: Image['layers'][number], found: FoundFile): Promise<{blob: BlobAccess; compression: 'gzip' | 'zstd'; file: ChunkedFile} | null> {
	if (layer.compression === 'none' || !source.chunkToc || !source.blob) return null;
	const toc = await source.chunkToc(layer);
	const file = toc?.files.get(found.table.pathOf(found.index));
	const recorded = found.table.digestOf(found.index);
	if (!file || recorded === undefined || file.sha256 !== recorded || file.size !== found.table.dataSizeOf(found.index)) return null;
	return {blob: source.blob(layer), compression: layer.compression, file};
}

/** Where a file's bytes go: `out`, while `left` allows (past it they are still hashed, never kept). */
interface Sink {
	out: Writable;
	left: number;
}

function checkContent(image: Image, what: string, found: FoundFile, actual: string): void {
	const expected = found.table.digestOf(found.index);
	if (expected !== undefined && expected !== actual) throw new InputError(image.input, `${what}: the bytes read back do not match the digest the load recorded (sha256:${expected}); the image changed since it was read`);
}

/**
 * Walks the layer's tar from its start to the entry at the file's offset and
 * expands it (sparse or not) into `out`; with `wholeLayer`, on to the end,
 * hashing the layer to check its diff_id before the caller lets the bytes out.
 * Without `wholeLayer` it stops as soon as the sink is full (a bounded read).
 */
async function walkToEntry(image: Image, source: LayerSource, found: FoundFile, sink: Sink, content: ReturnType<typeof createHash>, wholeLayer: boolean): Promise<void> {
	const layer = image.layers[found.layer]!;
	const offset = found.table.dataOffsetOf(found.index);
	const what = `layer ${layer.index}, ${JSON.stringify(found.path)}`;
	const layerHash = wholeLayer ? createHash('sha256') : null;
	const pieces: Piece[] = [];
	const push = (piece: Piece) => pieces.push(piece);
	let state = 'before' as 'before' | 'inside' | 'done';
	const stop = new Error('the entry is written');
	let full = false;
	// The walk handles a chunk at once; its pieces are written (with backpressure) before the next chunk is read.
	const paced = async function* () {
		for await (const chunk of source.uncompressed(layer, 0)) {
			yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
			await drain(pieces, sink, content);
			if (!wholeLayer && state === 'inside' && sink.left <= 0) {
				full = true;
				throw stop;
			}
		}
	};
	const onEntry = (header: Parameters<Parameters<typeof walkTar>[1]>[0], dataOffset: number): EntrySink | null => {
		if (state !== 'before' || dataOffset !== offset) return null;
		state = 'inside';
		const map = sparseMapOf(header);
		const expander = map ? new SparseExpander(map.realSize, map.segments) : null;
		const done = () => {
			state = 'done';
			if (!wholeLayer) throw stop;
		};
		// An entry without data never gets a sink call: finish it now.
		if (header.size === 0 && !expander) {
			done();
			return null;
		}
		return {
			update: chunk => (expander ? expander.update(chunk, push) : push(chunk)),
			finish: () => {
				expander?.finish(push);
				done();
			},
		};
	};
	try {
		await walkTar(paced(), onEntry, chunk => layerHash?.update(chunk));
	} catch (error) {
		if (error !== stop) throw error instanceof InputError ? error : new InputError(image.input, `${what}: ${(error as Error).message}`);
	}
	await drain(pieces, sink, content);
	// A bounded read that stopped inside the entry: the layer was verified by this run's load, the truncated content cannot be.
	if (full) return;
	if (state !== 'done') throw new InputError(image.input, `${what}: no entry at the offset the load recorded (the image changed since it was read)`);
	if (layerHash) {
		const actual = 'sha256:' + layerHash.digest('hex');
		if (actual !== layer.diffId) throw new InputError(image.input, `layer ${layer.index} no longer matches its diff_id ${layer.diffId} (read again: ${actual}); nothing was written`);
	}
	checkContent(image, what, found, content.digest('hex'));
}

/** Exactly `count` bytes of a stream, then stops reading it; `short` if it ends first. */
async function* take(source: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Buffer> {
	let left = count;
	if (left === 0) return;
	for await (const chunk of source) {
		const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		if (buffer.length >= left) {
			yield buffer.subarray(0, left);
			return;
		}
		left -= buffer.length;
		yield buffer;
	}
	throw new ShortRead();
}

class ShortRead extends Error {}

async function writePieces(source: AsyncIterable<Buffer>, sink: Sink, content: ReturnType<typeof createHash>, onShort: () => never): Promise<void> {
	try {
		for await (const chunk of source) await drain([chunk], sink, content);
	} catch (error) {
		if (error instanceof ShortRead) onShort();
		throw error;
	}
}

/** Writes the pieces in order (zero runs from one buffer) while the sink allows, hashing all of them, waiting whenever `out` is full; empties the list. */
async function drain(pieces: Piece[], sink: Sink, content: ReturnType<typeof createHash>): Promise<void> {
	const write = async (bytes: Buffer) => {
		content.update(bytes);
		if (sink.left <= 0) return;
		const kept = bytes.length > sink.left ? bytes.subarray(0, sink.left) : bytes;
		sink.left -= kept.length;
		if (!sink.out.write(kept)) await waitFor(sink.out);
	};
	for (const piece of pieces.splice(0)) {
		if (typeof piece !== 'number') {
			await write(piece);
			continue;
		}
		for (let left = piece; left > 0; ) {
			const zeros = ZEROS.subarray(0, Math.min(left, ZEROS.length));
			left -= zeros.length;
			await write(zeros);
		}
	}
}

function waitFor(out: Writable): Promise<void> {
	// An output that fails (a closed pipe) must not leave the read waiting for a drain that never comes.
	return new Promise((resolve, reject) => {
		const settle = (error?: Error) => {
			out.off('drain', settle).off('close', settle).off('error', settle);
			if (error) reject(error);
			else resolve();
		};
		out.on('drain', settle).on('close', settle).on('error', settle);
	});
}

/** One file of a one-pass read: where its bytes go, and what to do once they are all there (or not). */
export interface PassTarget {
	found: FoundFile;
	open(): Promise<Writable>;
	/** After the output ended and its bytes matched the recorded digest. */
	finish(): Promise<void>;
	/** The bytes did not all arrive, or failed their check. */
	abort(): Promise<void>;
}

/**
 * Whether files of a layer can be written in one pass over it: bytes this
 * run's load verified (no whole-layer recheck first) and not sparse (whose
 * maps are read from the layer's headers, see writeFileContent).
 */
export function passReadable(source: LayerSource, image: Image, found: FoundFile, options: ContentOptions): boolean {
	const layer = image.layers[found.layer]!;
	const recheck = options.verify && !source.verifiedInThisRun(layer);
	return !recheck && found.table.sizeOf(found.index) === found.table.dataSizeOf(found.index);
}

/**
 * Many files of one layer in one pass over its uncompressed tar (extract of
 * a compressed layer: per file, each read would decompress from the layer's
 * start again), in the order of their offsets, each checked against the
 * digest the load recorded. Stops reading once the last file is written.
 * Every target must be passReadable.
 */
export async function writeFilesInOnePass(image: Image, source: LayerSource, layerIndex: number, targets: readonly PassTarget[]): Promise<void> {
	const layer = image.layers[layerIndex]!;
	const offsetOf = (target: PassTarget) => target.found.table.dataOffsetOf(target.found.index);
	const sorted = [...targets].sort((a, b) => offsetOf(a) - offsetOf(b));
	let next = 0;
	let current: {target: PassTarget; out: Writable; content: ReturnType<typeof createHash>; left: number} | undefined;
	const what = (target: PassTarget) => `layer ${layer.index}, ${JSON.stringify(target.found.path)}`;
	const complete = async () => {
		const {target, out, content} = current!;
		current = undefined;
		out.end();
		await once(out, 'finish');
		try {
			checkContent(image, what(target), target.found, content.digest('hex'));
		} catch (error) {
			await target.abort();
			throw error;
		}
		await target.finish();
	};
	const begin = async () => {
		const target = sorted[next++]!;
		current = {target, out: await target.open(), content: createHash('sha256'), left: target.found.table.dataSizeOf(target.found.index)};
		if (current.left === 0) await complete();
	};
	let position = 0;
	try {
		for await (const data of source.uncompressed(layer, 0)) {
			const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
			const chunkStart = position;
			position += chunk.length;
			let at = 0;
			while (at < chunk.length) {
				if (!current) {
					if (next === sorted.length) break;
					const offset = offsetOf(sorted[next]!);
					if (offset >= position) break;
					at = Math.max(at, offset - chunkStart);
					await begin();
					continue;
				}
				const piece = chunk.subarray(at, at + Math.min(current.left, chunk.length - at));
				at += piece.length;
				current.left -= piece.length;
				current.content.update(piece);
				if (!current.out.write(piece)) await waitFor(current.out);
				if (current.left === 0) await complete();
			}
			// Files of size 0 at the end of this chunk's range need no bytes.
			while (!current && next < sorted.length && offsetOf(sorted[next]!) < position && sorted[next]!.found.table.dataSizeOf(sorted[next]!.found.index) === 0) await begin();
			if (!current && next === sorted.length) break;
		}
		while (!current && next < sorted.length && sorted[next]!.found.table.dataSizeOf(sorted[next]!.found.index) === 0 && offsetOf(sorted[next]!) <= position) await begin();
	} catch (error) {
		await current?.target.abort();
		throw error instanceof InputError ? error : new InputError(image.input, `layer ${layer.index}: ${(error as Error).message}`);
	}
	if (current || next < sorted.length) {
		const short = current?.target ?? sorted[next]!;
		await current?.target.abort();
		throw new InputError(image.input, `${what(short)}: the layer ends before the file's bytes (it changed since it was read)`);
	}
}
