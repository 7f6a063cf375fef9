import {createHash} from 'node:crypto';
import {deserialize, serialize} from 'node:v8';
import type {Layer} from '../model.js';
import {FileSystem, type FileSystemState} from '../tree/filesystem.js';
import {codeIdentity} from './code-identity.js';

/**
 * Stacks kept by ChainID: the filesystem after a run of bottom layers, so
 * that a comparison against a known base (today's build against
 * yesterday's, every pull request against main) stacks only what is new.
 * A stack is a function of its layers' changesets, which their diff_ids
 * name (the ChainID of the OCI image spec chains them), and of the code
 * that stacks them: the key is a digest of both. A kept stack is made back
 * into a filesystem over the very layers this run read (their entry tables
 * hold what its refs point at), and only when it fits them.
 */

/** ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln−1) + " " + DiffID(Ln)). */
export function chainId(diffIds: readonly string[]): string {
	return chainIds(diffIds).at(-1)!;
}

/** The ChainID of every run of bottom layers: [ChainID(L0), …, ChainID(Ln)]. */
export function chainIds(diffIds: readonly string[]): string[] {
	const chains: string[] = [];
	for (const diffId of diffIds) chains.push(chains.length === 0 ? diffId : `sha256:${createHash('sha256').update(`${chains.at(-1)!} ${diffId}`).digest('hex')}`);
	return chains;
}

/** The cache key of the stack of these layers: "sha256:<hex>" of the code and their ChainID. */
export function stackKey(layers: readonly Pick<Layer, 'diffId'>[]): string {
	return `sha256:${createHash('sha256').update(codeIdentity()).update('\0stack\0').update(chainId(layers.map(layer => layer.diffId))).digest('hex')}`;
}

export function encodeStack(fs: FileSystem): Buffer {
	return serialize(fs.exportState());
}

/** The kept stack over these layers, or null when it is not a stack of them. */
export function decodeStack(payload: Uint8Array, layers: readonly Layer[]): FileSystem | null {
	let state: FileSystemState;
	try {
		state = deserialize(payload) as FileSystemState;
	} catch {
		return null;
	}
	if (typeof state !== 'object' || state === null || typeof state.paths !== 'object' || state.paths === null) return null;
	return FileSystem.fromState(state, layers);
}
