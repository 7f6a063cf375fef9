import type {LayerTocNote} from '../model.js';

/** containerd's stargz snapshotter: sha256 of the TOC JSON. */
const ESTARGZ_TOC_DIGEST = 'containerd.io/snapshot/stargz/toc.digest';
/** containers/storage names its keys "io.github.containers.…" now, "io.containers.…" before (skopeo 1.9). */
const ZSTD_PREFIXES = ['io.github.containers.zstd-chunked.', 'io.containers.zstd-chunked.'];

const SHA256 = /^sha256:[0-9a-f]{64}$/;

/**
 * A layer descriptor's annotations, read for a table of contents only. Every
 * value is the image's: a digest is taken only in its exact form, a position
 * only as three safe integers (else the layer is read as a plain stream).
 */
export function tocNoteOf(annotations: unknown): LayerTocNote | undefined {
	if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) return undefined;
	const get = (key: string): string | undefined => {
		const value = (annotations as Record<string, unknown>)[key];
		return typeof value === 'string' && value.length <= 200 ? value : undefined;
	};
	const stargz = get(ESTARGZ_TOC_DIGEST);
	if (stargz !== undefined) return SHA256.test(stargz) ? {format: 'estargz', digest: stargz, position: null} : undefined;
	for (const prefix of ZSTD_PREFIXES) {
		const checksum = get(`${prefix}manifest-checksum`);
		const position = get(`${prefix}manifest-position`);
		if (checksum === undefined && position === undefined) continue;
		return {format: 'zstd-chunked', digest: checksum !== undefined && SHA256.test(checksum) ? checksum : null, position: positionOf(position)};
	}
	return undefined;
}

/** "offset:length:uncompressedLength:type", type 1 (the TOC manifest). */
function positionOf(text: string | undefined): LayerTocNote['position'] {
	const match = text === undefined ? null : /^(\d{1,15}):(\d{1,15}):(\d{1,15}):1$/.exec(text);
	if (!match) return null;
	return {offset: Number(match[1]), length: Number(match[2]), uncompressedLength: Number(match[3])};
}
