import {createHash} from 'node:crypto';
import {InputError} from '../errors.js';

/** The algorithms the OCI image spec registers, and the length of their hex encoding. */
const REGISTERED = {sha256: 64, sha512: 128} as const;

export type DigestAlgorithm = keyof typeof REGISTERED;

/**
 * The algorithm of a digest the image states, checked against the spec's
 * registered ones: an algorithm that cannot be verified is an error, never
 * a digest quietly taken on trust.
 */
export function digestAlgorithm(input: string, digest: string, what: string): DigestAlgorithm {
	const colon = digest.indexOf(':');
	const algorithm = colon === -1 ? '' : digest.slice(0, colon);
	if (!Object.hasOwn(REGISTERED, algorithm)) {
		const named = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/.test(algorithm) ? `the algorithm "${algorithm}"` : 'no known algorithm';
		throw new InputError(input, `${what} digest ${JSON.stringify(digest)} uses ${named}, which cannot be verified (layerscope verifies sha256 and sha512)`);
	}
	const known = algorithm as DigestAlgorithm;
	if (!new RegExp(`^[a-f0-9]{${REGISTERED[known]}}$`).test(digest.slice(colon + 1))) {
		throw new InputError(input, `${what} digest ${JSON.stringify(digest)} is not a valid ${known} digest (${REGISTERED[known]} lowercase hex digits)`);
	}
	return known;
}

export function digestOf(algorithm: DigestAlgorithm, bytes: Uint8Array): string {
	return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The digest of everything a stream yields, read once. */
export async function digestOfStream(algorithm: DigestAlgorithm, chunks: AsyncIterable<Uint8Array>): Promise<string> {
	const hash = createHash(algorithm);
	for await (const chunk of chunks) hash.update(chunk);
	return `${algorithm}:${hash.digest('hex')}`;
}
