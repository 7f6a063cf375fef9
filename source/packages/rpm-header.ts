/**
 * An rpm header as rpmdb.sqlite's Packages.blob stores it (no lead, no
 * magic): the count of index entries and the data store's length (32-bit
 * big-endian each), then 16 bytes per entry (tag, type, offset, count),
 * then the data store. Only the tags a package listing needs are read, and
 * every offset and count is checked against the blob before it is used.
 */
export interface RpmHeader {
	name: string;
	version: string;
	release: string;
	epoch: number | null;
	arch: string;
	files: string[];
	sizes: number[];
}

const TAG = {NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022, FILESIZES: 1028, DIRINDEXES: 1116, BASENAMES: 1117, DIRNAMES: 1118, LONGFILESIZES: 5008} as const;
const TYPE = {INT32: 4, INT64: 5, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9} as const;

export class RpmHeaderError extends Error {}

export function parseRpmHeader(blob: Uint8Array): RpmHeader {
	const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
	if (blob.length < 8) throw new RpmHeaderError('header shorter than its counts');
	const il = view.getUint32(0);
	const dl = view.getUint32(4);
	const storeStart = 8 + il * 16;
	if (il > 1_000_000 || storeStart + dl > blob.length) throw new RpmHeaderError('header counts exceed the blob');
	const entries = new Map<number, {type: number; offset: number; count: number}>();
	for (let i = 0; i < il; i++) {
		const at = 8 + i * 16;
		entries.set(view.getUint32(at), {type: view.getUint32(at + 4), offset: view.getUint32(at + 8), count: view.getUint32(at + 12)});
	}
	const decoder = new TextDecoder();
	const strings = (tag: number): string[] => {
		const entry = entries.get(tag);
		if (!entry || (entry.type !== TYPE.STRING && entry.type !== TYPE.STRING_ARRAY && entry.type !== TYPE.I18NSTRING)) return [];
		const result: string[] = [];
		let at = storeStart + entry.offset;
		const end = storeStart + dl;
		for (let i = 0; i < entry.count; i++) {
			const nul = blob.indexOf(0, at);
			if (nul === -1 || nul >= end) throw new RpmHeaderError(`string of tag ${tag} runs past the data`);
			result.push(decoder.decode(blob.subarray(at, nul)));
			at = nul + 1;
		}
		return result;
	};
	const numbers = (tag: number): number[] => {
		const entry = entries.get(tag);
		if (!entry || (entry.type !== TYPE.INT32 && entry.type !== TYPE.INT64)) return [];
		const width = entry.type === TYPE.INT32 ? 4 : 8;
		const start = storeStart + entry.offset;
		if (start + entry.count * width > storeStart + dl) throw new RpmHeaderError(`numbers of tag ${tag} run past the data`);
		const result: number[] = [];
		for (let i = 0; i < entry.count; i++) result.push(width === 4 ? view.getUint32(start + i * 4) : Number(view.getBigUint64(start + i * 8)));
		return result;
	};
	const basenames = strings(TAG.BASENAMES);
	const dirnames = strings(TAG.DIRNAMES);
	const dirIndexes = numbers(TAG.DIRINDEXES);
	const sizes = numbers(TAG.LONGFILESIZES).length > 0 ? numbers(TAG.LONGFILESIZES) : numbers(TAG.FILESIZES);
	if (dirIndexes.length !== basenames.length) throw new RpmHeaderError('file names and directory indexes differ in number');
	const files = basenames.map((base, i) => {
		const dir = dirnames[dirIndexes[i]!];
		if (dir === undefined) throw new RpmHeaderError('a directory index points past the directories');
		return dir + base;
	});
	const epoch = numbers(TAG.EPOCH);
	return {
		name: strings(TAG.NAME)[0] ?? '',
		version: strings(TAG.VERSION)[0] ?? '',
		release: strings(TAG.RELEASE)[0] ?? '',
		epoch: epoch.length > 0 ? epoch[0]! : null,
		arch: strings(TAG.ARCH)[0] ?? '',
		files,
		sizes: sizes.length === files.length ? sizes : files.map(() => -1),
	};
}
