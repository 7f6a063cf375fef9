import {decodeLongPath, decodePax, decodeTarHeader} from './tar-headers.js';

/** A tar header as tar-stream decodes it, with long names and PAX records applied. */
export type WalkedHeader = Record<string | symbol, unknown> & {name: string; type: string | null; size: number; linkname: string | null; pax: Record<string, string> | null};

export interface EntrySink {
	update(chunk: Buffer): void;
	finish(): void;
}

export class TarFormatError extends Error {}

const BLOCK = 512;
/** PAX records and long names are small; a header claiming more is corrupt. */
const MAX_META_SIZE = 16 * 1024 * 1024;
const META_TYPES = new Set(['pax-header', 'pax-global-header', 'gnu-long-path', 'gnu-long-link-path']);
/** Types whose size field is not followed by data (as Go's archive/tar, and so containerd, read them). */
const HEADER_ONLY = new Set(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

/**
 * Walks a tar stream block by block: headers are decoded by tar-stream's
 * decoders, file data is handed to the entry's sink as slices of the
 * incoming chunks. No stream per entry: a layer of 100,000 small files
 * costs headers and hashing, not stream machinery.
 */
/**
 * `onEntry` also gets where the entry's data starts in the uncompressed
 * stream (its offset; what follows the header block), so a file's bytes can
 * be found again later.
 */
export async function walkTar(source: AsyncIterable<Buffer>, onEntry: (header: WalkedHeader, dataOffset: number) => EntrySink | null, onChunk: (chunk: Buffer) => void): Promise<void> {
	// Changed inside the helpers below: typed with `as` so TypeScript does not narrow it to its first value.
	let state = 'header' as 'header' | 'meta' | 'data' | 'padding' | 'end';
	let pending: Buffer[] = [];
	let pendingBytes = 0;
	let need = BLOCK;
	let sink = null as EntrySink | null;
	let dataLeft = 0;
	let padding = 0;
	let metaType = '';
	let metaSize = 0;
	let longName: string | undefined;
	let longLink: string | undefined;
	let pax: Record<string, string> | undefined;
	let globalPax: Record<string, string> = {};
	/** Bytes of the stream before the current chunk; `position`: where the block just gathered ends. */
	let chunkStart = 0;
	let position = 0;

	const finishEntry = () => {
		sink?.finish();
		sink = null;
		state = padding > 0 ? 'padding' : 'header';
		need = BLOCK;
	};

	const onHeader = (block: Buffer) => {
		let header: WalkedHeader | null;
		try {
			header = decodeTarHeader(block) as WalkedHeader | null;
		} catch {
			throw new TarFormatError('layer is not a valid tar archive (bad header checksum)');
		}
		if (!header) {
			state = 'end'; // the end-of-archive marker: what follows is padding
			return;
		}
		const type = header.type ?? '';
		if (META_TYPES.has(type)) {
			if (!(header.size >= 0) || header.size > MAX_META_SIZE) throw new TarFormatError('layer tar is corrupt (an extended header is too large)');
			metaType = type;
			metaSize = header.size;
			state = 'meta';
			need = Math.ceil(header.size / BLOCK) * BLOCK;
			if (need === 0) onMeta(Buffer.alloc(0));
			return;
		}
		if (longName !== undefined) header.name = longName;
		if (longLink !== undefined) header.linkname = longLink;
		const records = pax ? {...globalPax, ...pax} : Object.keys(globalPax).length > 0 ? {...globalPax} : undefined;
		if (records) {
			if (records.path) header.name = records.path;
			if (records.linkpath) header.linkname = records.linkpath;
			if (records.size) header.size = Number.parseInt(records.size, 10);
			header.pax = records;
		}
		longName = longLink = pax = undefined;
		if (!(header.size >= 0) || !Number.isSafeInteger(header.size)) throw new TarFormatError('layer tar is corrupt (bad entry size)');
		const size = HEADER_ONLY.has(type) ? 0 : header.size;
		sink = onEntry(header, position);
		dataLeft = size;
		padding = (BLOCK - (size % BLOCK)) % BLOCK;
		if (size === 0) finishEntry();
		else state = 'data';
	};

	const onMeta = (block: Buffer) => {
		const data = block.subarray(0, metaSize);
		if (metaType === 'pax-header') pax = decodePax(data);
		else if (metaType === 'pax-global-header') globalPax = {...globalPax, ...decodePax(data)};
		else if (metaType === 'gnu-long-path') longName = decodeLongPath(data);
		else longLink = decodeLongPath(data);
		state = 'header';
		need = BLOCK;
	};

	for await (const chunk of source) {
		onChunk(chunk);
		let offset = 0;
		while (offset < chunk.length && state !== 'end') {
			const available = chunk.length - offset;
			if (state === 'data') {
				const take = Math.min(dataLeft, available);
				sink?.update(chunk.subarray(offset, offset + take));
				dataLeft -= take;
				offset += take;
				if (dataLeft === 0) finishEntry();
				continue;
			}
			if (state === 'padding') {
				const take = Math.min(padding, available);
				padding -= take;
				offset += take;
				if (padding === 0) state = 'header';
				continue;
			}
			// A header block or extended-header data: gather exactly `need` bytes, across chunks if need be.
			const take = Math.min(need - pendingBytes, available);
			// A block cut by the chunk's end is kept across chunks: as a copy, since a source may reuse its buffers.
			pending.push(pendingBytes + take < need ? Buffer.from(chunk.subarray(offset, offset + take)) : chunk.subarray(offset, offset + take));
			pendingBytes += take;
			offset += take;
			if (pendingBytes < need) continue;
			const block = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
			pending = [];
			pendingBytes = 0;
			position = chunkStart + offset;
			if (state === 'header') onHeader(block);
			else onMeta(block);
		}
		chunkStart += chunk.length;
	}
	// Ending between entries is tolerated (as tar-stream and Go do); ending inside one is not.
	if (state === 'data' || state === 'meta' || state === 'padding' || pendingBytes > 0) throw new TarFormatError('layer tar is truncated');
}
