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
	/** PAX 1.0: the map is read from the data before the segments. */
	private mapText = '';
	private mapBytesSeen = 0;

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

	/** PAX 1.0: "N\noffset\nlength\n..." padded with NULs to a 512-byte boundary. */
	private consumeMap(chunk: Buffer): Buffer {
		let i = 0;
		while (i < chunk.length && this.segments === null) {
			this.mapText += String.fromCharCode(chunk[i]!);
			this.mapBytesSeen++;
			i++;
			if (this.mapBytesSeen % 512 === 0) this.tryParseMap();
		}
		return chunk.subarray(i);
	}

	private tryParseMap(): void {
		const lines = this.mapText.replace(/\0+$/, '').split('\n');
		const count = Number.parseInt(lines[0] ?? '', 10);
		if (!Number.isFinite(count)) throw new Error('sparse map is unreadable');
		if (lines.length - 1 < count * 2 + 1) return; // map continues in the next block
		const segments: SparseSegment[] = [];
		for (let k = 0; k < count; k++) {
			segments.push({offset: Number(lines[1 + 2 * k]), length: Number(lines[2 + 2 * k])});
		}
		if (segments.some(s => !Number.isFinite(s.offset) || !Number.isFinite(s.length))) {
			throw new Error('sparse map is unreadable');
		}
		this.segments = segments;
	}
}

/** PAX 0.1: "GNU.sparse.map" = "offset,length,offset,length,...". */
export function parsePaxSparseMap(map: string): SparseSegment[] {
	const numbers = map.split(',').filter(Boolean).map(Number);
	if (numbers.length % 2 !== 0 || numbers.some(n => !Number.isFinite(n))) throw new Error('sparse map is unreadable');
	const segments: SparseSegment[] = [];
	for (let i = 0; i < numbers.length; i += 2) segments.push({offset: numbers[i]!, length: numbers[i + 1]!});
	return segments;
}
