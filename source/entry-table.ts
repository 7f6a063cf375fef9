import type {EntryType, LayerEntry} from './model.js';

/**
 * A layer's entries as columns: paths and link targets as UTF-8 in one
 * buffer each, numbers in typed arrays, sha256 digests as 32 bytes. A layer
 * of 100,000 entries is a dozen buffers, not 100,000 objects, and a worker
 * hands them over without a copy (`parts` are plain typed arrays, transferable).
 * Every entry also records where its content sits in the layer's
 * uncompressed tar (`dataOffset`, `dataSize`), so its bytes can be read back.
 */
export interface EntryTableParts {
	count: number;
	/** UTF-8 of every path, one after another; entry i is pathBytes[pathEnds[i-1]..pathEnds[i]). */
	pathBytes: Uint8Array;
	pathEnds: Uint32Array;
	/** UTF-8 of symlink and hard link targets; an entry without one has an empty slice (and hasLink unset). */
	linkBytes: Uint8Array;
	linkEnds: Uint32Array;
	types: Uint8Array;
	/** Bit 0: has a digest, bit 1: has a link target, bit 2: has device numbers, bit 3: the digest is a non-hex string (in `otherDigests`). */
	flags: Uint8Array;
	modes: Uint16Array;
	/** uid, gid, size, mtime: Float64, as tar (and PAX) numbers can exceed 32 bits or carry fractions. */
	numbers: Float64Array;
	/** Device numbers, for the few entries that have them: [index, major, minor] in index order. */
	devices: Float64Array;
	/** 32 bytes per entry: the sha256 of its content (files only). */
	digests: Uint8Array;
	/** Per entry: offset of its content in the uncompressed tar, and the bytes stored there (0 for entries without data). */
	dataOffsets: Float64Array;
	dataSizes: Float64Array;
	/** Digests that are not 64 hex digits (only hand-made models have them), by entry. */
	otherDigests: Array<[number, string]>;
}

const TYPES: EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo'];
const TYPE_CODE = new Map(TYPES.map((type, code) => [type, code]));
export const TYPE_FILE = 0;
export const TYPE_DIR = 1;
export const TYPE_HARDLINK = 3;

const HAS_DIGEST = 1;
const HAS_LINK = 2;
const HAS_DEVICE = 4;
const OTHER_DIGEST = 8;
/** Columns of `numbers`, per entry. */
const NUMBERS = 4;
const UID = 0;
const GID = 1;
const SIZE = 2;
const MTIME = 3;

const encoder = new TextEncoder();
const HEX = /^[0-9a-f]{64}$/;

export function typeOfCode(code: number): EntryType {
	return TYPES[code]!;
}

export function codeOfType(type: EntryType): number {
	return TYPE_CODE.get(type)!;
}

/**
 * Do these columns agree with their count and with each other? Tables that
 * come back from outside the process (the layer cache) are checked with
 * this before an accessor can read past a column's end.
 */
export function wellFormedParts(value: unknown): value is EntryTableParts {
	if (typeof value !== 'object' || value === null) return false;
	const parts = value as Partial<EntryTableParts>;
	const count = parts.count;
	if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return false;
	const columns: Array<[unknown, new (...args: never[]) => ArrayBufferView, number]> = [
		[parts.pathEnds, Uint32Array, count],
		[parts.linkEnds, Uint32Array, count],
		[parts.types, Uint8Array, count],
		[parts.flags, Uint8Array, count],
		[parts.modes, Uint16Array, count],
		[parts.numbers, Float64Array, count * NUMBERS],
		[parts.digests, Uint8Array, count * 32],
		[parts.dataOffsets, Float64Array, count],
		[parts.dataSizes, Float64Array, count],
	];
	if (!columns.every(([column, type, length]) => column instanceof type && (column as unknown as {length: number}).length === length)) return false;
	if (!(parts.pathBytes instanceof Uint8Array) || !(parts.linkBytes instanceof Uint8Array) || !(parts.devices instanceof Float64Array) || parts.devices.length % 3 !== 0 || !Array.isArray(parts.otherDigests)) return false;
	const last = (ends: Uint32Array) => (count === 0 ? 0 : ends[count - 1]!);
	return last(parts.pathEnds!) === parts.pathBytes.length && last(parts.linkEnds!) === parts.linkBytes.length;
}

export class EntryTable implements Iterable<LayerEntry> {
	readonly length: number;
	/** The text columns as Buffers, made once: decoding a slice then makes only its string. */
	private readonly pathText: Buffer;
	private readonly linkText: Buffer;

	constructor(readonly parts: EntryTableParts) {
		this.length = parts.count;
		this.pathText = asBuffer(parts.pathBytes);
		this.linkText = asBuffer(parts.linkBytes);
	}

	static from(entries: Iterable<LayerEntry & {dataOffset?: number; dataSize?: number}>): EntryTable {
		const builder = new EntryTableBuilder();
		for (const entry of entries) {
			const index = builder.add(entry);
			if (entry.dataOffset !== undefined) builder.setData(index, entry.dataOffset, entry.dataSize ?? 0);
		}
		return builder.finish();
	}

	/** The buffers to list as transferable when the table crosses to another thread. */
	transferList(): ArrayBuffer[] {
		const {pathBytes, pathEnds, linkBytes, linkEnds, types, flags, modes, numbers, devices, digests, dataOffsets, dataSizes} = this.parts;
		return [pathBytes, pathEnds, linkBytes, linkEnds, types, flags, modes, numbers, devices, digests, dataOffsets, dataSizes].map(array => array.buffer as ArrayBuffer);
	}

	/** The path's UTF-8 bytes as [buffer, start, end): no string is made. */
	pathRange(index: number): [Uint8Array, number, number] {
		const {pathBytes, pathEnds} = this.parts;
		return [pathBytes, index === 0 ? 0 : pathEnds[index - 1]!, pathEnds[index]!];
	}

	linkRange(index: number): [Uint8Array, number, number] {
		const {linkBytes, linkEnds} = this.parts;
		return [linkBytes, index === 0 ? 0 : linkEnds[index - 1]!, linkEnds[index]!];
	}

	pathOf(index: number): string {
		const ends = this.parts.pathEnds;
		return this.pathText.toString('utf8', index === 0 ? 0 : ends[index - 1]!, ends[index]!);
	}

	/**
	 * The entries whose path holds a match of `pattern`, an ASCII pattern without anchors, ascending: all paths
	 * searched in one pass, as latin1 (a character per byte, so no multibyte character can look like ASCII), no
	 * string made per path. A match that runs from one path into the next is none, and the search goes on at that next path.
	 */
	entriesMatching(pattern: RegExp): number[] {
		const ends = this.parts.pathEnds;
		const found: number[] = [];
		if (this.length === 0) return found;
		const text = this.pathText.toString('latin1', 0, ends[this.length - 1]!);
		const search = new RegExp(pattern.source, 'g');
		for (let match = search.exec(text); match; match = search.exec(text)) {
			// The path the match starts in: the first whose end lies past its start.
			let [low, high] = [0, this.length - 1];
			while (low < high) {
				const middle = (low + high) >>> 1;
				if (ends[middle]! <= match.index) low = middle + 1;
				else high = middle;
			}
			if (match.index + match[0].length <= ends[low]!) found.push(low);
			search.lastIndex = ends[low]!;
		}
		return found;
	}

	typeCode(index: number): number {
		return this.parts.types[index]!;
	}

	typeOf(index: number): EntryType {
		return TYPES[this.parts.types[index]!]!;
	}

	modeOf(index: number): number {
		return this.parts.modes[index]!;
	}

	uidOf(index: number): number {
		return this.parts.numbers[index * NUMBERS + UID]!;
	}

	gidOf(index: number): number {
		return this.parts.numbers[index * NUMBERS + GID]!;
	}

	sizeOf(index: number): number {
		return this.parts.numbers[index * NUMBERS + SIZE]!;
	}

	mtimeOf(index: number): number {
		return this.parts.numbers[index * NUMBERS + MTIME]!;
	}

	hasLink(index: number): boolean {
		return (this.parts.flags[index]! & HAS_LINK) !== 0;
	}

	linkTargetOf(index: number): string | undefined {
		if (!this.hasLink(index)) return undefined;
		const ends = this.parts.linkEnds;
		return this.linkText.toString('utf8', index === 0 ? 0 : ends[index - 1]!, ends[index]!);
	}

	hasDigest(index: number): boolean {
		return (this.parts.flags[index]! & HAS_DIGEST) !== 0;
	}

	/** The content's sha256 as hex, made on demand. */
	digestOf(index: number): string | undefined {
		const flags = this.parts.flags[index]!;
		if (!(flags & HAS_DIGEST)) return undefined;
		if (flags & OTHER_DIGEST) return this.otherDigest(index);
		return Buffer.from(this.parts.digests.buffer, this.parts.digests.byteOffset + index * 32, 32).toString('hex');
	}

	/** Whether two entries (of this table and another) carry the same digest, or both none; compares bytes. */
	sameDigest(index: number, other: EntryTable, otherIndex: number): boolean {
		const a = this.parts.flags[index]! & (HAS_DIGEST | OTHER_DIGEST);
		const b = other.parts.flags[otherIndex]! & (HAS_DIGEST | OTHER_DIGEST);
		if (a !== b) return false;
		if (!(a & HAS_DIGEST)) return true;
		if (a & OTHER_DIGEST) return this.digestOf(index) === other.digestOf(otherIndex);
		const x = this.parts.digests;
		const y = other.parts.digests;
		for (let i = 0; i < 32; i++) if (x[index * 32 + i] !== y[otherIndex * 32 + i]) return false;
		return true;
	}

	/** 32 bits of the digest (0 when none): a cheap first sort of equal contents before their full digests are compared. */
	digestKey(index: number): number {
		const flags = this.parts.flags[index]!;
		if (!(flags & HAS_DIGEST)) return 0;
		if (flags & OTHER_DIGEST) {
			let hash = 0;
			for (const char of this.digestOf(index)!) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
			return hash >>> 0;
		}
		const digests = this.parts.digests;
		const at = index * 32;
		return ((digests[at]! << 24) | (digests[at + 1]! << 16) | (digests[at + 2]! << 8) | digests[at + 3]!) >>> 0;
	}

	devMajorOf(index: number): number | undefined {
		return this.parts.flags[index]! & HAS_DEVICE ? this.parts.devices[this.deviceAt(index) + 1]! : undefined;
	}

	devMinorOf(index: number): number | undefined {
		return this.parts.flags[index]! & HAS_DEVICE ? this.parts.devices[this.deviceAt(index) + 2]! : undefined;
	}

	/** The non-hex digests by entry, made on first use: a table of hand-made entries may have one per entry, and a scan each would cost entries². */
	private otherDigestIndex: Map<number, string> | undefined;

	private otherDigest(index: number): string {
		this.otherDigestIndex ??= new Map(this.parts.otherDigests);
		return this.otherDigestIndex.get(index)!;
	}

	/** Where an entry's device numbers sit in `devices` (binary search: they are in index order). */
	private deviceAt(index: number): number {
		const devices = this.parts.devices;
		let low = 0;
		let high = devices.length / 3 - 1;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (devices[middle * 3]! < index) low = middle + 1;
			else high = middle;
		}
		return low * 3;
	}

	/** Where the entry's content starts in the layer's uncompressed tar. */
	dataOffsetOf(index: number): number {
		return this.parts.dataOffsets[index]!;
	}

	/** Bytes of content stored in the tar at dataOffset (for a sparse file: its data segments, not its expanded size). */
	dataSizeOf(index: number): number {
		return this.parts.dataSizes[index]!;
	}

	/** One entry as an object, made on demand (for tests, listings and the few readers that want one). */
	at(index: number): LayerEntry {
		const entry: LayerEntry = {
			path: this.pathOf(index),
			type: this.typeOf(index),
			mode: this.modeOf(index),
			uid: this.uidOf(index),
			gid: this.gidOf(index),
			size: this.sizeOf(index),
			mtime: this.mtimeOf(index),
		};
		if (this.hasLink(index)) entry.linkTarget = this.linkTargetOf(index);
		if (this.hasDigest(index)) entry.digest = this.digestOf(index);
		if (this.parts.flags[index]! & HAS_DEVICE) {
			entry.devMajor = this.devMajorOf(index);
			entry.devMinor = this.devMinorOf(index);
		}
		return entry;
	}

	*[Symbol.iterator](): Iterator<LayerEntry> {
		for (let i = 0; i < this.length; i++) yield this.at(i);
	}
}

type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/** Entries per block of a column being built. */
const BLOCK_SHIFT = 14;
const BLOCK = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK - 1;

/**
 * A column filled block by block, joined once at the end: no block is ever
 * reallocated, so building a table costs the table once plus its copy, not
 * the trail of doubled arrays a growing array leaves for the garbage collector
 * (which, in a worker thread, frees them late).
 */
class BlockColumn<T extends Column> {
	private readonly blocks: T[] = [];

	constructor(
		private readonly make: (length: number) => T,
		private readonly per = 1,
	) {}

	set(index: number, value: number, field = 0): void {
		this.block(index)[(index & BLOCK_MASK) * this.per + field] = value;
	}

	or(index: number, bits: number): void {
		this.block(index)[(index & BLOCK_MASK) * this.per] |= bits;
	}

	setBytes(index: number, bytes: Uint8Array): void {
		(this.block(index) as Uint8Array).set(bytes, (index & BLOCK_MASK) * this.per);
	}

	finish(count: number): T {
		const joined = this.make(count * this.per);
		for (let b = 0; b < this.blocks.length; b++) {
			const entries = Math.min(BLOCK, count - b * BLOCK);
			if (entries <= 0) break;
			joined.set(this.blocks[b]!.subarray(0, entries * this.per), b * BLOCK * this.per);
		}
		return joined;
	}

	private block(index: number): T {
		const b = index >>> BLOCK_SHIFT;
		const first = this.blocks[0];
		// The first block starts small and doubles up to a whole block (most layers are small); later ones are whole.
		if (b === 0 && first && first.length > (index & BLOCK_MASK) * this.per) return first;
		if (!first || first.length < BLOCK * this.per) {
			const length = b > 0 ? BLOCK : Math.min(BLOCK, Math.max(64, ((first?.length ?? 0) / this.per) * 2, index + 1));
			const grown = this.make(length * this.per);
			if (first) grown.set(first);
			this.blocks[0] = grown;
		}
		while (this.blocks.length <= b) this.blocks.push(this.make(BLOCK * this.per));
		return this.blocks[b]!;
	}
}

/** UTF-8 text appended in blocks of 1 MB (or one of its own, for a longer text), joined at the end. */
class TextColumn {
	private readonly blocks: Array<{bytes: Uint8Array; used: number}> = [];
	private total = 0;

	/** Appends the text; returns the end offset of everything appended so far. */
	append(text: string): number {
		// UTF-8 takes at most 3 bytes per UTF-16 unit.
		let last = this.blocks.at(-1);
		if (!last || last.bytes.length - last.used < text.length * 3) {
			// Blocks grow with what came before (4 kB, then up to 1 MB): a small layer stays small, none is copied twice.
			last = {bytes: new Uint8Array(Math.max(Math.min(1 << 20, Math.max(4096, this.total)), text.length * 3)), used: 0};
			this.blocks.push(last);
		}
		const written = encoder.encodeInto(text, last.bytes.subarray(last.used)).written;
		last.used += written;
		this.total += written;
		return this.total;
	}

	finish(): Uint8Array {
		const joined = new Uint8Array(this.total);
		let at = 0;
		for (const {bytes, used} of this.blocks) {
			joined.set(bytes.subarray(0, used), at);
			at += used;
		}
		return joined;
	}
}

/** Builds a table entry by entry. */
export class EntryTableBuilder {
	private count = 0;
	private readonly paths = new TextColumn();
	private readonly links = new TextColumn();
	private linkEnd = 0;
	private readonly pathEnds = new BlockColumn(n => new Uint32Array(n));
	private readonly linkEnds = new BlockColumn(n => new Uint32Array(n));
	private readonly types = new BlockColumn(n => new Uint8Array(n));
	private readonly flags = new BlockColumn(n => new Uint8Array(n));
	private readonly modes = new BlockColumn(n => new Uint16Array(n));
	private readonly numbers = new BlockColumn(n => new Float64Array(n), NUMBERS);
	private readonly digests = new BlockColumn(n => new Uint8Array(n), 32);
	private readonly dataOffsets = new BlockColumn(n => new Float64Array(n));
	private readonly dataSizes = new BlockColumn(n => new Float64Array(n));
	private readonly otherDigests: Array<[number, string]> = [];
	private readonly devices: number[] = [];

	get length(): number {
		return this.count;
	}

	/** Adds an entry (its digest may come later, with setDigest); returns its index. */
	add(entry: LayerEntry): number {
		const index = this.count++;
		this.pathEnds.set(index, this.paths.append(entry.path));
		let flags = 0;
		if (entry.linkTarget !== undefined) {
			flags |= HAS_LINK;
			this.linkEnd = this.links.append(entry.linkTarget);
		}
		this.linkEnds.set(index, this.linkEnd);
		this.types.set(index, codeOfType(entry.type));
		this.modes.set(index, entry.mode);
		this.numbers.set(index, entry.uid, UID);
		this.numbers.set(index, entry.gid, GID);
		this.numbers.set(index, entry.size, SIZE);
		this.numbers.set(index, entry.mtime, MTIME);
		if (entry.devMajor !== undefined || entry.devMinor !== undefined) {
			flags |= HAS_DEVICE;
			this.devices.push(index, entry.devMajor ?? 0, entry.devMinor ?? 0);
		}
		this.flags.set(index, flags);
		if (entry.digest !== undefined) this.setDigest(index, entry.digest);
		return index;
	}

	setSize(index: number, size: number): void {
		this.numbers.set(index, size, SIZE);
	}

	setData(index: number, offset: number, size: number): void {
		this.dataOffsets.set(index, offset);
		this.dataSizes.set(index, size);
	}

	/** A digest as hex (64 digits are kept as 32 bytes) or as raw bytes. */
	setDigest(index: number, digest: string | Uint8Array): void {
		this.flags.or(index, HAS_DIGEST);
		if (typeof digest !== 'string') {
			this.digests.setBytes(index, digest);
			return;
		}
		if (HEX.test(digest)) {
			this.digests.setBytes(index, Buffer.from(digest, 'hex'));
			return;
		}
		this.flags.or(index, OTHER_DIGEST);
		this.otherDigests.push([index, digest]);
	}

	finish(): EntryTable {
		const n = this.count;
		return new EntryTable({
			count: n,
			pathBytes: this.paths.finish(),
			pathEnds: this.pathEnds.finish(n),
			linkBytes: this.links.finish(),
			linkEnds: this.linkEnds.finish(n),
			types: this.types.finish(n),
			flags: this.flags.finish(n),
			modes: this.modes.finish(n),
			numbers: this.numbers.finish(n),
			devices: Float64Array.from(this.devices),
			digests: this.digests.finish(n),
			dataOffsets: this.dataOffsets.finish(n),
			dataSizes: this.dataSizes.finish(n),
			otherDigests: this.otherDigests,
		});
	}
}

/** A Buffer over the same bytes (no copy), to decode slices of. */
export function asBuffer(bytes: Uint8Array): Buffer {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
