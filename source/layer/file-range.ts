import {createReadStream} from 'node:fs';

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
