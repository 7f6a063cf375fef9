import {createRequire} from 'node:module';
import path from 'node:path';

/**
 * tar-stream parses headers well but drops two things layers need: the raw
 * typeflag of types it does not know (so old-GNU sparse files, 'S', vanish
 * into `type: null`) and the sparse map old GNU keeps inside the header
 * block. We wrap its header decoder once to keep them on the header object.
 * tar-stream does not export the module, so it is reached by file path.
 */

export interface OldGnuSparse {
	realSize: number;
	segments: Array<{offset: number; length: number}>;
	extended: boolean;
}

export interface RawHeaderExtras {
	typeflag: number;
	oldGnuSparse?: OldGnuSparse;
}

interface TarStreamHeaders {
	decode(buf: Uint8Array, filenameEncoding?: string, allowUnknownFormat?: boolean): Record<string, unknown> | null;
	decodePax(buf: Uint8Array): Record<string, string>;
	decodeLongPath(buf: Uint8Array, encoding?: string): string;
}

const require = createRequire(import.meta.url);
const headersModule = require(path.join(path.dirname(require.resolve('tar-stream')), 'headers.js')) as TarStreamHeaders;

/** Key under which the extras ride on tar-stream's header object. */
export const EXTRAS = Symbol.for('layerscope.tarExtras');

const SPARSE_TYPEFLAG = 0x53; // 'S'

function parseNumeric(buf: Uint8Array, offset: number, length: number): number {
	// GNU base-256: high bit of the first byte set.
	if (buf[offset]! & 0x80) {
		let value = buf[offset]! & 0x7f;
		for (let i = 1; i < length; i++) value = value * 256 + buf[offset + i]!;
		return value;
	}
	let text = '';
	for (let i = offset; i < offset + length; i++) {
		const c = buf[i]!;
		if (c === 0) break;
		text += String.fromCharCode(c);
	}
	text = text.trim();
	return text === '' ? 0 : Number.parseInt(text, 8);
}

function readOldGnuSparse(buf: Uint8Array): OldGnuSparse {
	const segments: OldGnuSparse['segments'] = [];
	for (let i = 0; i < 4; i++) {
		const base = 386 + i * 24;
		if (buf[base] === 0) break;
		segments.push({offset: parseNumeric(buf, base, 12), length: parseNumeric(buf, base + 12, 12)});
	}
	return {realSize: parseNumeric(buf, 483, 12), segments, extended: buf[482] !== 0};
}

/**
 * GNU PAX sparse 0.0 repeats GNU.sparse.offset/numbytes once per segment;
 * a plain key/value record map keeps only the last, so the pairs are
 * gathered here into the 0.1 spelling ("offset,length,...").
 */
function gatherSparse00(buf: Uint8Array, records: Record<string, string>): void {
	if (records['GNU.sparse.offset'] === undefined || records['GNU.sparse.map'] !== undefined) return;
	const numbers: string[] = [];
	for (const match of Buffer.from(buf).toString('utf8').matchAll(/^\d+ GNU\.sparse\.(?:offset|numbytes)=(\d+)$/gm)) numbers.push(match[1]!);
	records['GNU.sparse.map'] = numbers.join(',');
}

let patched = false;

export function patchTarStreamHeaders(): void {
	if (patched) return;
	patched = true;
	const decodePax = headersModule.decodePax;
	headersModule.decodePax = function (buf) {
		const records = decodePax.call(this, buf);
		gatherSparse00(buf, records);
		return records;
	};
	const decode = headersModule.decode;
	headersModule.decode = function (buf, filenameEncoding, allowUnknownFormat) {
		const header = decode.call(this, buf, filenameEncoding, allowUnknownFormat);
		if (header) {
			const typeflag = buf[156]!;
			const extras: RawHeaderExtras = {typeflag};
			if (typeflag === SPARSE_TYPEFLAG) extras.oldGnuSparse = readOldGnuSparse(buf);
			(header as Record<symbol, unknown>)[EXTRAS] = extras;
		}
		return header;
	};
}

export const decodeTarHeader = (buf: Uint8Array) => headersModule.decode(buf, 'utf-8', true);
export const decodePax = (buf: Uint8Array) => headersModule.decodePax(buf);
export const decodeLongPath = (buf: Uint8Array) => headersModule.decodeLongPath(buf, 'utf-8');
