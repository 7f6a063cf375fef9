import {InputError} from '../errors.js';
import type {KeptBlobs} from '../image/load.js';
import {OnePassFiles} from '../image/one-pass.js';
import {decompress} from '../layer/compression.js';
import {openRange, type FileRange} from '../layer/file-range.js';
import type {Image, Layer} from '../model.js';
import {ESTARGZ_TOC_NAME, readChunkToc, type BlobAccess, type ChunkToc} from './chunk-toc.js';

/**
 * A layer's bytes asked for a second time, after the load (cat, extract).
 * Files give a blob's byte range again; a registry sends the blob again; a
 * stream (stdin, an engine's export, a compressed archive) cannot be asked
 * twice, and says so when the source is made.
 */
export interface LayerSource {
	/**
	 * The layer's uncompressed tar from byte `from` on: one seek into an uncompressed blob in a file, else decompressed from the blob's start and skipped.
	 * With `length`, a source may stop after that many bytes (an uncompressed file then reads no more than them).
	 */
	uncompressed(layer: Layer, from?: number, length?: number): AsyncIterable<Uint8Array>;
	/**
	 * Whether re-reading gives the bytes this run's load verified: a blob in a file the load read itself.
	 * A layer the cache gave was not read in this run, and a registry sends its blob anew: both must be checked again.
	 */
	verifiedInThisRun(layer: Layer): boolean;
	/**
	 * The layer's table of contents (eStargz, zstd:chunked) when the source can read the blob by range and the TOC is trusted;
	 * null otherwise (the layer is then read the plain way). Read once per layer.
	 */
	chunkToc?(layer: Layer): Promise<ChunkToc | null>;
	/** The layer's blob as stored, by byte range (what a TOC's chunks are read from). */
	blob?(layer: Layer): BlobAccess;
	close(): Promise<void>;
}

/** The source behind a load that kept its blobs (LoadOptions.keepBlobs). */
export function layerSource(image: Image, kept: KeptBlobs): LayerSource {
	if (kept.files instanceof OnePassFiles && kept.layers.some(layer => !layer.range)) {
		throw new InputError(image.input, `${streamName(image)} is read as a stream, whose bytes cannot be asked for twice; save the image to a file (docker save -o app.tar, or skopeo copy to oci:DIR) and read that`);
	}
	if (kept.origin.kind === 'registry') return new RegistryLayers(kept);
	return new FileLayers(kept);
}

function streamName(image: Image): string {
	if (image.source.kind === 'stdin') return 'standard input';
	if (image.source.kind === 'engine') return "the engine's export";
	return image.compressedArchive ? 'a compressed archive' : 'a pipe';
}

class FileLayers implements LayerSource {
	private readonly tocs = new Map<number, Promise<ChunkToc | null>>();

	constructor(private readonly kept: KeptBlobs) {}

	chunkToc(layer: Layer): Promise<ChunkToc | null> {
		let toc = this.tocs.get(layer.index);
		if (!toc) this.tocs.set(layer.index, (toc = this.trustedToc(layer)));
		return toc;
	}

	blob(layer: Layer): BlobAccess {
		const range = this.rangeOf(layer);
		return {
			size: range.end - range.start + 1,
			read: (start, end) => openRange({file: range.file, start: range.start + start, end: Math.min(range.end, range.start + end - 1)}),
		};
	}

	private async trustedToc(layer: Layer): Promise<ChunkToc | null> {
		if (!this.kept.layers[layer.index]?.range) return null;
		return trustedChunkToc(layer, this.blob(layer));
	}

	uncompressed(layer: Layer, from = 0, length?: number): AsyncIterable<Uint8Array> {
		const range = this.rangeOf(layer);
		// Bounded, a small file costs a read of its size (not a 1 MB read buffer each: extract reads thousands).
		const end = length === undefined ? range.end : Math.min(range.end, range.start + from + length - 1);
		if (layer.compression === 'none') return openRange({file: range.file, start: range.start + from, end});
		return skip(decompress(openRange(range), layer.compression), from);
	}

	verifiedInThisRun(layer: Layer): boolean {
		return !this.kept.layers[layer.index]!.fromCache;
	}

	async close(): Promise<void> {
		await this.kept.files.close?.();
	}

	private rangeOf(layer: Layer): FileRange {
		const range = this.kept.layers[layer.index]?.range;
		if (!range) throw new Error(`layer ${layer.index} has no byte range in its file`);
		return range;
	}
}

/**
 * A TOC is trusted, and its chunk digests with it, only when something the
 * image's digests vouch for names its bytes: the layer descriptor's
 * annotation (the manifest's digest covers it), or for eStargz, whose TOC is
 * the tar's last file, the digest the load recorded for stargz.index.json in
 * a layer whose diff_id was checked (in this run, or in the run that filled
 * the cache). That holds for a cached layer, or a registry's blob fetched
 * again, as for one read now: the blob may have changed since, but a chunk
 * that matches a trusted digest has not.
 */
async function trustedChunkToc(layer: Layer, blob: BlobAccess): Promise<ChunkToc | null> {
	if (layer.compression === 'none') return null;
	const toc = await readChunkToc(blob, layer.compression, layer.toc);
	if (!toc) return null;
	// A descriptor that states a digest the TOC does not have: the TOC is not used at all (the layer is read the plain way).
	if (layer.toc?.digest) return layer.toc.digest === `sha256:${toc.sha256}` ? toc : null;
	if (toc.format === 'estargz' && recordedDigest(layer, '/' + ESTARGZ_TOC_NAME) === toc.sha256) return toc;
	return null;
}

/** The content digest the load recorded for a path in the layer (its last entry of that path). */
function recordedDigest(layer: Layer, path: string): string | undefined {
	const table = layer.entries;
	for (let index = table.length - 1; index >= 0; index--) if (table.pathOf(index) === path) return table.typeOf(index) === 'file' ? table.digestOf(index) : undefined;
	return undefined;
}

class RegistryLayers implements LayerSource {
	private readonly tocs = new Map<number, Promise<ChunkToc | null>>();

	constructor(private readonly kept: KeptBlobs) {}

	/** A chunked layer's TOC, fetched by range requests (the footer, then the TOC): its files then need only their chunks. */
	chunkToc(layer: Layer): Promise<ChunkToc | null> {
		let toc = this.tocs.get(layer.index);
		if (!toc) this.tocs.set(layer.index, (toc = this.kept.files.openBlobRange && layer.compressedSize > 0 ? trustedChunkToc(layer, this.blob(layer)) : Promise.resolve(null)));
		return toc;
	}

	blob(layer: Layer): BlobAccess {
		const path = this.kept.layers[layer.index]!.path;
		return {size: layer.compressedSize, read: (start, end) => this.kept.files.openBlobRange!(path, start, Math.min(end, layer.compressedSize))};
	}

	uncompressed(layer: Layer, from = 0): AsyncIterable<Uint8Array> {
		const blob = this.kept.files.openBlob!(this.kept.layers[layer.index]!.path);
		return skip(layer.compression === 'none' ? blob : decompress(blob, layer.compression), from);
	}

	verifiedInThisRun(): boolean {
		return false;
	}

	async close(): Promise<void> {
		await this.kept.files.close?.();
	}
}

/** The bytes after the first `count`. */
export async function* skip(source: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
	let left = count;
	for await (const chunk of source) {
		if (left >= chunk.length) {
			left -= chunk.length;
			continue;
		}
		yield left > 0 ? chunk.subarray(left) : chunk;
		left = 0;
	}
}
