import {Writable} from 'node:stream';
import type {Image} from '../model.js';
import {copyFileContent} from './file-content.js';
import type {FoundFile} from './find-file.js';
import type {LayerSource} from './layer-source.js';

export interface ReadContentOptions {
	/** At most this many bytes are kept (and, for a layer verified in this run, read). */
	limit: number;
	/** false (--no-verify): see ContentOptions. */
	verify: boolean;
}

export interface FileContent {
	/** The file's first `limit` bytes (all of them when it is not larger). */
	bytes: Buffer;
	/** The file's full size (a sparse file's as it reads, holes included). */
	size: number;
	/** Whether `bytes` is less than the file. */
	truncated: boolean;
}

/**
 * The first `limit` bytes of a stored file, in memory: what a viewer shows
 * and a diff compares. The same read as `cat`'s (writeFileContent), bounded:
 * for a layer this run verified it stops at the limit (one seek into an
 * uncompressed layer, decompression up to the limit otherwise); a layer from
 * the cache or a registry is still read and checked whole first.
 */
export async function readContent(image: Image, source: LayerSource, found: FoundFile, options: ReadContentOptions): Promise<FileContent> {
	if (!Number.isSafeInteger(options.limit) || options.limit < 0) throw new RangeError(`readContent: limit must be a whole number of bytes, not ${options.limit}`);
	const size = found.table.sizeOf(found.index);
	const collected = new Collected();
	const {complete} = await copyFileContent(image, source, found, collected, options);
	return {bytes: collected.bytes(), size, truncated: !complete};
}

/** Keeps what it is given; the bound is the caller's (copyFileContent never writes past the limit). */
class Collected extends Writable {
	private readonly chunks: Buffer[] = [];

	override _write(chunk: Buffer, _encoding: string, done: () => void): void {
		// A source may reuse its buffers (openRangeReusing): keep a copy.
		this.chunks.push(Buffer.from(chunk));
		done();
	}

	bytes(): Buffer {
		return Buffer.concat(this.chunks);
	}
}

/** How much of a file's start decides whether it is text, as git and grep look at a prefix rather than the whole. */
export const CLASSIFY_BYTES = 8 * 1024;

/**
 * 'text' when the first 8 KiB hold no NUL and are valid UTF-8, else 'binary'.
 * A NUL is what git and grep take for binary: no text encoding a terminal
 * shows uses it. Invalid UTF-8 could not be shown as the bytes it is (a
 * decoder would put U+FFFD for it, and a line diff of it would not apply
 * back to the bytes), so it is shown as bytes. A multi-byte character cut by
 * the 8 KiB boundary (or by the end of a truncated read: `truncated`) is
 * not invalid: the prefix is decoded as a stream.
 */
export function classifyContent(bytes: Uint8Array, truncated = false): 'text' | 'binary' {
	const prefix = bytes.subarray(0, CLASSIFY_BYTES);
	if (prefix.includes(0)) return 'binary';
	try {
		// A decoder of its own: one left mid-sequence by a stream decode would carry it into the next call.
		new TextDecoder('utf-8', {fatal: true}).decode(prefix, {stream: truncated || bytes.length > CLASSIFY_BYTES});
		return 'text';
	} catch {
		return 'binary';
	}
}

const HEX_WIDTH = 16;

/**
 * `hexdump -C`'s layout, one string per 16 bytes: the offset (8 hex digits,
 * more past 4 GiB), the bytes in hex in two groups of eight, and the
 * printable ASCII ones between bars (every other byte as a dot, so nothing
 * in it needs escaping). `offset` is where `bytes` stand in the file.
 */
export function hexDump(bytes: Uint8Array, offset = 0): string[] {
	const lines: string[] = [];
	for (let start = 0; start < bytes.length; start += HEX_WIDTH) {
		const row = bytes.subarray(start, start + HEX_WIDTH);
		let hex = '';
		let ascii = '';
		for (let i = 0; i < HEX_WIDTH; i++) {
			if (i === 8) hex += ' ';
			const byte = row[i];
			hex += byte === undefined ? '   ' : byte.toString(16).padStart(2, '0') + ' ';
			if (byte !== undefined) ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
		}
		lines.push(`${(offset + start).toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
	}
	return lines;
}
