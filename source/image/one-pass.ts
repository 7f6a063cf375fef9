import {createHash} from 'node:crypto';
import {withinLimits} from '../cache/cached-layer.js';
import type {LayerCache} from '../cache/layer-cache.js';
import path from 'node:path';
import * as tar from 'tar-stream';
import {InputError} from '../errors.js';
import {DecompressError, sniffCompression} from '../layer/compression.js';
import {LayerPool} from '../layer/layer-pool.js';
import {LayerFormatError, type LayerReadResult} from '../layer/read-layer.js';
import {formatLimit, limits, LIMIT_VARIABLES} from '../limits.js';
import {untilEndOfArchive} from './archive-end.js';
import type {DigestAlgorithm} from './digests.js';
import type {BlobSpool} from './blob-spool.js';
import type {FileRange, ImageFiles} from './image-files.js';
import {normalizeName} from './tar-index.js';

type Stored =
	| {kind: 'small'; bytes: Buffer}
	/** Still being read on a worker while later entries stream by; rejects with LayerFormatError for a bad layer. */
	| {kind: 'layer'; size: number; result: Promise<LayerReadResult>; fromCache?: boolean; spooled?: FileRange}
	| {kind: 'link'; target: string};

const MAX_LINK_HOPS = 16;
/** Documents kept from one stream, in all, as a multiple of the limit for one: room for thousands of images' manifests and configs. */
const KEPT_DOCUMENTS_FACTOR = 16;

/**
 * An image archive that can only be read once, front to back (stdin, or a
 * gzip-compressed archive). Producers write the index last, so no blob can
 * be known to be a layer when it passes: every blob that looks like a layer
 * is read into its changeset as it streams by, small JSON documents are
 * kept, and the resolver picks from what was kept. Nothing touches the disk,
 * unless the load keeps blobs to read them again (cat, extract): then each
 * layer blob is also written to a private spool as it passes (blob-spool.ts).
 */
export class OnePassFiles implements ImageFiles {
	private constructor(
		readonly input: string,
		private readonly stored: Map<string, Stored>,
		/** sha512 digests of the blobs stored under blobs/sha512/, hashed as they passed: a stream is not read twice. */
		private readonly sha512s: Map<string, string>,
		private readonly spool: BlobSpool | undefined,
	) {}

	static async read(input: string, archive: AsyncIterable<Uint8Array>, onLayer?: () => void, cache?: LayerCache | null, spool?: BlobSpool): Promise<OnePassFiles> {
		const stored = new Map<string, Stored>();
		const sha512s = new Map<string, string>();
		const extract = tar.extract();
		// Stop at the end-of-archive marker: tar-stream would read zeros (or anything else) after it for ever.
		const feeding = feed(untilEndOfArchive(archive), extract);
		const documentLimit = limits().documentBytes;
		const budget = {left: documentLimit * KEPT_DOCUMENTS_FACTOR};
		// The stream is read on this thread; each layer in it is parsed and hashed on a worker while the next one streams by.
		const pool = LayerPool.forStreams();
		const layers: Array<Promise<unknown>> = [];
		let entries = 0;
		try {
			for await (const entry of extract) {
				entries++;
				const header = entry.header;
				const name = normalizeName(header.name);
				if (header.type === 'symlink' || header.type === 'link') {
					const target = header.type === 'symlink' ? path.posix.join(path.posix.dirname(name), header.linkname ?? '') : header.linkname ?? '';
					stored.set(name, {kind: 'link', target: normalizeName(target)});
				} else if (header.type === 'file' || header.type === 'contiguous-file') {
					const bytes = name.startsWith('blobs/sha512/') ? hashedAs(entry, digest => sha512s.set(name, digest)) : entry;
					const kept = await storeEntry(bytes, header.size ?? 0, pool, documentLimit, cache ? cachedTar(cache, name) : undefined, spool);
					if (kept.kind === 'small' && (budget.left -= kept.bytes.length) < 0) {
						throw new InputError(input, `archive holds more than ${formatLimit(documentLimit * KEPT_DOCUMENTS_FACTOR)} of JSON documents (the limit is ${KEPT_DOCUMENTS_FACTOR} times ${LIMIT_VARIABLES.documentBytes}, ${formatLimit(documentLimit)})`);
					}
					stored.set(name, kept);
					if (kept.kind === 'layer') layers.push(kept.result.then(() => onLayer?.(), () => {}));
					continue;
				}
				for await (const _ of entry); // drain what is not a file
			}
			await feeding;
			await Promise.all(layers);
		} catch (error) {
			await spool?.remove();
			if (error instanceof InputError) throw error;
			if (error instanceof DecompressError) throw new InputError(input, `archive is ${(error as Error).message}`);
			const message = (error as Error).message;
			// A stream that ends before its first header was never an archive ("echo hello | layerscope -"), not a truncated one.
			const truncated = entries === 0 ? 'not a tar archive (it ends before its first 512-byte header)' : 'archive is truncated';
			throw new InputError(input, /unexpected end/i.test(message) ? truncated : /invalid tar header/i.test(message) ? 'not a tar archive (bad header)' : `cannot read archive: ${message}`);
		}
		finally {
			void Promise.allSettled(layers).then(() => pool.close());
		}
		if (stored.size === 0) {
			await spool?.remove();
			throw new InputError(input, 'archive is empty');
		}
		return new OnePassFiles(input, stored, sha512s, spool);
	}

	has(name: string): boolean {
		return this.resolve(name) !== undefined;
	}

	locate(): undefined {
		return undefined;
	}

	async readSmall(name: string): Promise<Buffer> {
		const item = this.resolve(name);
		if (item?.kind === 'layer') {
			const limit = limits().documentBytes;
			if (item.size > limit) throw new InputError(this.input, `${name} is ${item.size} bytes, more than ${formatLimit(limit)}, the limit for a manifest, index or config (${LIMIT_VARIABLES.documentBytes} raises it)`);
		}
		if (item?.kind !== 'small') throw new InputError(this.input, `${name} is missing from the archive`);
		return item.bytes;
	}

	async readLayer(name: string): Promise<LayerReadResult> {
		const item = this.resolve(name);
		if (!item) throw new InputError(this.input, `${name} is missing from the archive`);
		if (item.kind !== 'layer') throw new LayerFormatError('is not a layer (it looks like a JSON document)');
		return item.result;
	}

	/** Was this layer's blob only hashed as it passed, its changeset taken from the cache? */
	fromCache(name: string): boolean {
		const item = this.resolve(name);
		return item?.kind === 'layer' && item.fromCache === true;
	}

	/** Where the copy of a layer blob kept as it passed is (only when the load keeps blobs). */
	spooled(name: string): FileRange | undefined {
		const item = this.resolve(name);
		return item?.kind === 'layer' ? item.spooled : undefined;
	}

	/** Removes the kept copies (the load calls it when it does not hand the source over; the reader when it is done). */
	async close(): Promise<void> {
		await this.spool?.remove();
	}

	blobDigest(name: string, algorithm: DigestAlgorithm): string | undefined {
		return algorithm === 'sha512' ? this.sha512s.get(normalizeName(name)) : undefined;
	}

	private resolve(name: string, hops = 0): Stored | undefined {
		const item = this.stored.get(normalizeName(name));
		if (item?.kind === 'link') return hops > MAX_LINK_HOPS ? undefined : this.resolve(item.target, hops + 1);
		return item;
	}
}

/** The entry's bytes, passed on as they are, with their sha512 once the last has passed. */
async function* hashedAs(entry: AsyncIterable<unknown>, onDigest: (digest: string) => void): AsyncGenerator<Buffer> {
	const hash = createHash('sha512');
	for await (const chunk of entry as AsyncIterable<Buffer>) {
		hash.update(chunk);
		yield chunk;
	}
	onDigest(`sha512:${hash.digest('hex')}`);
}

async function feed(source: AsyncIterable<Uint8Array>, extract: tar.Extract): Promise<void> {
	try {
		for await (const chunk of source) {
			if (!extract.write(chunk as Buffer)) await new Promise<void>(resolve => extract.once('drain', () => resolve()));
		}
		(extract as unknown as {end(): void}).end();
	} catch (error) {
		extract.destroy(error as Error);
	}
}

/**
 * A blob named for its sha256 ("blobs/sha256/<hex>") whose digest is a
 * diff_id the cache holds is that tar, if its bytes hash to its name: an
 * uncompressed layer (docker save writes them so). Its bytes then only need
 * hashing as they pass; the hash decides, as it would for a parsed layer.
 */
function cachedTar(cache: LayerCache, name: string): (() => Promise<LayerReadResult | null>) | undefined {
	const match = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
	return match ? () => cache.get(`sha256:${match[1]}`).then(cached => (cached && withinLimits(cached) ? cached : null)) : undefined;
}

/** Keeps a JSON document, or hands a layer to the reader as it streams by; always consumes the whole entry. */
async function storeEntry(entry: AsyncIterable<unknown>, size: number, pool: LayerPool, documentLimit: number, cached?: () => Promise<LayerReadResult | null>, spool?: BlobSpool): Promise<Stored> {
	let iterator = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	const first = await iterator.next();
	if (first.done) return {kind: 'small', bytes: Buffer.alloc(0)};
	const head = first.value;
	// Only what may be a document is kept; anything larger streams through as a layer would, whatever it looks like.
	if (size <= documentLimit && looksLikeText(head)) {
		const chunks = [head];
		for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
		return {kind: 'small', bytes: Buffer.concat(chunks)};
	}
	// A layer: with a spool, every chunk is written to its file before it is passed on (so the copy is the bytes hashed, and writes pace the stream).
	const copy = spool ? await spool.create() : undefined;
	if (copy) {
		await copy.write(head);
		const source = iterator;
		iterator = {
			next: async () => {
				const next = await source.next();
				if (!next.done) await copy.write(next.value);
				return next;
			},
		};
	}
	const known = cached && sniffCompression(head) === 'none' ? await cached() : null;
	if (known) {
		const result = await hashedTar(known, head, iterator, size);
		return {kind: 'layer', size, result: Promise.resolve(result), fromCache: true, spooled: await copy?.close()};
	}
	// readLayer may stop early on a bad blob; the rest must still be drained for the next entry.
	const chunks: AsyncIterable<Uint8Array> = {
		[Symbol.asyncIterator]: () => {
			let sentHead = false;
			return {
				next: async () => (sentHead ? iterator.next() : ((sentHead = true), {done: false, value: head})),
			};
		},
	};
	const {pumped, result} = pool.readStream(chunks, size);
	// A bad layer is the resolver's business only if the image uses it; a broken outer archive shows up in the drain below.
	const kept: Stored = {kind: 'layer', size, result: result.catch(error => Promise.reject(error instanceof LayerFormatError ? error : new LayerFormatError((error as Error).message)))};
	kept.result.catch(() => {});
	await pumped;
	for (let next = await iterator.next(); !next.done; next = await iterator.next());
	if (copy) kept.spooled = await copy.close();
	return kept;
}

/**
 * The cached changeset for a blob whose bytes pass by, hashed and counted:
 * bytes that do not hash to the entry's diff_id give their own digest, which
 * verification then refuses, as it would the same blob parsed.
 */
async function hashedTar(cached: LayerReadResult, head: Buffer, iterator: AsyncIterator<Buffer>, size: number): Promise<LayerReadResult> {
	const hash = createHash('sha256').update(head);
	let bytes = head.length;
	for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
		hash.update(next.value);
		bytes += next.value.length;
	}
	const digest = `sha256:${hash.digest('hex')}`;
	if (digest !== cached.diffId || bytes !== size) return {...cached, compression: 'none', compressedSize: bytes, blobDigest: digest, diffId: digest};
	return {...cached, compression: 'none', compressedSize: bytes, blobDigest: digest};
}

/** JSON documents and the one-line `oci-layout`/`VERSION` files start with text; layers start with magic bytes or a tar header. */
function looksLikeText(head: Buffer): boolean {
	const first = head.find(byte => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
	if (first === 0x7b /* { */ || first === 0x5b /* [ */) return true;
	return sniffCompression(head) === 'none' && head.length < 512 && !head.includes(0);
}
