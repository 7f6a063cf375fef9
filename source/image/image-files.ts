import type {FileRange} from '../layer/file-range.js';
import type {LayerReadResult} from '../layer/read-layer.js';
import type {DigestAlgorithm} from './digests.js';

export type {FileRange};

/**
 * The files of an image as the resolvers see them, whatever holds them: a
 * directory, a tar read by offsets, or a stream read once. Paths are relative
 * ("blobs/sha256/…", "manifest.json") with symlinks already followed.
 */
export interface ImageFiles {
	/** The input as the user named it, for messages. */
	readonly input: string;
	has(path: string): boolean;
	/** A small file (manifest, index, config), read whole. */
	readSmall(path: string): Promise<Buffer>;
	/** Where a blob's bytes lie, when they can be read again from a file (not for streams). */
	locate(path: string): FileRange | undefined;
	/** A layer blob, read in one pass into its changeset. */
	readLayer(path: string): Promise<LayerReadResult>;
	/**
	 * A layer blob's digest in an algorithm other than the sha256 that reading
	 * it computes, for sources that hashed it as it passed (a stream cannot be
	 * read a second time).
	 */
	blobDigest?(path: string, algorithm: DigestAlgorithm): string | undefined;
	/** A layer blob's bytes as stored, asked for again (cat, extract), for sources that can fetch it again but have no file (registries). */
	openBlob?(path: string): AsyncIterable<Uint8Array>;
	/** Bytes [start, end) of a layer blob as stored, asked for alone (an HTTP range request): a chunked layer's TOC and chunks. */
	openBlobRange?(path: string, start: number, end: number): AsyncIterable<Uint8Array>;
	/** Lets go of threads and connections, once every layer is read. */
	close?(): Promise<void>;
}
