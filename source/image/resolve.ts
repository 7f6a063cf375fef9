import {InputError} from '../errors.js';
import type {LayerTocNote, Platform, SourceFormat} from '../model.js';
import {RefusedFileError} from './contained-file.js';
import {DirectoryFiles} from './directory-files.js';
import {digestAlgorithm, digestOf} from './digests.js';
import type {ImageFiles} from './image-files.js';
import {blobPath, isRecord, parseJson, readJson, readVerifiedBlob, sha256Digest} from './json-documents.js';
import {tocNoteOf} from './toc-note.js';
import {listManifests, nameMatches, readPlatform, selectManifest, type ManifestCandidate, type Selection} from './oci-index.js';

export interface ResolvedLayer {
	/** Where the blob is inside the image's files. */
	path: string;
	/** The blob digest the manifest promises, when it names one. */
	digest: string | null;
	mediaType: string | null;
	/** The blob's size as the manifest gives it, when it does. */
	size?: number;
	/** What the descriptor's annotations say of a table of contents (eStargz, zstd:chunked). */
	toc?: LayerTocNote;
}

/** Everything needed to read an image, before any layer is read. */
export interface ResolvedImage {
	format: SourceFormat;
	config: Record<string, unknown>;
	configDigest: string;
	manifestDigest: string | null;
	repoTags: string[];
	layers: ResolvedLayer[];
}

/**
 * Finds the one image to read. `docker save` archives are chosen through
 * manifest.json (which carries RepoTags); OCI layouts through index.json.
 * A Docker 25+ archive has both: manifest.json chooses, index.json adds the
 * manifest digest and media types.
 */
export async function resolveImage(files: ImageFiles, selection: Selection, container: 'archive' | 'directory'): Promise<ResolvedImage> {
	if (files.has('manifest.json')) return resolveDockerArchive(files, selection);
	if (container === 'directory' && !files.has('index.json')) {
		const inside = files instanceof DirectoryFiles ? files.layoutsInside() : [];
		const hint = inside.length > 0 ? `; it holds ${inside.length === 1 ? 'one' : inside.length}: ${inside.slice(0, 10).join(', ')}${inside.length > 10 ? ', …' : ''} (give ${inside.length === 1 ? 'it' : 'one of them'})` : '';
		throw new InputError(files.input, `is a directory but not an OCI image layout (no index.json)${hint}`);
	}
	const candidates = await listManifests(files);
	const chosen = await selectManifest(files.input, candidates, selection, candidate => platformFromConfig(files, candidate));
	const manifest = await readManifest(files, chosen.digest);
	const resolved = await fromManifest(files, manifest, chosen.digest);
	return {...resolved, format: container === 'directory' ? 'oci-layout' : 'oci-archive', repoTags: chosen.names.filter(name => name.includes(':') || name.includes('/'))};
}

interface DockerManifestEntry {
	Config: string;
	RepoTags: string[];
	Layers: string[];
}

async function resolveDockerArchive(files: ImageFiles, selection: Selection): Promise<ResolvedImage> {
	const document = await readJson(files, 'manifest.json');
	if (!Array.isArray(document) || document.length === 0) throw new InputError(files.input, 'manifest.json lists no images');
	const entries = document.map((entry, index): DockerManifestEntry => {
		if (!isRecord(entry) || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every(l => typeof l === 'string')) {
			throw new InputError(files.input, `manifest.json entry ${index} has no Config or Layers`);
		}
		const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string') : [];
		return {Config: entry.Config, RepoTags: tags, Layers: entry.Layers as string[]};
	});
	const entry = chooseDockerEntry(files.input, entries, selection.ref);

	if (!files.has(entry.Config)) throw new InputError(files.input, `manifest.json points to ${entry.Config}, which is missing`);
	const configBytes = await files.readSmall(entry.Config);
	const configDigest = sha256Digest(configBytes);
	// Docker 25 names the config by its digest: hold it to it (legacy "<id>.json" names state none).
	const namedConfig = digestFromBlobPath(entry.Config);
	if (namedConfig && digestOf(digestAlgorithm(files.input, namedConfig, 'config'), configBytes) !== namedConfig) {
		throw new InputError(files.input, `config ${entry.Config} does not match its digest ${namedConfig}`);
	}
	const config = parseJson(files.input, entry.Config, configBytes);
	if (!isRecord(config)) throw new InputError(files.input, `${entry.Config} is not an image config`);
	const layers: ResolvedLayer[] = entry.Layers.map(path => ({path, digest: digestFromBlobPath(path), mediaType: null}));

	// Docker 25+: an OCI layout rides along; its manifest gives the manifest digest and media types.
	let manifestDigest: string | null = null;
	if (files.has('index.json')) {
		const candidates = await listManifests(files).catch(unlessRefused([] as ManifestCandidate[]));
		for (const candidate of candidates) {
			const manifest = await readManifest(files, candidate.digest).catch(unlessRefused(undefined));
			if (!manifest || !isRecord(manifest.config) || manifest.config.digest !== configDigest || !Array.isArray(manifest.layers)) continue;
			manifestDigest = candidate.digest;
			manifest.layers.forEach((descriptor, i) => {
				if (layers[i] && isRecord(descriptor) && typeof descriptor.mediaType === 'string') layers[i]!.mediaType = descriptor.mediaType;
				const toc = layers[i] && isRecord(descriptor) && descriptor.digest === layers[i]!.digest ? tocNoteOf(descriptor.annotations) : undefined;
				if (toc) layers[i]!.toc = toc;
			});
			break;
		}
	}
	return {
		format: files.has('index.json') ? 'docker-archive-oci' : 'docker-archive',
		config,
		configDigest,
		manifestDigest,
		repoTags: entry.RepoTags,
		layers,
	};
}

function chooseDockerEntry(input: string, entries: DockerManifestEntry[], ref: string | undefined): DockerManifestEntry {
	const describe = () => entries.map(e => (e.RepoTags.length > 0 ? e.RepoTags.join(', ') : `untagged ${e.Config}`)).join('; ');
	if (ref !== undefined) {
		const matching = entries.filter(e => e.RepoTags.some(tag => nameMatches(tag, ref)));
		if (matching.length === 1) return matching[0]!;
		if (matching.length === 0) throw new InputError(input, `has no image tagged "${ref}"; it has: ${describe()}`);
		throw new InputError(input, `has several images tagged "${ref}": ${describe()}`);
	}
	if (entries.length === 1) return entries[0]!;
	throw new InputError(input, `holds ${entries.length} images: ${describe()} (choose one with PATH:TAG or --ref)`);
}

/** "blobs/<algorithm>/<encoded>" names its digest (checked when it is verified); legacy "<id>/layer.tar" does not. */
function digestFromBlobPath(path: string): string | null {
	const match = /^(?:\.\/)?blobs\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\/([a-zA-Z0-9=_-]+)$/.exec(path);
	return match ? `${match[1]}:${match[2]}` : null;
}

/** Optional documents may be skipped when unreadable, but a file refused for leading outside the input stops the load. */
function unlessRefused<T>(fallback: T): (error: unknown) => T {
	return error => {
		if (error instanceof RefusedFileError) throw error;
		return fallback;
	};
}

async function readManifest(files: ImageFiles, digest: string): Promise<Record<string, unknown>> {
	const manifest = parseJson(files.input, blobPath(files.input, digest), await readVerifiedBlob(files, digest, 'manifest'));
	if (!isRecord(manifest)) throw new InputError(files.input, `manifest ${digest} is not a JSON object`);
	return manifest;
}

async function fromManifest(files: ImageFiles, manifest: Record<string, unknown>, manifestDigest: string): Promise<Omit<ResolvedImage, 'format' | 'repoTags'>> {
	const configDescriptor = manifest.config;
	if (!isRecord(configDescriptor) || typeof configDescriptor.digest !== 'string') throw new InputError(files.input, `manifest ${manifestDigest} has no config`);
	if (!Array.isArray(manifest.layers)) throw new InputError(files.input, `manifest ${manifestDigest} has no layers list`);
	const configBytes = await readVerifiedBlob(files, configDescriptor.digest, 'config');
	const config = parseJson(files.input, blobPath(files.input, configDescriptor.digest), configBytes);
	if (!isRecord(config)) throw new InputError(files.input, `config ${configDescriptor.digest} is not a JSON object`);
	const layers = manifest.layers.map((descriptor, i): ResolvedLayer => {
		if (!isRecord(descriptor) || typeof descriptor.digest !== 'string') throw new InputError(files.input, `manifest ${manifestDigest} layer ${i} has no digest`);
		const size = typeof descriptor.size === 'number' && Number.isSafeInteger(descriptor.size) && descriptor.size >= 0 ? descriptor.size : undefined;
		const toc = tocNoteOf(descriptor.annotations);
		return {path: blobPath(files.input, descriptor.digest), digest: descriptor.digest, mediaType: typeof descriptor.mediaType === 'string' ? descriptor.mediaType : null, ...(size === undefined ? {} : {size}), ...(toc ? {toc} : {})};
	});
	return {config, configDigest: configDescriptor.digest, manifestDigest, layers};
}

async function platformFromConfig(files: ImageFiles, candidate: ManifestCandidate): Promise<Platform | undefined> {
	try {
		const manifest = await readManifest(files, candidate.digest);
		if (!isRecord(manifest.config) || typeof manifest.config.digest !== 'string') return undefined;
		const config = parseJson(files.input, 'config', await readVerifiedBlob(files, manifest.config.digest, 'config'));
		return readPlatform(config);
	} catch (error) {
		return unlessRefused(undefined)(error);
	}
}
