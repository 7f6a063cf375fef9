import {decodePax, decodeTarHeader} from '../layer/tar-headers.js';

const BLOCK = 512;
/** tar-stream refuses extended headers larger than this; past it, framing is its business. */
const MAX_META_SIZE = 4 * 1024 * 1024;
const META_TYPES = new Set(['pax-header', 'pax-global-header', 'gnu-long-path', 'gnu-long-link-path']);

/**
 * Passes an image archive through up to its end-of-archive marker (two
 * zero blocks) and stops reading there. tar-stream skips zero blocks and
 * reads on, so `cat /dev/zero | layerscope -` (or an image followed by
 * zeros) would never end. The framing follows tar-stream's own (a
 * directory's size is ignored, a PAX `size` record counts), so the stream
 * is cut exactly where tar-stream would have seen the marker. Anything
 * this cannot frame (a bad header) is passed on whole for tar-stream to
 * report.
 */
export async function* untilEndOfArchive(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
	const iterator = source[Symbol.asyncIterator]();
	/** Bytes of entry data and padding still to pass before the next header. */
	let skip = 0;
	/** A header block, or an extended header's data, being gathered across chunks. */
	let gathering: Uint8Array[] = [];
	let gathered = 0;
	let need = BLOCK;
	let meta: {type: string; size: number} | undefined;
	let pax: Record<string, string> | undefined;
	let globalPax: Record<string, string> | undefined;
	let zeroBlocks = 0;

	try {
		for (;;) {
			const next = await iterator.next();
			if (next.done) return;
			const chunk = next.value;
			let offset = 0;
			while (offset < chunk.length) {
				if (skip > 0) {
					const take = Math.min(skip, chunk.length - offset);
					skip -= take;
					offset += take;
					continue;
				}
				const take = Math.min(need - gathered, chunk.length - offset);
				gathering.push(chunk.subarray(offset, offset + take));
				gathered += take;
				offset += take;
				if (gathered < need) continue;
				const bytes = gathering.length === 1 ? gathering[0]! : Buffer.concat(gathering, gathered);
				gathering = [];
				gathered = 0;
				need = BLOCK;

				if (meta) {
					// An extended header's data: only PAX records change the framing (a `size` record).
					const data = bytes.subarray(0, meta.size);
					if (meta.type === 'pax-header') pax = {...globalPax, ...decodePax(data)};
					else if (meta.type === 'pax-global-header') globalPax = decodePax(data);
					skip = padding(meta.size);
					meta = undefined;
					continue;
				}
				let header: Record<string, unknown> | null;
				try {
					header = decodeTarHeader(bytes);
				} catch {
					// Not a header after all: tar-stream will say so; pass everything on untouched.
					return yield* passOn(chunk, iterator);
				}
				if (!header) {
					if (++zeroBlocks === 2) {
						// The end-of-archive marker: whatever follows (padding, zeros without end) is not read.
						yield chunk.subarray(0, offset);
						return;
					}
					continue;
				}
				zeroBlocks = 0;
				const type = String(header.type);
				const size = header.size as number;
				if (META_TYPES.has(type)) {
					if (!(size >= 0) || size > MAX_META_SIZE) return yield* passOn(chunk, iterator);
					if (size === 0) continue;
					// Gather the data, decode it above, then pass its padding.
					meta = {type, size};
					need = size;
					continue;
				}
				const dataSize = pax?.size ? Number.parseInt(pax.size, 10) : size;
				pax = undefined;
				if (!(dataSize >= 0) || !Number.isSafeInteger(dataSize)) return yield* passOn(chunk, iterator);
				if (type !== 'directory' && dataSize > 0) skip = dataSize + padding(dataSize);
			}
			yield chunk;
		}
	} finally {
		await iterator.return?.();
	}
}

function padding(size: number): number {
	return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Gives up framing: the current chunk and everything after it, as they come. */
async function* passOn(chunk: Uint8Array, iterator: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
	yield chunk;
	for (let rest = await iterator.next(); !rest.done; rest = await iterator.next()) yield rest.value;
}
