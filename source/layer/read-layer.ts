import {InputError} from '../errors.js';
import {createHash} from 'node:crypto';
import type {Compression, EntryType, LayerChangeset, LayerEntry} from '../model.js';
import {EntryTableBuilder} from '../entry-table.js';
import {DecompressError, decompress, sniffCompression} from './compression.js';
import {REUSES_BUFFERS} from './file-range.js';
import {formatLimit, limits, LIMIT_VARIABLES, MAX_PATH_DEPTH} from '../limits.js';
import {checkSparseMap, parsePaxSparseMap, SparseHasher} from './sparse.js';
import {EXTRAS, patchTarStreamHeaders, type RawHeaderExtras} from './tar-headers.js';
import {TarFormatError, walkTar} from './tar-walker.js';
import {baseName, joinPath, normalizeEntryPath, parentOf} from './tar-path.js';
import {captureKind, condensePackageFiles, PackageFilesBuilder} from './package-capture.js';
import {LayerFormatError} from './layer-format-error.js';

patchTarStreamHeaders();

/** What one pass over a layer blob yields. */
export interface LayerReadResult extends LayerChangeset {
	compression: Compression;
	/** sha256 of the blob as stored. */
	blobDigest: string;
	compressedSize: number;
	/** sha256 of the uncompressed tar (the diff_id). */
	diffId: string;
	size: number;
	contentSize: number;
}

export {LayerFormatError};

const EMPTY_SHA256 = createHash('sha256').digest();
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs, .wh..wh.orph): never part of the filesystem. */
const AUFS_META_PREFIX = '.wh..wh.';

const TYPE_BY_TAR: Record<string, EntryType> = {
	file: 'file',
	'contiguous-file': 'file',
	link: 'hardlink',
	symlink: 'symlink',
	'character-device': 'char',
	'block-device': 'block',
	directory: 'dir',
	fifo: 'fifo',
};

/** A header as tar-stream's decoder gives it, long names and PAX records applied, with our extras. */
interface TarHeader {
	name: string;
	type: string | null;
	mode?: number;
	uid?: number;
	gid?: number;
	size?: number;
	mtime?: Date;
	linkname?: string | null;
	devmajor?: number;
	devminor?: number;
	pax?: Record<string, string> | null;
	[EXTRAS]?: RawHeaderExtras;
}

/**
 * Reads one layer blob in a single pass: sniffs its compression from magic
 * bytes, hashes the blob and the uncompressed tar, parses the tar and hashes
 * every file's content, and returns the layer's changeset.
 */
export async function readLayer(blob: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<LayerReadResult> {
	const iterator = blob[Symbol.asyncIterator]();
	const first = await iterator.next();
	const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
	const sniffed = sniffCompression(head);
	if (sniffed === 'bzip2' || sniffed === 'xz') throw new LayerFormatError(`layer is ${sniffed}-compressed, which OCI images do not allow`);
	const compression: Compression = sniffed;

	const blobHash = createHash('sha256');
	let compressedSize = 0;
	async function* blobChunks(): AsyncGenerator<Buffer> {
		if (first.done) return;
		blobHash.update(head);
		compressedSize += head.length;
		yield head;
		for (;;) {
			// Another layer failed and the load is over: stop here rather than read the rest for nobody.
			if (signal?.aborted) throw new LayerFormatError('reading stopped: the image failed to load');
			const next = await iterator.next();
			if (next.done) return;
			const chunk = next.value as Buffer;
			blobHash.update(chunk);
			compressedSize += chunk.length;
			yield chunk;
		}
	}

	const changes = new ChangesetBuilder();
	// A decompressor may hold its input past the next read: give it chunks of its own when the source reuses its buffers.
	const reused = (blob as {[REUSES_BUFFERS]?: boolean})[REUSES_BUFFERS] === true;
	const tarStream: AsyncIterable<Buffer> = compression === 'none' ? blobChunks() : decompress(reused ? copies(blobChunks()) : blobChunks(), compression);

	// Uncompressed: the blob is the tar, so one hash serves both digests.
	const diffHash = compression === 'none' ? null : createHash('sha256');
	let size = 0;
	const maxBytes = limits().layerBytes;
	try {
		await parseTar(tarStream, changes, chunk => {
			diffHash?.update(chunk);
			size += chunk.length;
			// Decompression is work the blob's size does not bound: stop at what no real layer reaches.
			if (size + changes.sparseBytes > maxBytes) throw tooLarge(maxBytes);
		});
	} catch (error) {
		if (error instanceof DecompressError) throw new LayerFormatError(`layer is ${error.message}`);
		throw error;
	}

	const blobDigest = 'sha256:' + blobHash.digest('hex');
	const changeset = changes.result();
	if (changeset.packageFiles) changeset.packageFiles = await condensePackageFiles(changeset.packageFiles);
	return {
		...changeset,
		compression,
		blobDigest,
		compressedSize,
		diffId: diffHash ? 'sha256:' + diffHash.digest('hex') : blobDigest,
		size,
		contentSize: changes.contentSize,
	};
}

async function* copies(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
	for await (const chunk of source) yield Buffer.from(chunk);
}

async function parseTar(source: AsyncIterable<Buffer>, changes: ChangesetBuilder, onChunk: (chunk: Buffer) => void): Promise<void> {
	try {
		await walkTar(source, (header, dataOffset) => changes.add(header as unknown as TarHeader, dataOffset), onChunk);
	} catch (error) {
		// InputError: the source itself failed (a registry cut the connection); it already says where.
		if (error instanceof LayerFormatError || error instanceof DecompressError || error instanceof InputError) throw error;
		if (error instanceof TarFormatError) throw new LayerFormatError(error.message);
		// A sink that cannot finish (a sparse map that does not add up) is a format problem too.
		if (error instanceof Error && !(error as NodeJS.ErrnoException).code) throw new LayerFormatError(error.message);
		throw error;
	}
}

interface ContentSink {
	update(chunk: Buffer): void;
	finish(): void;
}

/** Turns tar headers into normalised entries, whiteouts and opaque markers. */
class ChangesetBuilder {
	readonly entries = new EntryTableBuilder();
	readonly whiteouts: string[] = [];
	readonly opaqueDirs: string[] = [];
	contentSize = 0;
	/** Real sizes of the sparse files so far: what their holes add to the layer's expanded size. */
	sparseBytes = 0;
	private readonly limits = limits();
	private recorded = 0;

	/** Package database files, kept as their bytes go by. */
	private readonly packages = new PackageFilesBuilder();

	result(): LayerChangeset {
		const result: LayerChangeset = {entries: this.entries.finish(), whiteouts: this.whiteouts, opaqueDirs: this.opaqueDirs};
		if (!this.packages.empty) result.packageFiles = this.packages.finish();
		return result;
	}

	/** Records the entry; returns where its content goes, or null to skip the content. */
	add(header: TarHeader, dataOffset: number): ContentSink | null {
		const extras = header[EXTRAS];
		const pax = header.pax ?? undefined;
		const typeflag = extras?.typeflag ?? 0;
		// 'V' is a volume label, 'g' a global header tar-stream already consumed.
		if (typeflag === 0x56) return null;

		let rawName = header.name;
		let sparse: {realSize: number; segments: Array<{offset: number; length: number}> | null} | null = null;
		if (extras?.oldGnuSparse) {
			if (extras.oldGnuSparse.extended) throw new LayerFormatError(`sparse file ${JSON.stringify(rawName)} uses old-GNU extended sparse headers, which layerscope cannot read`);
			sparse = {realSize: extras.oldGnuSparse.realSize, segments: extras.oldGnuSparse.segments};
		} else if (pax && (pax['GNU.sparse.major'] !== undefined || pax['GNU.sparse.map'] !== undefined || pax['GNU.sparse.offset'] !== undefined)) {
			sparse = readPaxSparse(pax);
			rawName = pax['GNU.sparse.name'] ?? rawName;
		}

		let path: string;
		try {
			path = normalizeEntryPath(rawName);
		} catch (error) {
			throw new LayerFormatError((error as Error).message);
		}
		if (depthOf(path) > MAX_PATH_DEPTH) throw new LayerFormatError(`an entry is nested ${depthOf(path)} directories deep, more than ${MAX_PATH_DEPTH} (no runtime can create it)`);
		// Every kept entry costs memory in every later stage: cap them where they are made.
		if (++this.recorded > this.limits.entries) throw new LayerFormatError(`layer has more than ${this.limits.entries} entries (the limit; ${LIMIT_VARIABLES.entries} raises it)`);
		const base = baseName(path);
		if (isAufsMeta(path)) return null;
		if (base.startsWith(WHITEOUT_PREFIX)) {
			if (base === OPAQUE_MARKER) this.opaqueDirs.push(parentOf(path));
			else this.whiteouts.push(joinPath(parentOf(path), base.slice(WHITEOUT_PREFIX.length)));
			return null;
		}

		const type: EntryType = header.type ? TYPE_BY_TAR[header.type] ?? 'file' : typeflag === 0x44 /* GNU dumpdir */ ? 'dir' : 'file';
		const entry: LayerEntry = {
			path,
			type,
			mode: (paxNumber(pax, 'mode') ?? header.mode ?? 0) & 0o7777,
			uid: paxNumber(pax, 'uid') ?? header.uid ?? 0,
			gid: paxNumber(pax, 'gid') ?? header.gid ?? 0,
			size: 0,
			mtime: paxNumber(pax, 'mtime') ?? (header.mtime ? header.mtime.getTime() / 1000 : 0),
		};
		if (type === 'symlink') entry.linkTarget = header.linkname ?? '';
		if (type === 'hardlink') {
			try {
				entry.linkTarget = normalizeEntryPath(header.linkname ?? '');
			} catch {
				throw new LayerFormatError(`hard link ${JSON.stringify(rawName)} points outside the root (${JSON.stringify(header.linkname)})`);
			}
		}
		if (type === 'char' || type === 'block') {
			entry.devMajor = header.devmajor ?? 0;
			entry.devMinor = header.devminor ?? 0;
		}
		const index = this.entries.add(entry);
		const entries = this.entries;
		if (type !== 'file') {
			entries.setData(index, dataOffset, 0);
			return null;
		}
		// Where the bytes sit in the tar: for a sparse file, its data segments (header.size), not its expanded size.
		entries.setData(index, dataOffset, header.size ?? 0);

		const capture = captureKind(path);
		if (sparse) {
			if (capture) this.packages.note(`${path} is a sparse file: its packages are not read`);
			// The real size is only a claim: bound it before a single hole is hashed.
			if (!Number.isInteger(sparse.realSize) || sparse.realSize < 0) throw new LayerFormatError(`sparse file ${JSON.stringify(path)} declares a real size of ${sparse.realSize} bytes, which is not a file size`);
			if (this.sparseBytes + sparse.realSize > this.limits.layerBytes) {
				throw new LayerFormatError(`sparse file ${JSON.stringify(path)} declares ${sparse.realSize} bytes, more than a layer may expand to (${formatLimit(this.limits.layerBytes)}; ${LIMIT_VARIABLES.layerBytes} raises the limit)`);
			}
			this.sparseBytes += sparse.realSize;
			if (sparse.segments) {
				try {
					checkSparseMap(sparse.segments, sparse.realSize);
				} catch (error) {
					throw new LayerFormatError(`sparse file ${JSON.stringify(path)}: ${(error as Error).message}`);
				}
			}
			const hash = createHash('sha256');
			entries.setSize(index, sparse.realSize);
			this.contentSize += sparse.realSize;
			const hasher = new SparseHasher(hash, sparse.realSize, sparse.segments);
			return {
				update: chunk => hasher.update(chunk),
				finish: () => {
					hasher.finish();
					entries.setDigest(index, hash.digest());
				},
			};
		}
		const size = header.size ?? 0;
		entries.setSize(index, size);
		this.contentSize += size;
		if (size === 0) {
			// Empty files are common (markers, __init__.py); their digest is known.
			entries.setDigest(index, EMPTY_SHA256);
			// An empty database says something too (no package left).
			if (capture) this.packages.open(path, capture, 0)?.finish();
			return null;
		}
		const hash = createHash('sha256');
		const kept = capture ? this.packages.open(path, capture, size) : null;
		if (kept) {
			return {
				update: chunk => {
					hash.update(chunk);
					kept.update(chunk);
				},
				finish: () => {
					entries.setDigest(index, hash.digest());
					kept.finish();
				},
			};
		}
		return {
			update: chunk => hash.update(chunk),
			finish: () => {
				entries.setDigest(index, hash.digest());
			},
		};
	}
}

function tooLarge(maxBytes: number): LayerFormatError {
	return new LayerFormatError(`layer expands to more than ${formatLimit(maxBytes)} (the limit; ${LIMIT_VARIABLES.layerBytes} raises it)`);
}

/** Components of a normalised path ("/a/b" has 2). */
function depthOf(path: string): number {
	let depth = 0;
	for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 0x2f) depth++;
	return path === '/' ? 0 : depth;
}

function isAufsMeta(path: string): boolean {
	if (!path.includes(AUFS_META_PREFIX)) return false;
	return path.split('/').some(part => part.startsWith(AUFS_META_PREFIX) && part !== OPAQUE_MARKER);
}

function paxNumber(pax: Record<string, string> | undefined, key: string): number | undefined {
	const value = pax?.[key];
	if (value === undefined) return undefined;
	const number = Number(value);
	return Number.isFinite(number) ? number : undefined;
}

function readPaxSparse(pax: Record<string, string>): {realSize: number; segments: Array<{offset: number; length: number}> | null} {
	const major = pax['GNU.sparse.major'];
	const realSize = Number(pax['GNU.sparse.realsize'] ?? pax['GNU.sparse.size']);
	if (!Number.isFinite(realSize)) throw new LayerFormatError('sparse file has no real size');
	if (major === '1') return {realSize, segments: null};
	// 0.1 writes the map as one record; 0.0's repeated records are gathered into the same form when decoded.
	if (pax['GNU.sparse.map'] !== undefined) return {realSize, segments: parsePaxSparseMap(pax['GNU.sparse.map'])};
	throw new LayerFormatError('sparse file has no sparse map');
}
