import {stat} from 'node:fs/promises';
import {UsageError} from '../errors.js';
import {isEngineImageName, parseImageReference} from './image-reference.js';

export type SourceKind = 'docker' | 'podman' | 'registry' | 'file';

/** Where the image comes from, decided from the argument alone (and whether it exists as a path). */
export type InputSource =
	| {kind: 'path'; location: string; ref: string | undefined}
	| {kind: 'stdin'}
	| {kind: 'engine'; engine: 'docker' | 'podman' | 'any'; name: string}
	| {kind: 'registry'; reference: string};

/** dive's spellings too: `docker-archive://app.tar` (and `--source docker-archive`) is a file. */
const SCHEMES: Record<string, SourceKind> = {'docker://': 'docker', 'podman://': 'podman', 'registry://': 'registry', 'docker-archive://': 'file'};
/** Names that are meant as files even when they also parse as image names ("app.tar"). */
const FILE_LIKE = /^(?:\.{0,2}\/|~)|\.(?:tar|tgz|gz|zst|oci)$/;

/**
 * Paths first: an existing file or directory is always read as one, so a
 * local "nginx" directory is never shadowed by an engine. Then schemes, then
 * `--source`, then anything that reads as an image name goes to an engine.
 */
export async function classifyInput(input: string, options: {source?: string; ref?: string} = {}): Promise<InputSource> {
	const source = parseSourceFlag(options.source);
	if (input === '-') {
		if (source && source !== 'file') throw new UsageError(`--source ${source} cannot read "-" (standard input)`);
		return {kind: 'stdin'};
	}
	for (const [scheme, kind] of Object.entries(SCHEMES)) {
		if (!input.startsWith(scheme)) continue;
		if (source && source !== kind) throw new UsageError(`${input} names a ${kind} image but --source says ${source}`);
		return fromScheme(kind, input.slice(scheme.length), input);
	}
	if (source === 'docker' || source === 'podman' || source === 'registry') return fromScheme(source, input, input);
	const path = await splitPathReference(input, options.ref);
	if (path || source === 'file' || FILE_LIKE.test(input) || !isEngineImageName(input)) return path ?? {kind: 'path', location: input, ref: options.ref};
	return {kind: 'engine', engine: 'any', name: input};
}

function parseSourceFlag(source: string | undefined): SourceKind | undefined {
	if (source === undefined) return undefined;
	if (source === 'docker' || source === 'podman' || source === 'registry' || source === 'file') return source;
	if (source === 'docker-archive') return 'file';
	throw new UsageError(`--source must be docker, podman, registry, file or docker-archive, not "${source}"`);
}

function fromScheme(kind: SourceKind, rest: string, input: string): InputSource {
	if (kind === 'registry') {
		const reference = parseImageReference(rest);
		if (!reference?.domain) throw new UsageError(`${input}: a registry image is registry://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]`);
		return {kind: 'registry', reference: rest};
	}
	if (kind === 'file') return {kind: 'path', location: rest, ref: undefined};
	if (!isEngineImageName(rest)) throw new UsageError(`${input}: "${rest}" is not an image name (NAME[:TAG], NAME@DIGEST or an image ID)`);
	return {kind: 'engine', engine: kind, name: rest};
}

/** "PATH:REF" names an image inside a layout or archive, unless PATH:REF is itself a path. */
async function splitPathReference(input: string, ref: string | undefined): Promise<InputSource | undefined> {
	// --ref only means something inside a layout or archive.
	if (ref !== undefined || (await exists(input))) return {kind: 'path', location: input, ref};
	const colon = input.lastIndexOf(':');
	if (colon <= 0) return undefined;
	if (await exists(input.slice(0, colon))) return {kind: 'path', location: input.slice(0, colon), ref: input.slice(colon + 1)};
	// "dir:repo:tag": the ref may itself hold a colon.
	const first = input.indexOf(':');
	if (first !== colon && (await exists(input.slice(0, first)))) return {kind: 'path', location: input.slice(0, first), ref: input.slice(first + 1)};
	return undefined;
}

async function exists(path: string): Promise<boolean> {
	return stat(path).then(() => true, () => false);
}
