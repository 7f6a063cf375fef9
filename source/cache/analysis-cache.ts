import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {deserialize, serialize} from 'node:v8';
import type {AnalysisFacts} from '../analysis/analyse.js';
import {nameFindings, sortFindings} from '../analysis/findings/index.js';
import type {Image} from '../model.js';

/**
 * What an analysis derived, kept so that a run whose layers are all known
 * pays neither the stacking nor the passes over the final tree. The facts
 * the reports read are a function of the config (its diff_ids name every
 * layer's bytes, which a verified run checks; its history and user are what
 * the findings quote) and of the code that derived them: the key is a
 * digest of both. What names the image (its tags, its digest, where it was
 * read from) is not in the key: each run takes it from its own input, and
 * makes again the findings that read it.
 */
type StoredFacts = Pick<AnalysisFacts, 'efficiency' | 'waste' | 'packages' | 'contentFindings' | 'layerChanges'>;

/** The cache key of an analysis: "sha256:<hex>" of the code and the config. */
export function analysisKey(config: Record<string, unknown>): string {
	return `sha256:${createHash('sha256').update(codeIdentity()).update('\0').update(JSON.stringify(config)).digest('hex')}`;
}

/** The facts as stored: v8's serialisation keeps every number as it is (NaN, -0) and every absent field absent. */
export function encodeFacts(facts: AnalysisFacts): Buffer {
	const {owners: _owners, deathOwners: _deathOwners, ...packages} = facts.packages as AnalysisFacts['packages'] & {owners?: unknown; deathOwners?: unknown};
	const stored: StoredFacts = {efficiency: facts.efficiency, waste: facts.waste, packages, contentFindings: facts.contentFindings, layerChanges: facts.layerChanges};
	return serialize(stored);
}

/** Stored facts as this image's analysis, or null when they cannot be this image's (they are then made anew). */
export function decodeFacts(payload: Uint8Array, image: Image): AnalysisFacts | null {
	let stored: StoredFacts;
	try {
		stored = deserialize(payload) as StoredFacts;
	} catch {
		return null;
	}
	const layers = image.layers.length;
	const isObject = (value: unknown) => typeof value === 'object' && value !== null;
	if (!isObject(stored) || !isObject(stored.efficiency) || !isObject(stored.waste) || !isObject(stored.packages)) return null;
	if (!Array.isArray(stored.contentFindings) || !Array.isArray(stored.layerChanges) || stored.layerChanges.length !== layers) return null;
	if (!Array.isArray(stored.waste.byLayer) || stored.waste.byLayer.length !== layers || !Array.isArray(stored.packages.packages)) return null;
	return {...stored, image, findings: sortFindings([...stored.contentFindings, ...nameFindings(image)])};
}

let identity: string | undefined;

/**
 * The running code, as a digest of every file of it (this module's
 * directory's parent: dist/ when built, source/ under tsx): a changed rule
 * or reader makes every stored analysis a miss, so an analysis is never
 * one that other code made. Read once per run, only when the cache is asked.
 */
export function codeIdentity(): string {
	if (identity !== undefined) return identity;
	const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
	const hash = createHash('sha256');
	const pending = [''];
	while (pending.length > 0) {
		const relative = pending.pop()!;
		const entries = readdirSync(path.join(root, relative), {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			const name = path.join(relative, entry.name);
			if (entry.isDirectory()) pending.push(name);
			else if (entry.isFile()) hash.update(name).update('\0').update(readFileSync(path.join(root, name))).update('\0');
		}
	}
	identity = hash.digest('hex');
	return identity;
}
