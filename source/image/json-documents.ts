import {createHash} from 'node:crypto';
import {InputError} from '../errors.js';
import {digestAlgorithm, digestOf} from './digests.js';
import type {ImageFiles} from './image-files.js';

/** Reads and parses a JSON document of the image, naming it when it is not JSON. */
export async function readJson(files: ImageFiles, path: string): Promise<unknown> {
	const bytes = await files.readSmall(path);
	return parseJson(files.input, path, bytes);
}

export function parseJson(input: string, path: string, bytes: Buffer): unknown {
	try {
		return JSON.parse(bytes.toString('utf8'));
	} catch {
		throw new InputError(input, `${path} is not valid JSON`);
	}
}

export function sha256Digest(bytes: Buffer): string {
	return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

const DIGEST = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Where a blob lives in a layout; refuses digests that would make a path escape. */
export function blobPath(input: string, digest: unknown): string {
	const match = typeof digest === 'string' ? DIGEST.exec(digest) : null;
	if (!match) throw new InputError(input, `invalid digest ${JSON.stringify(digest)}`);
	return `blobs/${match[1]}/${match[2]}`;
}

/** Reads a blob by digest and checks its bytes hash to that digest (sha256 or sha512; any other algorithm is an error). */
export async function readVerifiedBlob(files: ImageFiles, digest: string, what: string): Promise<Buffer> {
	const path = blobPath(files.input, digest);
	const algorithm = digestAlgorithm(files.input, digest, what);
	if (!files.has(path)) throw new InputError(files.input, `${what} ${digest} is missing (no ${path})`);
	const bytes = await files.readSmall(path);
	if (digestOf(algorithm, bytes) !== digest) {
		throw new InputError(files.input, `${what} ${path} does not match its digest ${digest}`);
	}
	return bytes;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
