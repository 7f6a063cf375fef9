import {createReadStream} from 'node:fs';
import {open, stat} from 'node:fs/promises';
import process from 'node:process';
import type {Readable} from 'node:stream';
import {blobForm, cachedRead, withinLimits, type KnownBlob} from '../cache/cached-layer.js';
import type {LayerCache} from '../cache/layer-cache.js';
import type {EngineClient} from '../engine/engine-client.js';
import type {EngineEnvironment} from '../engine/endpoint.js';
import {InputError} from '../errors.js';
import {decompress, sniffCompression} from '../layer/compression.js';
import {openRange} from '../layer/file-range.js';
import {LayerFormatError} from '../layer/layer-format-error.js';
import type {LayerReadResult} from '../layer/read-layer.js';
import type {Image, ImageFacts, ImageSource, Layer, LayerFacts, Platform} from '../model.js';
import {DirectoryFiles} from './directory-files.js';
import {digestAlgorithm, digestOfStream, type DigestAlgorithm} from './digests.js';
import {readConfigPlatform, readDiffIds, readHistory, readImageConfig} from './image-config.js';
import type {FileRange, ImageFiles} from './image-files.js';
import {limits, LIMIT_VARIABLES} from '../limits.js';
import type {OnePassFiles} from './one-pass.js';
import {classifyInput, type InputSource} from './input-source.js';
import {parsePlatform} from './platform.js';
import {resolveImage, type ResolvedImage} from './resolve.js';
import {TarIndex} from './tar-index.js';

export interface LoadOptions {
	/** "os/arch[/variant]"; default: the host's when an index offers several. */
	platform?: string | Platform;
	/** Image to pick by ref name or tag; also accepted as "PATH:REF". */
	ref?: string;
	/** Check blob digests and diff_ids (default true). */
	verify?: boolean;
	/** Layers already read, by diff_id: used and filled by verified runs only (none by default). */
	cache?: LayerCache | null;
	/** What "-" reads; default process.stdin. */
	stdin?: Readable;
	/** Layers read at once from seekable inputs, or fetched at once from a registry. */
	concurrency?: number;
	/** docker, podman, registry or file: how to read a name that is not a path (default: guess from the name). */
	source?: string;
	/** Registries: plain HTTP (for loopback registries without TLS). */
	insecure?: boolean;
	/** Where engine sockets and registry logins are looked up; the process's own by default. */
	environment?: EngineEnvironment;
	onProgress?: (progress: LoadProgress) => void;
	/**
	 * Reads shared with other loads of this run (a diff's two images), by blob digest: a blob one load reads,
	 * or has read, the other takes as it would take a cache hit (with the cache on, and for files and registries).
	 */
	shared?: SharedReads;
	/** Each layer as soon as it is read and verified, in whatever order they finish. */
	onLayer?: (layer: Layer) => void;
	/**
	 * Before any layer is read (a stream's have passed by then): the config, in a verified run whose config
	 * names every layer's diff_id, so that the layers will be checked to be what it names (the analysis cache's key).
	 */
	onVerifiedConfig?: (config: Record<string, unknown>) => void;
	/**
	 * After onVerifiedConfig, before any layer is read: what an earlier verified run knew of each layer (the
	 * analysis cache's). When every blob is one those reads were tied to (as a cached layer must be, see
	 * blobForm) and within the limits, no layer is read at all and the image comes without changesets.
	 */
	knownLayers?: () => Promise<KnownLayer[] | null>;
	/** cat and extract: the source stays open after the load, handed over here to read layer blobs again (the caller closes it). */
	keepBlobs?: (blobs: KeptBlobs) => void;
}

/** What the load leaves open for reading layer blobs again: the source, where each layer's blob is, which layers the cache gave. */
export interface KeptBlobs {
	files: ImageFiles;
	/** Per layer (by index): its blob path in the source, its byte range in a file (for a stream, in the copy kept as it passed; none for registries), whether it came from the cache. */
	layers: Array<{path: string; range: FileRange | undefined; fromCache: boolean}>;
	origin: ImageSource;
}

export interface LoadProgress {
	layersRead: number;
	layersTotal: number | null;
	/** Bytes received from a stream, engine or registry; bytes of layers read from files. */
	bytesRead: number;
	/** How many bytes will come, when it is known: the layer blobs' sizes of a file or a registry's manifest, an engine's image size. */
	bytesTotal: number | null;
	/** The total is an estimate (an engine's image size, not its export's). */
	approximate?: boolean;
}

export type SharedReads = Map<string, Promise<LayerReadResult>>;

/** A layer as a verified read found it: its blob, and what its changeset holds (for the limits). */
export interface KnownLayer extends KnownBlob {
	contentSize: number;
	/** Entries, whiteouts and opaque markers: what the entry limit counts. */
	entryCount: number;
}

const DEFAULT_CONCURRENCY = 4;

/** Reads an image from a path, "PATH:REF", "-" (stdin), an engine or a registry into the model. */
export async function loadImage(input: string, options?: Omit<LoadOptions, 'knownLayers'>): Promise<Image>;
/** With knownLayers, the image may come without changesets (see LoadOptions.knownLayers). */
export async function loadImage(input: string, options: LoadOptions): Promise<Image | ImageFacts>;
export async function loadImage(input: string, options: LoadOptions = {}): Promise<Image | ImageFacts> {
	// A bad LAYERSCOPE_MAX_* says so before anything is read (and before workers, which read them too).
	const maxEntries = limits().entries;
	const source = await classifyInput(input, {source: options.source, ref: options.ref});
	const platform = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
	const progress: LoadProgress = {layersRead: 0, layersTotal: null, bytesRead: 0, bytesTotal: null};
	const report = () => options.onProgress?.({...progress});
	const {files, stream, container, compressedArchive, location, ref, origin} = await openSource(input, source, options, progress, report);
	const verify = options.verify !== false;
	let resolved: ResolvedImage;
	let diffIds: string[] | null;
	try {
		const found = await resolveImage(files, {ref, platform}, container);
		resolved = origin.kind === 'registry' ? {...found, format: 'registry' as const} : found;
		diffIds = readDiffIds(resolved.config);
		if (diffIds && diffIds.length !== resolved.layers.length) {
			throw new InputError(location, `config lists ${diffIds.length} diff_ids but the manifest has ${resolved.layers.length} layers`);
		}
		if (verify) checkVerifiable(location, resolved.layers, diffIds);
	} catch (error) {
		await files.close?.();
		throw error;
	}
	if (verify && diffIds) options.onVerifiedConfig?.(resolved.config);
	progress.layersTotal = resolved.layers.length;
	// Streams count their bytes as they arrive, and their layers as they pass; the count starts again for the chosen image's layers.
	const streamed = stream !== undefined || origin.kind === 'registry';
	if (stream) progress.layersRead = 0;

	const ranges = resolved.layers.map(layer => files.locate(layer.path));
	const history = readHistory(resolved.config, resolved.layers.length);
	const imageOf = <L>(layers: L[]) => ({
		input: location,
		source: origin,
		format: resolved.format,
		compressedArchive,
		repoTags: resolved.repoTags,
		id: resolved.configDigest,
		manifestDigest: resolved.manifestDigest,
		platform: readConfigPlatform(resolved.config),
		created: typeof resolved.config.created === 'string' ? resolved.config.created : null,
		config: readImageConfig(resolved.config),
		history,
		layers,
	});
	// A stream's layers pass by anyway (one-pass.ts decides what it parses); for files and registries, known layers are not read.
	if (verify && diffIds && options.knownLayers && !stream && !options.keepBlobs) {
		const known = await options.knownLayers().catch(() => null);
		const layers = known ? await layersFromKnown(known, resolved.layers, diffIds, ranges, history, maxEntries).catch(() => null) : null;
		if (layers) {
			await files.close?.();
			progress.layersRead = layers.length;
			progress.bytesRead = layers.reduce((sum, layer) => sum + layer.compressedSize, 0);
			report();
			return imageOf(layers);
		}
	}
	const totalBytes = ranges.reduce((sum, range) => sum + (range ? range.end - range.start + 1 : 0), 0);
	// Read from a file, each blob once: their sizes are the total the progress counts towards.
	if (!streamed) {
		const unique = new Map(resolved.layers.map((layer, index) => [layer.path, ranges[index]]));
		progress.bytesTotal = [...unique.values()].reduce((sum, range) => sum + (range ? range.end - range.start + 1 : 0), 0) || null;
	}
	const {LayerPool} = await import('../layer/layer-pool.js');
	const pool = LayerPool.for(totalBytes, new Set(resolved.layers.map(layer => layer.path)).size);
	// --no-verify reads what the input holds, which may not be what its diff_id names: no cache either way.
	const cache = verify ? options.cache ?? null : null;
	// Streams have read every layer by now (the cached ones only hashed as they passed); what they parsed is stored.
	const fromCache = new Set<string>();
	const lookUp = async (path: string, range: FileRange | undefined): Promise<LayerReadResult | null> => {
		if (cache && stream?.fromCache(path)) fromCache.add(path);
		if (!cache || stream) return null;
		const index = resolved.layers.findIndex(layer => layer.path === path);
		const described = resolved.layers[index]!;
		const result = await cachedRead(cache, {diffId: diffIds?.[index], digest: described.digest, size: described.size, range});
		if (result) fromCache.add(path);
		return result;
	};

	// The same blob may stand for several layers: read it once. Its entries are applied once per listing, though,
	// so they count that often: a small image listing one blob thousands of times cannot multiply the work unseen.
	const listings = new Map<string, number>();
	for (const layer of resolved.layers) listings.set(layer.path, (listings.get(layer.path) ?? 0) + 1);
	let entries = 0;
	const reads = new Map<string, Promise<LayerReadResult>>();
	// Cache look-ups run at once, but finish in any order; the reads they leave to do start in the order chosen below
	// (largest first), so which layer reaches a worker first does not depend on how fast the cache answered. Layers the
	// cache holds no whole-looking entry for do not wait for those look-ups: they are read in that order at once.
	let turn: Promise<unknown> = Promise.resolve();
	// Another load of this run reads the same blob (the same sha256 names the same bytes; each load checks its own diff_id):
	// it counts as a cache hit, so only where the cache is trusted, and never for a stream, whose bytes pass anyway.
	const sharing = cache && options.shared && !stream ? options.shared : undefined;
	const described = new Map(resolved.layers.map(layer => [layer.path, layer]));
	const readOnce = (path: string, range: FileRange | undefined) => {
		let read = reads.get(path);
		if (!read) {
			const ownRead = () => {
				// A layer the cache holds no whole-looking entry for is read at once: only the reads that look-ups leave wait their turn.
				if (cache && !stream && !held[resolved.layers.findIndex(layer => layer.path === path)]) return range ? pool.read(range) : files.readLayer(path);
				const lookedUp = lookUp(path, range);
				// Handled through inTurn below; this keeps a failure from counting as unhandled while an earlier look-up is pending.
				lookedUp.catch(() => {});
				const inTurn = turn.then(() => lookedUp);
				turn = inTurn.catch(() => undefined);
				return inTurn.then(cached => cached ?? (range ? pool.read(range) : files.readLayer(path)));
			};
			const digest = described.get(path)!.digest;
			const key = sharing && digest?.startsWith('sha256:') ? digest : undefined;
			const other = key ? sharing!.get(key) : undefined;
			let raw: Promise<LayerReadResult>;
			if (other) {
				// The other image's read stands for this blob as a cache hit would, only for a blob of the size it read;
				// otherwise, or if that read failed, this image's own copy is read (and its own errors are its own).
				const size = range ? range.end - range.start + 1 : described.get(path)!.size;
				raw = other.then(
					result => {
						if (size !== undefined && size !== result.compressedSize) return ownRead();
						fromCache.add(path);
						return result;
					},
					() => ownRead(),
				);
			} else {
				raw = ownRead();
				if (key) sharing!.set(key, raw);
			}
			read = raw.then(result => {
				const times = listings.get(path)!;
				entries += times * (result.entries.length + result.whiteouts.length + result.opaqueDirs.length);
				if (entries > maxEntries) {
					const repeated = times > 1 ? `; ${path} is listed ${times} times` : '';
					throw new InputError(location, `image holds more than ${maxEntries} entries, counting a layer as often as the manifest lists it${repeated} (the limit; ${LIMIT_VARIABLES.entries} raises it)`);
				}
				progress.layersRead++;
				// A layer taken from the cache is one less to read or download: the progress counts it as done (a stream's bytes were counted as they passed).
				if (!streamed || (fromCache.has(path) && !stream)) progress.bytesRead += result.compressedSize;
				report();
				return result;
			});
			reads.set(path, read);
		}
		return read;
	};
	const concurrency = options.concurrency ?? Math.max(DEFAULT_CONCURRENCY, pool.threads);
	// Largest first: the last layer to finish decides the time, so start the long ones early.
	const sizeOf = (index: number) => (ranges[index] ? ranges[index]!.end - ranges[index]!.start : resolved.layers[index]!.size ?? 0);
	// A download's progress can say how much is left: the manifest gives every blob's size.
	if (origin.kind === 'registry') progress.bytesTotal = resolved.layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0) || null;
	// And the layers to read before those the cache holds a whole-looking entry for (its head read): they are the work, and a small new
	// layer at the top of a cached image would otherwise wait for the look-ups of the larger ones below it.
	const held = resolved.layers.map((_, index) => Boolean(cache && !stream && diffIds?.[index] && cache.holds(diffIds[index]!)));
	const order = resolved.layers.map((_, index) => index).sort((a, b) => Number(held[a]) - Number(held[b]) || sizeOf(b) - sizeOf(a));
	const toLayer = async (result: LayerReadResult, index: number): Promise<Layer> => {
		const described = resolved.layers[index]!;
		if (verify) {
			const blob = described.digest ? await layerDigest(files, location, described.digest, result, ranges[index], 'blob', described.path, index) : null;
			if (described.digest && described.digest !== blob) {
				throw new InputError(location, `layer ${index} (${described.path}) does not match its digest: expected ${described.digest}, got ${blob}`);
			}
			const expected = diffIds?.[index];
			const actual = expected ? await layerDigest(files, location, expected, result, ranges[index], 'diff', described.path, index) : null;
			if (expected && expected !== actual) {
				throw new InputError(location, `layer ${index} (${described.path}) does not match its diff_id: expected ${expected}, got ${actual} (use --no-verify to read it anyway)`);
			}
			// Verified, and read from the input (not the cache): what it yields is the diff_id's for every later run.
			if (cache && !fromCache.has(described.path)) cache.put(result);
		}
		return {
			...layerFacts(index, described, result, history),
			entries: result.entries,
			whiteouts: result.whiteouts,
			opaqueDirs: result.opaqueDirs,
			...(result.packageFiles ? {packageFiles: result.packageFiles} : {}),
		};
	};
	const layers = await mapLimit(resolved.layers, concurrency, order, async (layer, index) => {
		let result: LayerReadResult;
		try {
			result = await readOnce(layer.path, ranges[index]);
		} catch (error) {
			if (error instanceof InputError) throw error;
			// Format problems and I/O failures alike: say which layer could not be read.
			const problem = error instanceof LayerFormatError ? error.message : `cannot read it (${(error as Error).message})`;
			throw new InputError(location, `layer ${index} (${layer.path}): ${problem}`);
		}
		const built = await toLayer(result, index);
		options.onLayer?.(built);
		return built;
	}).then(
		async read => (await pool.close(), read),
		async error => {
			await Promise.all([pool.close(), options.keepBlobs ? files.close?.() : undefined]);
			throw error;
		},
	).finally(() => (options.keepBlobs ? undefined : files.close?.()));
	await cache?.finish();
	// A stream's blobs are read again from the copies it kept as they passed (none unless keepBlobs asked).
	const rangeOf = (path: string, index: number) => ranges[index] ?? (stream ? stream.spooled(path) : undefined);
	options.keepBlobs?.({files, origin, layers: resolved.layers.map((layer, index) => ({path: layer.path, range: rangeOf(layer.path, index), fromCache: fromCache.has(layer.path)}))});

	return imageOf(layers);
}

/**
 * The image's layers from what earlier verified reads knew of them, or null
 * (read them): every layer's diff_id as the config names it, its blob one
 * such a read was tied to, and the limits in force met, counting a layer as
 * often as the manifest lists it, as a read does.
 */
async function layersFromKnown(known: KnownLayer[], described: ResolvedImage['layers'], diffIds: string[], ranges: Array<FileRange | undefined>, history: ReturnType<typeof readHistory>, maxEntries: number): Promise<LayerFacts[] | null> {
	if (known.length !== described.length) return null;
	let entries = 0;
	const layers: LayerFacts[] = [];
	for (const [index, layer] of described.entries()) {
		const knew = known[index]!;
		if (knew.diffId !== diffIds[index] || !withinLimits(knew)) return null;
		entries += knew.entryCount;
		if (entries > maxEntries) return null;
		const form = await blobForm({diffId: diffIds[index], digest: layer.digest, size: layer.size, range: ranges[index]}, knew);
		if (!form) return null;
		layers.push(layerFacts(index, layer, {...knew, ...form}, history));
	}
	return layers;
}

/** A layer as the model describes it (all but its changeset): the descriptor's word, the read's (or a known read's) sizes and digests. */
function layerFacts(index: number, described: ResolvedImage['layers'][number], read: KnownBlob & {contentSize: number}, history: ReturnType<typeof readHistory>): LayerFacts {
	const historyIndex = history.findIndex(step => step.layerIndex === index);
	return {
		index,
		digest: described.digest ?? (read.compression === 'none' ? read.blobDigest : null),
		diffId: read.diffId,
		mediaType: described.mediaType,
		compression: read.compression,
		compressedSize: read.compressedSize,
		size: read.size,
		contentSize: read.contentSize,
		historyIndex: historyIndex === -1 ? null : historyIndex,
		...(described.toc ? {toc: described.toc} : {}),
	};
}

interface OpenedInput {
	files: ImageFiles;
	/** The same files, when they are a stream's, read once. */
	stream?: OnePassFiles;
	container: 'archive' | 'directory';
	compressedArchive: boolean;
}

interface OpenedSource extends OpenedInput {
	/** What messages and the report call the input. */
	location: string;
	ref: string | undefined;
	origin: ImageSource;
}

/**
 * Every layer is checked against something the image states: the digest its
 * descriptor or its name gives, or the config's diff_id. One with neither
 * would be read on trust, so it stops the load (unless --no-verify says so).
 */
function checkVerifiable(location: string, layers: ResolvedImage['layers'], diffIds: string[] | null): void {
	layers.forEach((layer, index) => {
		const what = `layer ${index} (${layer.path})`;
		if (layer.digest) digestAlgorithm(location, layer.digest, what);
		const diffId = diffIds?.[index];
		if (diffId) digestAlgorithm(location, diffId, `${what} diff_id`);
		if (!layer.digest && !diffId) {
			throw new InputError(location, `${what} cannot be verified: the config lists no diff_id for it and nothing states its digest (use --no-verify to read it anyway)`);
		}
	});
}

/**
 * A layer's digest in the algorithm `expected` uses: sha256 comes from the
 * one pass that read the layer; sha512 (rare) from the source when it hashed
 * the blob as it passed (streams, registries), else again from the file. A
 * compressed layer's sha512 diff_id cannot be had from a stream.
 */
async function layerDigest(files: ImageFiles, location: string, expected: string, result: LayerReadResult, range: FileRange | undefined, which: 'blob' | 'diff', path: string, index: number): Promise<string> {
	const algorithm: DigestAlgorithm = digestAlgorithm(location, expected, `layer ${index} (${path})`);
	if (algorithm === 'sha256') return which === 'blob' ? result.blobDigest : result.diffId;
	// Uncompressed, the blob is the tar: its digest is the diff_id.
	const hashed = which === 'blob' || result.compression === 'none' ? files.blobDigest?.(path, algorithm) : undefined;
	if (hashed) return hashed;
	if (!range) throw new InputError(location, `layer ${index} (${path}) states a ${algorithm} ${which === 'blob' ? 'digest' : 'diff_id'}, which can be verified only when the image is read from a file or directory (save it to one, or use --no-verify)`);
	const bytes = openRange(range);
	return digestOfStream(algorithm, which === 'diff' && result.compression !== 'none' ? decompress(bytes, result.compression) : bytes);
}

/** Opens whatever the input names; streams (stdin, an engine's export) are read here, in one pass. */
async function openSource(input: string, source: InputSource, options: LoadOptions, progress: LoadProgress, report: () => void): Promise<OpenedSource> {
	// Streams are parsed as they arrive: layers counted as they pass, bytes as they are received.
	const onePassLayer = () => {
		progress.layersRead++;
		report();
	};
	const received = (bytes: number) => {
		progress.bytesRead += bytes;
		report();
	};
	// Engines and registries are imported when asked for: a file's run does not load their modules.
	const environment = async () => options.environment ?? (await import('../engine/endpoint.js')).processEnvironment();
	// A stream passes a cached layer's bytes without parsing them, when they can be checked as they pass (one-pass.ts).
	const cache = options.verify === false ? null : options.cache ?? null;
	// Read again later (cat, extract), a stream's layer blobs are kept in a private temporary directory as they pass.
	const pass: OnePass = {cache, spool: options.keepBlobs !== undefined};
	switch (source.kind) {
		case 'stdin':
			return {...(await openStream('-', counted(options.stdin ?? process.stdin, received), onePassLayer, pass)), location: '-', ref: options.ref, origin: {kind: 'stdin', endpoint: null}};
		case 'path': {
			const stdin = () => counted(options.stdin ?? process.stdin, received);
			return {...(await openInput(source.location, onePassLayer, received, stdin, pass)), location: source.location, ref: source.ref, origin: {kind: 'file', endpoint: null}};
		}
		case 'engine': {
			const [{findEngine}, {EngineClient}] = await Promise.all([import('../engine/endpoint.js'), import('../engine/engine-client.js')]);
			const {endpoint, tried} = findEngine(source.engine, await environment());
			if (!endpoint) {
				const what = source.engine === 'any' ? 'no such file, and no engine to ask for an image of that name' : `no ${source.engine} engine to ask`;
				throw new InputError(input, `${what}: no socket at ${tried.join(', ')} (start one, or set ${source.engine === 'podman' ? 'CONTAINER_HOST' : 'DOCKER_HOST'})`);
			}
			const client = new EngineClient(endpoint, input);
			const image = await client.inspect(source.name);
			progress.bytesTotal = image.size;
			progress.approximate = true;
			const response = await client.export(source.name);
			const stream = engineStream(response, client, received);
			return {...(await openStream(input, stream, onePassLayer, pass)), location: input, ref: undefined, origin: {kind: 'engine', endpoint: endpoint.url}};
		}
		case 'registry': {
			const {openRegistry} = await import('../registry/registry-files.js');
			const registry = await openRegistry(source.reference, {input, insecure: options.insecure === true, environment: await environment(), onBytes: received});
			return {files: registry.files, container: 'archive', compressedArchive: false, location: input, ref: undefined, origin: {kind: 'registry', endpoint: registry.endpoint}};
		}
	}
}

/** Counts bytes as they pass. */
async function* counted(stream: AsyncIterable<Uint8Array>, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
	for await (const chunk of stream) {
		onBytes(chunk.length);
		yield chunk;
	}
}

/** An engine's export, with a cut connection said as such (not as a truncated archive). */
async function* engineStream(response: AsyncIterable<Uint8Array>, client: EngineClient, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array> {
	let received = 0;
	try {
		for await (const chunk of response) {
			received += chunk.length;
			onBytes(chunk.length);
			yield chunk;
		}
	} catch (error) {
		throw client.error(`cut the connection after ${received} bytes of the export (${(error as Error).message})`);
	}
}

/** Names of this process's standard input: read from the stream "-" reads (a socket, as some parents give, cannot be opened by name). */
const STDIN_NAMES = new Set(['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

async function openInput(location: string, onLayer: () => void, onBytes: (bytes: number) => void, stdin: () => AsyncIterable<Uint8Array>, pass: OnePass): Promise<OpenedInput> {
	const info = await stat(location).catch((error: NodeJS.ErrnoException) => {
		throw new InputError(location, error.code === 'ENOENT' ? 'no such file or directory' : error.code === 'EACCES' ? 'permission denied' : error.message);
	});
	if (info.isDirectory()) return {files: new DirectoryFiles(location, location), container: 'directory', compressedArchive: false};
	// A pipe given by name (`<(docker save app)`, /dev/stdin, a FIFO): a stream the user chose, read once as "-" is.
	if (!info.isFile() && STDIN_NAMES.has(location)) return openStream(location, stdin(), onLayer, pass);
	if (info.isFIFO() || info.isCharacterDevice()) return openStream(location, counted(createReadStream(location, {highWaterMark: 1024 * 1024}), onBytes), onLayer, pass);
	if (info.isSocket()) throw new InputError(location, 'is a socket; give a file, a directory, a pipe or "-"');
	if (!info.isFile()) throw new InputError(location, 'is not a file, directory or pipe');
	if (info.size === 0) throw new InputError(location, 'is empty');

	const head = Buffer.alloc(512);
	const handle = await open(location, 'r').catch((error: NodeJS.ErrnoException) => {
		throw new InputError(location, error.code === 'EACCES' ? 'permission denied' : error.message);
	});
	try {
		await handle.read(head, 0, head.length, 0);
	} finally {
		await handle.close();
	}
	if (sniffCompression(head) !== 'none') return openStream(location, counted(createReadStream(location, {highWaterMark: 1024 * 1024}), onBytes), onLayer, pass);
	return {files: await TarIndex.open(location, location, info.size), container: 'archive', compressedArchive: false};
}

/** A stream is read once; a compressed outer archive (docker save | gzip) is decompressed on the way. */
/** How a stream is read: with the cache (cached layers only hashed as they pass), and whether its layer blobs are kept for reading again. */
interface OnePass {
	cache: LayerCache | null;
	spool: boolean;
}

async function openStream(location: string, stream: AsyncIterable<Uint8Array>, onLayer: () => void, pass: OnePass): Promise<OpenedInput> {
	const iterator = stream[Symbol.asyncIterator]();
	const first = await iterator.next();
	if (first.done) throw new InputError(location, 'is empty');
	const head = Buffer.from(first.value);
	const rest: AsyncIterable<Uint8Array> = {[Symbol.asyncIterator]: () => prepend(head, iterator)};
	const compression = sniffCompression(head);
	if (compression === 'bzip2' || compression === 'xz') throw new InputError(location, `is ${compression}-compressed; decompress it first or pipe it through ${compression === 'xz' ? 'xz -dc' : 'bzip2 -dc'}`);
	const archive = compression === 'none' ? rest : decompress(rest, compression);
	const [{OnePassFiles}, {BlobSpool}] = await Promise.all([import('./one-pass.js'), import('./blob-spool.js')]);
	const files = await OnePassFiles.read(location, archive, onLayer, pass.cache, pass.spool ? new BlobSpool(location) : undefined);
	return {files, stream: files, container: 'archive', compressedArchive: compression !== 'none'};
}

function prepend(head: Uint8Array, iterator: AsyncIterator<Uint8Array>): AsyncIterator<Uint8Array> {
	let sent = false;
	return {
		next: async () => (sent ? iterator.next() : ((sent = true), {done: false, value: head})),
		// A reader that stops early (at the end-of-archive marker) lets go of the stream beneath.
		return: async () => (await iterator.return?.(), {done: true, value: undefined}),
	};
}

/** Runs `fn` over `items` with at most `limit` at once, starting them in `order`; results keep the items' order. After the first failure nothing new starts. */
async function mapLimit<T, R>(items: T[], limit: number, order: number[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	let failed = false;
	const workers = Array.from({length: Math.min(limit, items.length)}, async () => {
		while (next < order.length && !failed) {
			const index = order[next++]!;
			try {
				results[index] = await fn(items[index]!, index);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	});
	await Promise.all(workers);
	return results;
}
