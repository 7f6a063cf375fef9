import {createGunzip, type ZlibOptions} from 'node:zlib';
import {once} from 'node:events';
import type {Readable, Transform} from 'node:stream';
import {createRequire} from 'node:module';
import type {Compression} from '../model.js';

/**
 * What the first bytes of a blob say it is. Media types lie in the wild
 * (skopeo 1.9 labels uncompressed blobs "+gzip"), so content decides.
 */
export type Sniffed = Compression | 'bzip2' | 'xz';

export function sniffCompression(head: Uint8Array): Sniffed {
	if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
	if (head.length >= 4) {
		const magic = (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0;
		if (magic === 0xfd2fb528) return 'zstd';
		// A skippable frame first (zstd:chunked metadata can lead) is still zstd.
		if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) return 'zstd';
	}
	if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
	if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
	return 'none';
}

/** Output chunks large enough that per-chunk overhead downstream stays small. */
const CHUNK_SIZE = 1024 * 1024;
/**
 * How far decompression may run ahead of the tar parser. zlib works on the
 * thread pool while the parser hashes on this thread; a small buffer would
 * make them take turns instead of overlapping.
 */
const READ_AHEAD = 8 * 1024 * 1024;

function createGunzipper(): Transform {
	// Multi-member gzip (eStargz) is handled by zlib's gunzip as one stream.
	// zlib passes stream options through to its Transform, though its types do not say so.
	return createGunzip({chunkSize: CHUNK_SIZE, highWaterMark: READ_AHEAD} as ZlibOptions);
}

/** Corrupt or truncated compressed data. */
export class DecompressError extends Error {}

/** Decompresses an iterable of chunks, keeping backpressure, and names failures as DecompressError. */
export async function* decompress(source: AsyncIterable<Uint8Array>, compression: Exclude<Compression, 'none'>): AsyncGenerator<Buffer> {
	if (compression === 'zstd') {
		yield* unzstd(source);
		return;
	}
	const decompressor = createGunzipper();
	let failure: unknown;
	const pump = (async () => {
		try {
			for await (const chunk of source) {
				if (!decompressor.write(chunk)) await once(decompressor, 'drain');
			}
			decompressor.end();
		} catch (error) {
			failure = error;
			decompressor.destroy(error as Error);
		}
	})();
	try {
		for await (const chunk of decompressor as Readable) yield chunk as Buffer;
	} catch (error) {
		throw failure ?? new DecompressError(`corrupt ${compression} data (${(error as Error).message})`);
	}
	await pump;
	if (failure) throw failure;
}

/**
 * zstd, one bounded output chunk at a time: the next chunk is made only
 * when the reader asks for it, so a few kilobytes that expand to gigabytes
 * cost one chunk of memory (zstd-napi's stream transform pushes all the
 * output of an input chunk at once, whatever its size).
 */
const YIELD_EVERY_CHUNKS = 16;

type ZstdBinding = typeof import('zstd-napi/binding.js');
let binding: ZstdBinding | undefined;

/** zstd-napi's native binding, loaded on the first zstd layer: most runs never read one, and loading it is a native addon's cost. */
function zstdBinding(): ZstdBinding {
	binding ??= createRequire(import.meta.url)('zstd-napi/binding.js') as ZstdBinding;
	return binding;
}

async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
	const zstd = zstdBinding();
	const context = new zstd.DCtx();
	// zstd:chunked and some producers use long windows; allow the format's maximum.
	context.setParameter(zstd.DParameter.windowLogMax, 31);
	let inFrame = false;
	let made = 0;
	for await (const chunk of source) {
		let input = chunk;
		for (;;) {
			const output = Buffer.allocUnsafe(CHUNK_SIZE);
			let result: [number, number, number];
			try {
				result = context.decompressStream(output, input);
			} catch (error) {
				throw new DecompressError(`corrupt zstd data (${(error as Error).message})`);
			}
			const [hint, produced, consumed] = result;
			input = input.subarray(consumed);
			inFrame = hint !== 0;
			// A chunk mostly empty is copied, so that a small piece does not hold a whole buffer.
			if (produced > 0) yield produced < CHUNK_SIZE / 4 ? Buffer.from(output.subarray(0, produced)) : output.subarray(0, produced);
			// Decompression runs on this thread: let timers and I/O in now and then, so that another layer's
			// failure (or a progress line) is not held up until a long stream ends.
			if (++made % YIELD_EVERY_CHUNKS === 0) await new Promise(resolve => setImmediate(resolve));
			// Done with this input once it is all taken and the output buffer was not filled (nothing more is pending).
			if (input.length === 0 && produced < CHUNK_SIZE) break;
		}
	}
	if (inFrame) throw new DecompressError('corrupt zstd data (the stream ends inside a frame)');
}
