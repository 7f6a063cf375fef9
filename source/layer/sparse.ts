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

export class SparseHasher {
	private segments: SparseSegment[] | null;
	private segmentIndex = 0;
	private consumedInSegment = 0;
	/** Logical position in the expanded file. */
	private position = 0;
	/** PAX 1.0: the map is read from the data before the segments, number by number as its bytes pass. */
	private mapBytesSeen = 0;
	private mapNumbers: number[] = [];
	private mapCount = -1;
	private digits = 0;
	private number = 0;
	private mapComplete = false;

	/** `realSize` and the segments must be within bounds already (see checkSparseMap): holes are hashed as zeros. */
	constructor(
		private readonly hash: Hash,
		private readonly realSize: number,
		segments: SparseSegment[] | null,
	) {
		this.segments = segments;
	}

	update(chunk: Buffer): void {
		let data = chunk;
		if (this.segments === null) {
			data = this.consumeMap(data);
			if (this.segments === null) return;
		}
		while (data.length > 0) {
			const segment = this.segments[this.segmentIndex];
			if (!segment) throw new Error('sparse file has more data than its map describes');
			if (this.consumedInSegment === 0) this.zeroFill(segment.offset);
			const take = Math.min(segment.length - this.consumedInSegment, data.length);
			this.hash.update(data.subarray(0, take));
			this.position += take;
			this.consumedInSegment += take;
			data = data.subarray(take);
			if (this.consumedInSegment === segment.length) {
				this.segmentIndex++;
				this.consumedInSegment = 0;
			}
		}
	}

	finish(): void {
		if (this.segments === null) throw new Error('sparse file ends inside its map');
		// Zero-length segments (the usual trailing one) still move the position.
		while (this.segmentIndex < this.segments.length && this.segments[this.segmentIndex]!.length === 0) {
			this.zeroFill(this.segments[this.segmentIndex]!.offset);
			this.segmentIndex++;
		}
		if (this.segmentIndex < this.segments.length) throw new Error('sparse file ends before its map says');
		this.zeroFill(this.realSize);
	}

	private zeroFill(until: number): void {
		if (until < this.position) throw new Error('sparse map is not in ascending order');
		while (this.position < until) {
			const take = Math.min(ZEROS.length, until - this.position);
			this.hash.update(ZEROS.subarray(0, take));
			this.position += take;
		}
	}

	/**
	 * PAX 1.0: "N\noffset\nlength\n..." padded with NULs to a 512-byte
	 * boundary. Read in one pass, each byte once: the count N is only a
	 * claim, so nothing is sized by it.
	 */
	private consumeMap(chunk: Buffer): Buffer {
		let i = 0;
		for (;;) {
			if (this.mapComplete) {
				// The segments start at the next block boundary.
				const take = Math.min((512 - (this.mapBytesSeen % 512)) % 512, chunk.length - i);
				i += take;
				this.mapBytesSeen += take;
				if (this.mapBytesSeen % 512 === 0) {
					const segments: SparseSegment[] = [];
					for (let k = 0; k < this.mapNumbers.length; k += 2) segments.push({offset: this.mapNumbers[k]!, length: this.mapNumbers[k + 1]!});
					this.segments = checkSparseMap(segments, this.realSize);
				}
				return chunk.subarray(i);
			}
			if (i === chunk.length) return chunk.subarray(i);
			const byte = chunk[i++]!;
			this.mapBytesSeen++;
			if (byte >= 0x30 && byte <= 0x39 && this.digits < 16) {
				this.number = this.number * 10 + (byte - 0x30);
				this.digits++;
				continue;
			}
			if (byte !== 0x0a || this.digits === 0) throw new Error('sparse map is unreadable');
			if (this.mapCount === -1) this.mapCount = this.number;
			else this.mapNumbers.push(this.number);
			this.number = this.digits = 0;
			if (this.mapNumbers.length === this.mapCount * 2) this.mapComplete = true;
		}
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
