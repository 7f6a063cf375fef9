import {open} from 'node:fs/promises';
import {sniffCompression} from '../layer/compression.js';
import {limits} from '../limits.js';
import type {FileRange} from '../layer/file-range.js';
import type {LayerReadResult} from '../layer/read-layer.js';
import type {LayerCache} from './layer-cache.js';

/** What the image says of one layer, before a byte of it is read. */
export interface LayerClaim {
	/** The config's diff_id for it: the cache's key. */
	diffId: string | undefined;
	/** The blob digest the manifest or the blob's name states. */
	digest: string | null;
	/** The blob's size as the manifest gives it. */
	size?: number;
	/** Where the blob lies, for layers in files. */
	range?: FileRange;
}

/** What a verified read found of a layer's tar and the blob it was read from: enough to tell whether another blob is that one. */
export interface KnownBlob {
	diffId: string;
	blobDigest: string;
	compression: LayerReadResult['compression'];
	compressedSize: number;
	size: number;
}

/** How a blob stores a known tar. */
export type BlobForm = Pick<KnownBlob, 'compression' | 'compressedSize' | 'blobDigest'>;

/**
 * The cached read of a layer, made to describe this image's blob, or null
 * (read the layer). The entry's changeset is the diff_id's; how that tar is
 * stored (compression, blob digest, blob size) is the blob's (see blobForm).
 */
export async function cachedRead(cache: LayerCache, claim: LayerClaim): Promise<LayerReadResult | null> {
	if (!claim.diffId) return null;
	const cached = await cache.get(claim.diffId);
	if (!cached || !withinLimits(cached)) return null;
	const form = await blobForm(claim, cached);
	return form ? {...cached, ...form} : null;
}

/**
 * How the claimed blob stores the known layer's tar, or null when nothing
 * ties the two. A known layer stands for a blob only when an earlier
 * verified read tied that blob to the diff_id: the very blob it was read
 * from (same digest, same size), or an uncompressed blob, which is the tar
 * itself (its digest is the diff_id, as docker save names it). The same tar
 * gzip-compressed differently is read again, never assumed. A size that
 * disagrees means the blob is not what it claims: it is read, and the cold
 * path says what is wrong.
 */
export async function blobForm(claim: LayerClaim, known: KnownBlob): Promise<BlobForm | null> {
	if (claim.diffId !== known.diffId) return null;
	const blobSize = claim.range ? claim.range.end - claim.range.start + 1 : claim.size;
	if (claim.digest !== null && claim.digest === known.blobDigest) {
		return blobSize === undefined || blobSize === known.compressedSize ? {compression: known.compression, compressedSize: known.compressedSize, blobDigest: known.blobDigest} : null;
	}
	// Only a blob in a file can be looked at without reading it; a stated digest other than the diff_id is not the tar.
	if (!claim.range || (claim.digest !== null && claim.digest !== known.diffId)) return null;
	if (sniffCompression(await head(claim.range)) !== 'none' || blobSize !== known.size) return null;
	return {compression: 'none', compressedSize: blobSize, blobDigest: known.diffId};
}

/**
 * The limits in force hold for cached layers too (they may have been lowered
 * since the layer was cached). The tar's size plus its files' sizes bounds
 * what reading it would expand to (sparse files' holes included); a layer
 * near the limit is read, and the cold path decides exactly.
 */
export function withinLimits(cached: {size: number; contentSize: number}): boolean {
	return cached.size + cached.contentSize <= limits().layerBytes;
}

async function head(range: FileRange): Promise<Buffer> {
	const bytes = Buffer.alloc(Math.min(16, Math.max(0, range.end - range.start + 1)));
	const handle = await open(range.file, 'r');
	try {
		await handle.read(bytes, 0, bytes.length, range.start);
	} finally {
		await handle.close();
	}
	return bytes;
}
