import {createHash, randomBytes} from 'node:crypto';
import {closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes} from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import type {LayerReadResult} from '../layer/read-layer.js';
import {CACHE_FORMAT_VERSION, decodeLayer, encodeLayer} from './layer-codec.js';

/**
 * Layers already read, by diff_id: a layer's changeset is a pure function of
 * its uncompressed bytes, which the diff_id names. One file per layer in
 * `layers-v<format version>/`, named for the diff_id:
 *
 *   "LSLAYER\n"  u32 format version  u32 key length  key (the diff_id)
 *   u64 payload length  zeros to a multiple of 8  payload (layer-codec)  CRC-32 of everything before it
 *
 * Every entry is checked before it is used (size, checksum, version, key, and
 * the diff_id inside): a damaged, truncated, other-version or misplaced entry
 * is a miss, and the run that reads the layer again writes it anew. Writes go
 * to a temporary file renamed into place, so a reader (another run on the
 * same directory) sees a whole entry or none. A cache that cannot be written
 * (read-only, full, missing) turns itself off with one warning: it never
 * fails a run.
 */
export class LayerCache {
	private warned = false;
	private writable = true;
	private wrote = false;
	private readonly pending = new Set<Promise<void>>();
	readonly stats = {hits: 0, misses: 0, rejected: 0, written: 0};

	constructor(
		readonly directory: string,
		readonly maxBytes: number,
		private readonly onWarning: (line: string) => void = () => {},
	) {}

	private get entries(): string {
		return path.join(this.directory, entriesDirectory(CACHE_FORMAT_VERSION));
	}

	/** The cached read of the layer `diffId` names, or null: absent, unreadable, or not trustworthy. */
	async get(diffId: string): Promise<LayerReadResult | null> {
		const file = entryFile(this.entries, diffId);
		return file ? this.lookUp(file, bytes => parseEntry(bytes, diffId)) : null;
	}

	/**
	 * Whether an entry for the diff_id looks whole from its head (its first bytes read, and its size): this
	 * version's, under this key, as long as it says. Only its checksum, which get checks, can still refuse it.
	 */
	holds(diffId: string): boolean {
		const file = entryFile(this.entries, diffId);
		if (!file) return false;
		let descriptor: number | undefined;
		try {
			descriptor = openSync(file, 'r');
			const head = Buffer.alloc(HEAD_BYTES);
			const read = readSync(descriptor, head, 0, HEAD_BYTES, 0);
			return entryHead(head.subarray(0, read), fstatSync(descriptor).size, MAGIC, CACHE_FORMAT_VERSION)?.key === diffId;
		} catch {
			return false;
		} finally {
			if (descriptor !== undefined) closeSync(descriptor);
		}
	}

	/** Stores a verified read (the caller's promise); failures turn writing off, with one warning. */
	put(result: LayerReadResult): void {
		const file = entryFile(this.entries, result.diffId);
		if (file) this.store(file, () => buildEntry(result));
	}

	/** What an analysis derived, under its key ("sha256:…", see analysis-cache.ts): the payload, or null as `get` would give. */
	getAnalysis(key: string): Promise<Buffer | null> {
		return this.getDerived(ANALYSIS_MAGIC, key);
	}

	putAnalysis(key: string, payload: Uint8Array): void {
		this.putDerived(ANALYSIS_MAGIC, key, payload);
	}

	/** A kept stack (stack-cache.ts), under its key, beside the analyses (it is one more thing derived from layers): the payload, or null. */
	getStack(key: string): Promise<Buffer | null> {
		return this.getDerived(STACK_MAGIC, key);
	}

	putStack(key: string, payload: Uint8Array): void {
		this.putDerived(STACK_MAGIC, key, payload);
	}

	/** A kept builder state (builder-cache.ts), under its key, beside the stacks: the payload, or null. */
	getBuilder(key: string): Promise<Buffer | null> {
		return this.getDerived(BUILDER_MAGIC, key);
	}

	/** `payload` comes in parts (out-of-line.ts), written one after the other as they are; made only if the cache is written. */
	putBuilder(key: string, payload: () => readonly Uint8Array[]): void {
		this.putDerived(BUILDER_MAGIC, key, payload);
	}

	/**
	 * A builder state written before this returns: the builder goes on
	 * stacking, which changes the arrays its parts are (out-of-line.ts), and
	 * copying them instead would cost their size in memory. A few tens of
	 * milliseconds of the main thread, while the workers go on reading.
	 */
	putBuilderNow(key: string, payload: () => readonly Uint8Array[]): void {
		const file = this.derivedFile(key);
		const parts = file && this.entryParts(() => frameParts(BUILDER_MAGIC, ANALYSIS_FORMAT_VERSION, key, payload()));
		if (!file || !parts) return;
		const temporary = temporaryBeside(file);
		try {
			mkdirSync(path.dirname(file), {recursive: true});
			const descriptor = openSync(temporary, 'wx', 0o644);
			try {
				for (const part of parts) for (let done = 0; done < part.length; ) done += writeSync(descriptor, part, done);
			} finally {
				closeSync(descriptor);
			}
			renameSync(temporary, file);
			this.wrote = true;
			this.stats.written++;
		} catch (error) {
			try {
				unlinkSync(temporary);
			} catch {
				// Never made, or its directory is not one: nothing to remove.
			}
			this.disable(error as NodeJS.ErrnoException);
		}
	}

	/** Entries derived from layers live in one directory, told apart by their magic (and their keys, which name what they are). */
	private async getDerived(magic: Buffer, key: string): Promise<Buffer | null> {
		const file = this.derivedFile(key);
		return file ? this.lookUp(file, bytes => unframeEntry(bytes, magic, ANALYSIS_FORMAT_VERSION, key)) : null;
	}

	private putDerived(magic: Buffer, key: string, payload: Uint8Array | (() => readonly Uint8Array[])): void {
		const file = this.derivedFile(key);
		if (file) this.store(file, () => frameParts(magic, ANALYSIS_FORMAT_VERSION, key, payload instanceof Uint8Array ? [payload] : payload()));
	}

	private derivedFile(key: string): string | null {
		return entryFile(path.join(this.directory, analysesDirectory(ANALYSIS_FORMAT_VERSION)), key);
	}

	/** An entry file, checked by `parse`, counted, and touched when it is used. */
	private async lookUp<T>(file: string, parse: (bytes: Buffer) => T | null): Promise<T | null> {
		let bytes: Buffer;
		try {
			bytes = await readFile(file);
		} catch {
			this.stats.misses++;
			return null;
		}
		const result = parse(bytes);
		if (result === null) {
			this.stats.rejected++;
			return null;
		}
		this.stats.hits++;
		// Least recently used goes first: a hit is a use. A read-only cache simply keeps its order.
		const now = new Date();
		this.track(utimes(file, now, now).catch(() => {}));
		return result;
	}

	private store(file: string, build: () => Buffer | readonly Uint8Array[]): void {
		const parts = this.entryParts(build);
		if (parts) this.track(this.write(file, parts));
	}

	/** An entry's bytes, or null when none is to be written: the cache is not written, the entry is larger than it, or making it failed (a cache never fails a run). */
	private entryParts(build: () => Buffer | readonly Uint8Array[]): readonly Uint8Array[] | null {
		if (!this.writable) return null;
		let built: Buffer | readonly Uint8Array[];
		try {
			built = build();
		} catch {
			return null;
		}
		const parts = built instanceof Uint8Array ? [built] : built;
		// An entry larger than the whole cache would only push everything else out, itself last.
		return parts.reduce((sum, part) => sum + part.length, 0) > this.maxBytes ? null : parts;
	}

	/** Waits for this run's writes, then keeps the cache within its bound. */
	async finish(): Promise<void> {
		while (this.pending.size > 0) await Promise.all(this.pending);
		if (this.wrote) await evict(this.directory, this.maxBytes).catch(() => {});
	}

	private track(work: Promise<void>): void {
		this.pending.add(work);
		void work.finally(() => this.pending.delete(work));
	}

	private async write(file: string, parts: readonly Uint8Array[]): Promise<void> {
		const temporary = temporaryBeside(file);
		try {
			await mkdir(path.dirname(file), {recursive: true});
			const handle = await open(temporary, 'wx', 0o644);
			try {
				// Each part from where the last one ended.
				for (const part of parts) await handle.writeFile(part);
			} finally {
				await handle.close();
			}
			await rename(temporary, file);
			this.wrote = true;
			this.stats.written++;
		} catch (error) {
			await unlink(temporary).catch(() => {});
			this.disable(error as NodeJS.ErrnoException);
		}
	}

	private disable(error: NodeJS.ErrnoException): void {
		this.writable = false;
		if (this.warned) return;
		this.warned = true;
		this.onWarning(`warning: layer cache ${this.directory} cannot be written (${error.code ?? error.message}); this run goes on without storing layers in it`);
	}
}

/** A name for an entry being written, beside where it goes (renamed there when whole). */
function temporaryBeside(file: string): string {
	return path.join(path.dirname(file), `${TEMPORARY_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

const MAGIC = Buffer.from('LSLAYER\n');
const ANALYSIS_MAGIC = Buffer.from('LSFACTS\n');
const STACK_MAGIC = Buffer.from('LSSTACK\n');
const BUILDER_MAGIC = Buffer.from('LSBUILD\n');
/** The analysis entries' own version: bump it when what analysis-cache.ts stores changes shape (a change of the code is in the key). */
export const ANALYSIS_FORMAT_VERSION = 4;
const CHECKSUM_BYTES = 4;
/** What holds reads of an entry: its head, a diff_id's key and all (longer keys are not diff_ids). */
const HEAD_BYTES = 256;
export const TEMPORARY_PREFIX = '.tmp-';
/** A temporary file this old was left by a run that died: nobody will rename it any more. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;
/** Layers' entries, and analyses' (what an analysis derived from its layers), each kind by its format version. */
const ENTRIES_DIRECTORY = /^(layers|analyses)-v(\d+)$/;

function entriesDirectory(version: number): string {
	return `layers-v${version}`;
}

function analysesDirectory(version: number): string {
	return `analyses-v${version}`;
}

/** Where the cache in `directory` keeps the entry for `diffId` (null: a diff_id the cache does not keep). */
export function entryPath(directory: string, diffId: string): string | null {
	return entryFile(path.join(directory, entriesDirectory(CACHE_FORMAT_VERSION)), diffId);
}

/** The file for a diff_id: "sha256-<hex>"; anything that is not a plain digest has no entry (and names no path). */
function entryFile(directory: string, diffId: string): string | null {
	const match = /^(sha256):([a-f0-9]{64})$/.exec(diffId);
	return match ? path.join(directory, `${match[1]}-${match[2]}`) : null;
}

export function buildEntry(result: LayerReadResult, version = CACHE_FORMAT_VERSION): Buffer {
	return frameEntry(MAGIC, version, result.diffId, encodeLayer(result));
}

/** The entry's layer, if every check passes: whole, undamaged, this version, this key, this layer. */
export function parseEntry(bytes: Buffer, diffId: string): LayerReadResult | null {
	const payload = unframeEntry(bytes, MAGIC, CACHE_FORMAT_VERSION, diffId);
	if (!payload) return null;
	const result = decodeLayer(payload);
	return result && result.diffId === diffId ? result : null;
}

/** magic, u32 version, u32 key length, key, u64 payload length, zeros to a multiple of 8, payload, CRC-32 of everything before it. */
export function frameEntry(magic: Buffer, version: number, keyText: string, payload: Uint8Array): Buffer {
	return Buffer.concat(frameParts(magic, version, keyText, [payload]));
}

/** frameEntry's bytes as parts: the head, the payload's own parts (not copied), the checksum. */
export function frameParts(magic: Buffer, version: number, keyText: string, payload: readonly Uint8Array[]): Uint8Array[] {
	const length = payload.reduce((sum, part) => sum + part.length, 0);
	const key = Buffer.from(keyText, 'utf8');
	const head = Buffer.alloc(payloadOffset(magic.length + 8 + key.length));
	magic.copy(head, 0);
	head.writeUInt32BE(version, magic.length);
	head.writeUInt32BE(key.length, magic.length + 4);
	key.copy(head, magic.length + 8);
	head.writeBigUInt64BE(BigInt(length), magic.length + 8 + key.length);
	return [head, ...payload, checksum([head, ...payload])];
}

/**
 * What an entry's last 4 bytes hold: a CRC-32 of everything before them (zlib's, 4 GB/s here against
 * sha256's 1.5: a next build reads 80 MB of entries). It is there to catch a damaged or cut-off file, which
 * CRC-32 does (any burst of up to 32 bits, else all but one in 2^32); no checksum stored beside the data could
 * stop someone who can write the cache, so a cryptographic one bought nothing. Node before 20.15 has no
 * zlib.crc32: there it is sha256's first 4 bytes, and entries written by the other kind are misses, rewritten.
 */
function checksum(parts: readonly Uint8Array[]): Buffer {
	const value = Buffer.alloc(CHECKSUM_BYTES);
	if (typeof zlib.crc32 === 'function') {
		let crc = 0;
		// Empty parts skipped: over an empty ArrayBuffer zlib is handed no pointer, and crc32(crc, NULL, 0) is 0, not crc.
		for (const part of parts) if (part.byteLength > 0) crc = zlib.crc32(part, crc);
		value.writeUInt32BE(crc >>> 0);
		return value;
	}
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	hash.digest().copy(value, 0, 0, CHECKSUM_BYTES);
	return value;
}

/**
 * Where the payload starts after a head of `fixed` bytes and the u64 of its length: at a multiple of 8 of
 * the file, so that a payload's typed arrays (out-of-line.ts aligns them within it) are aligned in the
 * buffer the file is read into, and are taken up there instead of copied out.
 */
function payloadOffset(fixed: number): number {
	return Math.ceil((fixed + 8) / 8) * 8;
}

/** The payload of an entry that is whole, undamaged, of this kind and version, and for this key; else null. */
export function unframeEntry(bytes: Buffer, magic: Buffer, version: number, expectedKey: string): Buffer | null {
	const head = entryHead(bytes, bytes.length, magic, version);
	if (!head) return null;
	const end = bytes.length - CHECKSUM_BYTES;
	if (!checksum([bytes.subarray(0, end)]).equals(bytes.subarray(end))) return null;
	// Another entry under this name (copied, or renamed by hand) is whole but not this one.
	if (head.key !== expectedKey) return null;
	return bytes.subarray(head.payloadStart, end);
}

/**
 * An entry's head, read from its first bytes (`bytes`, of a file of `size` bytes): its key and where its
 * payload starts, or null when it is not one this version wrote or its length is not the file's (truncated,
 * or longer than it says: either way not the file that was written).
 */
function entryHead(bytes: Buffer, size: number, magic: Buffer, version: number): {key: string; payloadStart: number} | null {
	const fixed = magic.length + 8;
	if (bytes.length < fixed || size < fixed + 8 + CHECKSUM_BYTES || !bytes.subarray(0, magic.length).equals(magic)) return null;
	if (bytes.readUInt32BE(magic.length) !== version) return null;
	const keyLength = bytes.readUInt32BE(magic.length + 4);
	const payloadStart = payloadOffset(fixed + keyLength);
	if (payloadStart > bytes.length || payloadStart + CHECKSUM_BYTES > size || bytes.subarray(fixed + keyLength + 8, payloadStart).some(byte => byte !== 0)) return null;
	const payloadLength = bytes.readBigUInt64BE(fixed + keyLength);
	if (BigInt(size) !== BigInt(payloadStart + CHECKSUM_BYTES) + payloadLength) return null;
	return {key: bytes.subarray(fixed, fixed + keyLength).toString('utf8'), payloadStart};
}

export interface CacheInfo {
	directory: string;
	maxBytes: number;
	formatVersion: number;
	/** Layer entries of this format version. */
	entries: number;
	bytes: number;
	/** Analysis entries of their format version. */
	analyses: number;
	analysisBytes: number;
	/** Entries other versions of layerscope wrote (they age out with the rest). */
	otherVersionEntries: number;
	otherVersionBytes: number;
}

interface EntryFile {
	file: string;
	size: number;
	mtimeMs: number;
	kind: 'layers' | 'analyses';
	version: number;
}

/** Every entry file in the cache, of every format version; temporary files apart. A missing cache holds none. */
async function listEntries(directory: string): Promise<{entries: EntryFile[]; temporaries: EntryFile[]}> {
	const entries: EntryFile[] = [];
	const temporaries: EntryFile[] = [];
	const top = await readdir(directory, {withFileTypes: true}).catch(() => []);
	for (const sub of top) {
		const version = ENTRIES_DIRECTORY.exec(sub.name);
		if (!version || !sub.isDirectory()) continue;
		const inside = path.join(directory, sub.name);
		for (const name of await readdir(inside).catch(() => [] as string[])) {
			const file = path.join(inside, name);
			const info = await stat(file).catch(() => null);
			if (!info?.isFile()) continue;
			(name.startsWith(TEMPORARY_PREFIX) ? temporaries : entries).push({file, size: info.size, mtimeMs: info.mtimeMs, kind: version[1] as EntryFile['kind'], version: Number(version[2])});
		}
	}
	return {entries, temporaries};
}

/** Least recently used out first until the cache is within `maxBytes`; runs that died leave temporaries, cleared here. */
export async function evict(directory: string, maxBytes: number, now = Date.now()): Promise<void> {
	const {entries, temporaries} = await listEntries(directory);
	for (const temporary of temporaries) if (now - temporary.mtimeMs > STALE_TEMPORARY_MS) await unlink(temporary.file).catch(() => {});
	let total = entries.reduce((sum, entry) => sum + entry.size, 0);
	entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
	for (const entry of entries) {
		if (total <= maxBytes) break;
		// Another run may have removed it first: it is gone either way.
		await unlink(entry.file).catch(() => {});
		total -= entry.size;
	}
}

export async function cacheInfo(directory: string, maxBytes: number): Promise<CacheInfo> {
	const {entries} = await listEntries(directory);
	const isCurrent = (entry: EntryFile) => entry.version === (entry.kind === 'layers' ? CACHE_FORMAT_VERSION : ANALYSIS_FORMAT_VERSION);
	const layers = entries.filter(entry => entry.kind === 'layers' && isCurrent(entry));
	const analyses = entries.filter(entry => entry.kind === 'analyses' && isCurrent(entry));
	const other = entries.filter(entry => !isCurrent(entry));
	const sum = (list: EntryFile[]) => list.reduce((total, entry) => total + entry.size, 0);
	return {directory, maxBytes, formatVersion: CACHE_FORMAT_VERSION, entries: layers.length, bytes: sum(layers), analyses: analyses.length, analysisBytes: sum(analyses), otherVersionEntries: other.length, otherVersionBytes: sum(other)};
}

/** Removes what layerscope put in the cache (every version's entries), and nothing else the directory may hold. */
export async function clearCache(directory: string): Promise<{entries: number; analyses: number; bytes: number}> {
	const {entries, temporaries} = await listEntries(directory);
	let bytes = 0;
	for (const entry of [...entries, ...temporaries]) {
		await rm(entry.file, {force: true});
		bytes += entry.size;
	}
	const top = await readdir(directory).catch(() => [] as string[]);
	// Emptied, the version directories go too; one that still holds something not ours stays.
	for (const name of top.filter(name => ENTRIES_DIRECTORY.test(name))) await rmdir(path.join(directory, name)).catch(() => {});
	const analyses = entries.filter(entry => entry.kind === 'analyses').length;
	return {entries: entries.length - analyses, analyses, bytes};
}
