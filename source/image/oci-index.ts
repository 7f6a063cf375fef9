import {InputError} from '../errors.js';
import type {Platform} from '../model.js';
import type {ImageFiles} from './image-files.js';
import {blobPath, isRecord, parseJson, readJson, readVerifiedBlob} from './json-documents.js';
import {CONTAINERD_IMAGE_NAME, DOCKER_REFERENCE_TYPE, isIndexType, isManifestType, REF_NAME} from './media-types.js';
import {formatPlatform, hostPlatform, platformMatches} from './platform.js';

/** One image manifest reachable from index.json, possibly through nested indexes. */
export interface ManifestCandidate {
	digest: string;
	platform: Platform | undefined;
	/** Names the top-level descriptor carries (ref name, containerd image name). */
	names: string[];
}

const MAX_INDEX_DEPTH = 8;

/** Lists the image manifests of a layout, skipping attestations and manifests whose blobs are absent (other platforms). */
export async function listManifests(files: ImageFiles): Promise<ManifestCandidate[]> {
	if (!files.has('index.json')) throw new InputError(files.input, 'not an OCI image layout or docker archive (no index.json or manifest.json)');
	const index = await readJson(files, 'index.json');
	const candidates: ManifestCandidate[] = [];
	const missing: string[] = [];
	await collect(files, index, 'index.json', [], undefined, 0, candidates, missing);
	// Absent blobs are normal for other platforms, but not when nothing at all is left.
	if (candidates.length === 0 && missing.length > 0) throw new InputError(files.input, `index.json points to ${missing[0]}, which is missing`);
	return candidates;
}

async function collect(files: ImageFiles, index: unknown, where: string, names: string[], inherited: Platform | undefined, depth: number, out: ManifestCandidate[], missing: string[]): Promise<void> {
	if (!isRecord(index) || !Array.isArray(index.manifests)) throw new InputError(files.input, `${where} is not an image index (no "manifests" list)`);
	for (const descriptor of index.manifests) {
		if (!isRecord(descriptor)) continue;
		const annotations = isRecord(descriptor.annotations) ? descriptor.annotations : {};
		const platform = readPlatform(descriptor.platform) ?? inherited;
		if (annotations[DOCKER_REFERENCE_TYPE] === 'attestation-manifest' || platform?.os === 'unknown') continue;
		const ownNames = depth === 0 ? [annotations[REF_NAME], annotations[CONTAINERD_IMAGE_NAME]].filter((n): n is string => typeof n === 'string') : names;
		const path = blobPath(files.input, descriptor.digest);
		if (!files.has(path)) {
			missing.push(path); // blobs of platforms the producer did not keep
			continue;
		}
		let type = descriptor.mediaType;
		if (isIndexType(type) || type === undefined) {
			const document = parseJson(files.input, path, await readVerifiedBlob(files, descriptor.digest as string, 'index'));
			type ??= isRecord(document) ? document.mediaType ?? (Array.isArray(document.manifests) ? 'index' : 'manifest') : undefined;
			if (isIndexType(type) || type === 'index') {
				if (depth >= MAX_INDEX_DEPTH) throw new InputError(files.input, 'image indexes are nested too deeply');
				await collect(files, document, path, ownNames, platform, depth + 1, out, missing);
				continue;
			}
		}
		if (isManifestType(type) || type === 'manifest') out.push({digest: descriptor.digest as string, platform, names: ownNames});
	}
}

export function readPlatform(value: unknown): Platform | undefined {
	if (!isRecord(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') return undefined;
	const platform: Platform = {os: value.os, architecture: value.architecture};
	if (typeof value.variant === 'string' && value.variant !== '') platform.variant = value.variant;
	return platform;
}

export interface Selection {
	ref?: string;
	platform?: Platform;
}

/** Does a name the image carries answer to what the user typed? "sample:1" finds "localhost/sample:1"; "latest" finds the ref name "latest". */
export function nameMatches(name: string, ref: string): boolean {
	return name === ref || name.endsWith('/' + ref);
}

/**
 * Picks one manifest: by ref name, then by platform (the host's unless one is
 * asked for). When several remain the choice is the user's: the error lists them.
 * `platformOf` fills in platforms that descriptors leave out (read from configs).
 */
export async function selectManifest(
	input: string,
	candidates: ManifestCandidate[],
	selection: Selection,
	platformOf: (candidate: ManifestCandidate) => Promise<Platform | undefined>,
): Promise<ManifestCandidate> {
	let pool = candidates;
	if (pool.length === 0) throw new InputError(input, 'holds no image manifest');
	if (selection.ref !== undefined) {
		const ref = selection.ref;
		pool = pool.filter(c => c.names.some(name => nameMatches(name, ref)));
		if (pool.length === 0) throw new InputError(input, `has no image named "${ref}"; it has ${describeNames(candidates)}`);
	}
	if (distinct(pool).length === 1 && !selection.platform) return pool[0]!;

	for (const candidate of pool) candidate.platform ??= await platformOf(candidate);
	const wanted = selection.platform ?? hostPlatform();
	const matching = distinct(pool.filter(c => c.platform && platformMatches(c.platform, wanted)));
	if (matching.length === 1) return matching[0]!;
	const available = distinct(pool).map(c => `${formatPlatform(c.platform)}${c.names.length > 0 ? ` (${c.names.join(', ')})` : ''}`).join('; ');
	if (matching.length === 0) {
		throw new InputError(input, `has no image for ${formatPlatform(wanted)}; available: ${available} (choose with --platform)`);
	}
	throw new InputError(input, `holds several images for ${formatPlatform(wanted)}: ${available} (choose one with PATH:REF or --ref)`);
}

function distinct(candidates: ManifestCandidate[]): ManifestCandidate[] {
	const seen = new Map<string, ManifestCandidate>();
	for (const candidate of candidates) if (!seen.has(candidate.digest)) seen.set(candidate.digest, candidate);
	return [...seen.values()];
}

function describeNames(candidates: ManifestCandidate[]): string {
	const names = [...new Set(candidates.flatMap(c => c.names))];
	return names.length > 0 ? names.map(n => `"${n}"`).join(', ') : 'no named images';
}
