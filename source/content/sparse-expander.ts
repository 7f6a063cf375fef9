import {checkSparseMap, parsePaxSparseMap, type SparseSegment} from '../layer/sparse.js';
import {EXTRAS, type RawHeaderExtras} from '../layer/tar-headers.js';
import type {WalkedHeader} from '../layer/tar-walker.js';

/** A piece of a file's content: bytes, or a run of that many zeros (a hole, never made as a buffer here). */
export type Piece = Buffer | number;

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
