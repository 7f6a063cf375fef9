import type {Hash} from 'node:crypto';

/**
 * Sparse files store only their data segments; a runtime expands the holes to
 * zeros, so the content digest must hash the expanded file. The map comes
 * from the old-GNU header, from PAX 0.1 records, or (PAX 1.0) from decimal
 * lines at the start of the entry's data.
 */
export interface SparseSegment {
	offset: number;
	length: number;
}

const ZEROS = Buffer.alloc(64 * 1024);

/** Hashes a sparse entry as the file it stands for: its expansion (SparseExpander), holes hashed as zeros. */
export class SparseHasher {
	private readonly expander: SparseExpander;

	/** `realSize` and the segments must be within bounds already (see checkSparseMap). */
	constructor(
		private readonly hash: Hash,
		realSize: number,
		segments: SparseSegment[] | null,
	) {
		this.expander = new SparseExpander(realSize, segments);
	}

	update(chunk: Buffer): void {
		this.expander.update(chunk, this.hashPiece);
	}

	finish(): void {
		this.expander.finish(this.hashPiece);
	}

	private readonly hashPiece = (piece: Piece): void => {
		if (typeof piece !== 'number') return void this.hash.update(piece);
		for (let left = piece; left > 0; left -= ZEROS.length) this.hash.update(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
	};
}

/** A piece of a file's content: bytes, or a run of that many zeros (a hole, never made as a buffer here). */
export type Piece = Buffer | number;

/**
 * Turns a sparse entry's stored data back into the file: its data segments
 * at their offsets, holes as zero runs (pieces, so a hole of gigabytes costs
 * a number, not a buffer). The load checked the same map (read-layer.ts);
 * this reads it again from the same headers.
 */
export class SparseExpander {
	private segment = 0;
	private inSegment = 0;
	private position = 0;
	// PAX 1.0: decimal lines "count\noffset\nlength\n…" padded to a 512-byte block, before the segments.
	private mapBytes = 0;
	private numbers: number[] = [];
	private count = -1;
	private digits = 0;
	private value = 0;
	private mapRead = false;

	constructor(
		private readonly realSize: number,
		private segments: SparseSegment[] | null,
	) {}

	update(chunk: Buffer, push: (piece: Piece) => void): void {
		let data = chunk;
		if (this.segments === null) {
			data = this.readMap(data);
			if (this.segments === null) return;
		}
		while (data.length > 0) {
			const segment = this.segments[this.segment];
			if (!segment) throw new Error('sparse file has more data than its map describes');
			if (this.inSegment === 0) this.zeros(segment.offset, push);
			const take = Math.min(segment.length - this.inSegment, data.length);
			if (take > 0) push(data.subarray(0, take));
			this.position += take;
			this.inSegment += take;
			data = data.subarray(take);
			if (this.inSegment === segment.length) {
				this.segment++;
				this.inSegment = 0;
			}
		}
	}

	finish(push: (piece: Piece) => void): void {
		if (this.segments === null) throw new Error('sparse file ends inside its map');
		// A finished segment moves `segment` on: what is left must be empty (the usual trailing zero-length one).
		for (let k = this.segment; k < this.segments.length; k++) if (this.segments[k]!.length > 0) throw new Error('sparse file ends before its map says');
		this.zeros(this.realSize, push);
	}

	private zeros(until: number, push: (piece: Piece) => void): void {
		if (until < this.position) throw new Error('sparse map is not in ascending order');
		if (until > this.position) push(until - this.position);
		this.position = until;
	}

	private readMap(chunk: Buffer): Buffer {
		let i = 0;
		while (i < chunk.length) {
			if (this.mapRead) {
				const take = Math.min((512 - (this.mapBytes % 512)) % 512, chunk.length - i);
				i += take;
				this.mapBytes += take;
				if (this.mapBytes % 512 === 0) return this.closeMap(chunk.subarray(i));
				continue;
			}
			const byte = chunk[i++]!;
			this.mapBytes++;
			if (byte >= 0x30 && byte <= 0x39 && this.digits < 16) {
				this.value = this.value * 10 + (byte - 0x30);
				this.digits++;
				continue;
			}
			if (byte !== 0x0a || this.digits === 0) throw new Error('sparse map is unreadable');
			if (this.count === -1) this.count = this.value;
			else this.numbers.push(this.value);
			this.value = this.digits = 0;
			if (this.numbers.length === this.count * 2) this.mapRead = true;
		}
		return this.mapRead && this.mapBytes % 512 === 0 ? this.closeMap(chunk.subarray(i)) : chunk.subarray(i);
	}

	private closeMap(rest: Buffer): Buffer {
		const segments: SparseSegment[] = [];
		for (let k = 0; k < this.numbers.length; k += 2) segments.push({offset: this.numbers[k]!, length: this.numbers[k + 1]!});
		this.segments = checkSparseMap(segments, this.realSize);
		return rest;
	}
}

/**
 * A sparse map a reader can trust: whole numbers, segments in ascending
 * order that end within the real size. Checked before any hole is hashed.
 */
export function checkSparseMap(segments: SparseSegment[], realSize: number): SparseSegment[] {
	let end = 0;
	for (const {offset, length} of segments) {
		if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) throw new Error('sparse map is unreadable');
		if (offset < end) throw new Error('sparse map is not in ascending order');
		end = offset + length;
		if (end > realSize) throw new Error(`sparse map reaches past the file's real size (${realSize} bytes)`);
	}
	return segments;
}

/** PAX 0.1: "GNU.sparse.map" = "offset,length,offset,length,...". */
export function parsePaxSparseMap(map: string): SparseSegment[] {
	const numbers = map.split(',').filter(Boolean).map(Number);
	if (numbers.length % 2 !== 0 || numbers.some(n => !Number.isFinite(n))) throw new Error('sparse map is unreadable');
	const segments: SparseSegment[] = [];
	for (let i = 0; i < numbers.length; i += 2) segments.push({offset: numbers[i]!, length: numbers[i + 1]!});
	return segments;
}
