import {createReadStream} from 'node:fs';
import {open} from 'node:fs/promises';

/** Bytes start..end (inclusive) of a file: a whole blob file, or a blob inside a tar archive. */
export interface FileRange {
	file: string;
	start: number;
	end: number;
}

/** Large reads: per-chunk overhead downstream is per chunk, not per byte. */
const READ_SIZE = 1024 * 1024;

export function openRange(range: FileRange): AsyncIterable<Uint8Array> {
	if (range.end < range.start) return (async function* () {})();
	return createReadStream(range.file, {start: range.start, end: range.end, highWaterMark: READ_SIZE});
}

/** Marks a source whose chunks are valid only until the next-but-one is asked for (see openRangeReusing). */
export const REUSES_BUFFERS = Symbol.for('layerscope.reusesBuffers');

/**
 * The same bytes, read into two buffers taken in turn: a layer read this way
 * leaves no 1 MB chunk per megabyte for the garbage collector, which frees
 * dead buffers late (V8 waits for 64 MB of them, per thread). A chunk is
 * overwritten two reads later, so a consumer may keep at most the previous
 * chunk while it works on the current one; readLayer copies what it must keep
 * longer (the input of a decompressor, a header cut by a chunk boundary).
 */
export function openRangeReusing(range: FileRange): AsyncIterable<Uint8Array> {
	const chunks = (async function* () {
		if (range.end < range.start) return;
		const file = await open(range.file, 'r');
		try {
			const buffers = [Buffer.allocUnsafeSlow(READ_SIZE), Buffer.allocUnsafeSlow(READ_SIZE)];
			let turn = 0;
			for (let position = range.start; position <= range.end; ) {
				const buffer = buffers[turn]!;
				turn ^= 1;
				const {bytesRead} = await file.read(buffer, 0, Math.min(READ_SIZE, range.end - position + 1), position);
				if (bytesRead === 0) return; // the file is shorter than its index said: the tar walk reports the truncation
				position += bytesRead;
				yield buffer.subarray(0, bytesRead);
			}
		} finally {
			await file.close();
		}
	})();
	return Object.assign(chunks, {[REUSES_BUFFERS]: true});
}
