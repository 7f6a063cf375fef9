import {createHash} from 'node:crypto';
import {InputError} from '../errors.js';
import type {EngineEnvironment} from '../engine/endpoint.js';
import {parseImageReference, type ImageReference} from '../image/image-reference.js';
import type {ImageFiles} from '../image/image-files.js';
import {digestAlgorithm, digestOf, type DigestAlgorithm} from '../image/digests.js';
import {isRecord} from '../image/json-documents.js';
import {DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, isIndexType, OCI_INDEX, OCI_MANIFEST, REF_NAME} from '../image/media-types.js';
import {LayerPool} from '../layer/layer-pool.js';
import {LayerFormatError, type LayerReadResult} from '../layer/read-layer.js';
import {causeOf, RegistryClient} from './registry-client.js';

const ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST];
const DOCKER_SCHEMA1 = /^application\/vnd\.docker\.distribution\.manifest\.v1\+(?:prettyjws|json)$/;
const BLOB_PATH = /^blobs\/(?:(sha256)\/([a-f0-9]{64})|(sha512)\/([a-f0-9]{128}))$/;

export interface RegistryImage {
	files: ImageFiles;
	endpoint: string;
}

/**
 * A registry seen as an OCI image layout: a one-entry index.json for the
 * tag or digest asked for, manifests and configs fetched (and checked
 * against their digests) when the resolver reads them, layer blobs streamed
 * straight into the layer reader. The resolver that reads layouts on disk
 * reads this one too: index walking, platform choice and verification are
 * the same code.
 */
export async function openRegistry(text: string, options: {input: string; insecure: boolean; environment: EngineEnvironment; onBytes?: (bytes: number) => void}): Promise<RegistryImage> {
	const reference = parseImageReference(text)!;
	const {registry, repository} = registryLocation(reference);
	const client = new RegistryClient(registry, repository, {insecure: options.insecure, input: options.input, environment: options.environment});
	const wanted = reference.digest ?? reference.tag ?? 'latest';
	const top = await client.manifest(wanted, ACCEPT);
	// Checked in the algorithm the reference (or the registry) uses: sha256 or sha512; any other is refused, not trusted.
	const stated = reference.digest ?? top.digest;
	const algorithm = stated ? digestAlgorithm(options.input, stated, reference.digest ? 'the reference\'s' : 'the registry\'s') : 'sha256';
	const digest = digestOf(algorithm, top.bytes);
	if (reference.digest && reference.digest !== digest) throw client.error(`manifest ${reference.digest} does not match its digest: its bytes hash to ${digest}`);
	if (!reference.digest && top.digest && top.digest !== digest) {
		throw client.error(`manifest for tag "${wanted}" does not match the digest the registry gives for it: ${top.digest}, its bytes hash to ${digest}`);
	}
	const mediaType = mediaTypeOf(top.bytes, top.mediaType);
	if (mediaType && DOCKER_SCHEMA1.test(mediaType)) throw client.error(`${wanted} has a Docker schema 1 manifest, which registries stopped serving in 2019; push it again with a current tool`);
	// A tag is a name the image goes by; a digest alone is not (as docker save leaves RepoTags empty for one).
	const tag = reference.tag ?? (reference.digest ? null : 'latest');
	const name = tag ? `${registry === 'registry-1.docker.io' ? 'docker.io' : registry}/${reference.path}:${tag}` : null;
	const files = new RegistryFiles(options.input, client, options.onBytes);
	files.remember(digest, top.bytes, mediaType);
	files.index = Buffer.from(JSON.stringify({schemaVersion: 2, manifests: [{mediaType, digest, size: top.bytes.length, ...(name ? {annotations: {[REF_NAME]: name}} : {})}]}));
	return {files, endpoint: client.base};
}

/** Where a reference lives: Docker Hub's names ("docker.io/nginx") stand for its API host and "library/" repositories. */
export function registryLocation(reference: ImageReference): {registry: string; repository: string} {
	const hub = reference.domain === 'docker.io' || reference.domain === 'index.docker.io';
	const registry = hub ? 'registry-1.docker.io' : reference.domain!;
	return {registry, repository: hub && !reference.path.includes('/') ? `library/${reference.path}` : reference.path};
}

/** The type a manifest declares inside, else the one the registry sent. */
function mediaTypeOf(bytes: Buffer, header: string | null): string | null {
	try {
		const document: unknown = JSON.parse(bytes.toString('utf8'));
		if (isRecord(document) && typeof document.mediaType === 'string') return document.mediaType;
	} catch {}
	return header;
}

class RegistryFiles implements ImageFiles {
	index: Buffer = Buffer.alloc(0);
	/** Documents already fetched (by digest); an index's children are known to be manifests. */
	private readonly documents = new Map<string, Buffer>();
	private readonly manifests = new Set<string>();
	/** sha512 digests of layer blobs, hashed as they were downloaded: a download is not read twice. */
	private readonly sha512s = new Map<string, string>();
	/** Downloads arrive here; their parsing and hashing run on worker threads. */
	private readonly pool = LayerPool.forStreams();

	constructor(
		readonly input: string,
		private readonly client: RegistryClient,
		private readonly onBytes: ((bytes: number) => void) | undefined,
	) {}

	remember(digest: string, bytes: Buffer, mediaType: string | null): void {
		this.documents.set(digest, bytes);
		if (!isIndexType(mediaType)) return;
		try {
			const index = JSON.parse(bytes.toString('utf8')) as {manifests?: Array<{digest?: unknown}>};
			for (const child of index.manifests ?? []) if (typeof child.digest === 'string') this.manifests.add(child.digest);
		} catch {}
	}

	has(path: string): boolean {
		return path === 'index.json' || BLOB_PATH.test(path);
	}

	locate(): undefined {
		return undefined;
	}

	async readSmall(path: string): Promise<Buffer> {
		if (path === 'index.json') return this.index;
		const digest = this.digestOf(path);
		const known = this.documents.get(digest);
		if (known) return known;
		if (this.manifests.has(digest)) {
			const manifest = await this.client.manifest(digest, ACCEPT);
			this.remember(digest, manifest.bytes, mediaTypeOf(manifest.bytes, manifest.mediaType));
			return manifest.bytes;
		}
		const response = await this.client.blob(digest, `blob ${digest}`);
		return this.client.body(response, `blob ${digest}`);
	}

	async readLayer(path: string): Promise<LayerReadResult> {
		const digest = this.digestOf(path);
		const what = `layer blob ${digest}`;
		const response = await this.client.blob(digest, what);
		if (!response.body) throw this.client.error(`sent an empty answer for ${what}`);
		const expected = Number(response.headers.get('content-length') ?? Number.NaN);
		let received = 0;
		const sha512 = digest.startsWith('sha512:') ? createHash('sha512') : null;
		const counted = async function* (this: RegistryFiles) {
			try {
				for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
					received += chunk.length;
					this.onBytes?.(chunk.length);
					sha512?.update(chunk);
					yield chunk;
				}
				if (sha512) this.sha512s.set(path, `sha512:${sha512.digest('hex')}`);
			} catch (error) {
				throw this.client.error(`cut the connection while sending ${what} after ${received}${Number.isFinite(expected) ? ` of ${expected}` : ''} bytes (${causeOf(error)})`);
			}
			if (Number.isFinite(expected) && received !== expected) throw this.client.error(`sent ${received} of the ${expected} bytes of ${what}`);
		}.call(this);
		try {
			return await this.pool.readStream(counted, Number.isFinite(expected) ? expected : undefined).result;
		} catch (error) {
			if (error instanceof InputError) throw error;
			throw error instanceof LayerFormatError ? error : new LayerFormatError((error as Error).message);
		} finally {
			// A layer that failed early must not keep its connection open: ending the generator cancels the body.
			await counted.return(undefined).catch(() => {});
		}
	}

	/** The blob fetched again, as sent (cat, extract check what it expands to against the layer's diff_id). */
	async *openBlob(path: string): AsyncGenerator<Uint8Array> {
		const digest = this.digestOf(path);
		const what = `layer blob ${digest}`;
		const response = await this.client.blob(digest, what);
		if (!response.body) throw this.client.error(`sent an empty answer for ${what}`);
		let received = 0;
		try {
			for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
				received += chunk.length;
				yield chunk;
			}
		} catch (error) {
			throw this.client.error(`cut the connection while sending ${what} again after ${received} bytes (${causeOf(error)})`);
		}
	}

	/**
	 * Bytes [start, end) of a blob fetched again, by a range request: never more than asked is passed on, and the
	 * connection is let go once they are (a registry that ignores the range sends the blob whole, from its start).
	 */
	async *openBlobRange(path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
		const digest = this.digestOf(path);
		const what = `bytes ${start}–${end - 1} of layer blob ${digest}`;
		if (end <= start) return;
		const response = await this.client.blob(digest, what, {start, end});
		if (!response.body) throw this.client.error(`sent an empty answer for ${what}`);
		// 206: the range itself; 200: the whole blob, skipped up to it.
		let skip = response.status === 206 ? 0 : start;
		let left = end - start;
		const body = response.body as unknown as AsyncIterable<Uint8Array>;
		try {
			for await (const chunk of body) {
				let piece = chunk;
				if (skip > 0) {
					const skipped = Math.min(skip, piece.length);
					skip -= skipped;
					piece = piece.subarray(skipped);
				}
				if (piece.length === 0) continue;
				if (piece.length >= left) {
					yield piece.subarray(0, left);
					left = 0;
					break;
				}
				left -= piece.length;
				yield piece;
			}
		} catch (error) {
			throw this.client.error(`cut the connection while sending ${what} (${causeOf(error)})`);
		} finally {
			await response.body.cancel().catch(() => {});
		}
		if (left > 0) throw this.client.error(`sent ${end - start - left} of the ${end - start} bytes of ${what}`);
	}

	blobDigest(path: string, algorithm: DigestAlgorithm): string | undefined {
		return algorithm === 'sha512' ? this.sha512s.get(path) : undefined;
	}

	async close(): Promise<void> {
		await this.pool.close();
	}

	private digestOf(path: string): string {
		const match = BLOB_PATH.exec(path);
		if (!match) throw new InputError(this.input, `no such document in a registry: ${path}`);
		return match[1] ? `${match[1]}:${match[2]}` : `${match[3]}:${match[4]}`;
	}
}
