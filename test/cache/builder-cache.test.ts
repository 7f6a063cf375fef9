/**
 * Issue 12: the next build of an image (its layers and more on top) stacks only the new layers: the
 * builder goes on from a kept state of the bottom ones (builder-cache.ts, AnalysisBuilder.resuming). It
 * must then make exactly the analysis a builder of its own makes, and a state that is not these layers'
 * (another image's, a spoiled one) must be dropped, never trusted: the layers are then stacked.
 */
import {serialize} from 'node:v8';
import {describe, expect, it} from 'vitest';
import {AnalysisBuilder, analyseImage, type Analysis, type BuilderState} from '../../source/analysis/analyse.js';
import {builderKey, decodeBuilder, encodeBuilder} from '../../source/cache/builder-cache.js';
import {chainId, chainIds} from '../../source/cache/stack-cache.js';
import type {Layer} from '../../source/model.js';
import {ApplyError} from '../../source/tree/apply-error.js';
import {prng} from '../fixtures/random.js';
import {modelImage} from '../ui/model-image.js';
import {modelLayer, randomLayer} from '../analysis/layers.js';
import {said} from '../analysis/said.js';
import {goneOnCompleting, keptAfter as finishedState, keptMidway} from '../analysis/kept-state.js';

/** The ChainID the tests' states are kept under. */
const CHAIN = 'sha256:' + 'c'.repeat(64);

/** Random layers made twice from one seed: equal, but other objects, as a later run reads them again. */
function twice(seed: number, count: number): [Layer[], Layer[]] {
	const make = () => {
		const random = prng(seed);
		return Array.from({length: count}, (_, index) => randomLayer(random, index));
	};
	return [make(), make()];
}

/** The kept state after the first run analysed `layers` whole, as the cache keeps it (encoded), or null when no runtime applies them. */
function keptAfter(layers: Layer[]): Uint8Array | null {
	const builder = new AnalysisBuilder();
	try {
		for (const layer of layers) builder.add(layer);
		builder.finish(modelImage(layers));
	} catch (error) {
		if (error instanceof ApplyError) return null;
		throw error;
	}
	return Buffer.concat(encodeBuilder(builder.exportState(), CHAIN));
}

/** The analysis of `layers` by a builder that resumes from `payload` for the first `below`, layers arriving in `order`. */
function resumed(payload: Uint8Array, below: number, layers: Layer[], order: number[]): {analysis: Analysis; resumedLayers: number} {
	const builder = AnalysisBuilder.resuming(below, decodeBuilder(payload, CHAIN)!);
	for (const index of order) builder.add(layers[index]!);
	return {analysis: builder.finish(modelImage(layers)), resumedLayers: builder.resumedLayers};
}

/** The analysis a builder of its own makes of `layers`, or null when no runtime would stack them. */
function analysedOrNull(layers: Layer[]): Analysis | null {
	try {
		return analyseImage(modelImage(layers));
	} catch (error) {
		if (error instanceof ApplyError) return null;
		throw error;
	}
}

describe('a builder resumed from a kept state', () => {
	it('goes on to exactly the analysis a builder of its own makes, whatever order the layers come in', () => {
		let checked = 0;
		for (let seed = 1; seed <= 3000; seed++) {
			const random = prng(seed + 100_000);
			const below = 1 + Math.floor(random() * 4);
			const more = Math.floor(random() * 3);
			const [first, again] = twice(seed, below + more);
			const payload = keptAfter(first.slice(0, below));
			if (!payload) continue;
			const expected = analysedOrNull(again);
			if (!expected) continue;
			const order = again.map((_, index) => index).sort(() => random() - 0.5);
			const got = resumed(payload, below, again, order);
			expect(got.resumedLayers, `seed ${seed}`).toBe(below);
			expect(said(got.analysis), `seed ${seed}`).toEqual(said(expected));
			checked++;
		}
		expect(checked).toBeGreaterThan(500);
	});

	it('goes on from a state taken as the stacking passed it (stateAt), under another top; the builder it was taken from is unchanged', () => {
		let checked = 0;
		for (let seed = 1; seed <= 4000; seed++) {
			const random = prng(seed + 200_000);
			const below = 1 + Math.floor(random() * 4);
			const [base, baseAgain] = twice(seed, below);
			const top = (count: number) => Array.from({length: count}, (_, i) => randomLayer(random, below + i));
			const first = [...base, ...top(Math.floor(random() * 3))];
			const again = [...baseAgain, ...top(1 + Math.floor(random() * 2))];
			const [expectedFirst, expectedAgain] = [analysedOrNull(first), analysedOrNull(again)];
			if (!expectedFirst || !expectedAgain) continue;
			const builder = new AnalysisBuilder();
			let payload: Buffer | undefined;
			// Encoded there and then, as the cache writes it: the builder goes on changing its arrays.
			builder.stateAt(below, state => (payload = state ? Buffer.concat(encodeBuilder(state, CHAIN)) : undefined));
			for (const index of first.map((_, index) => index).sort(() => random() - 0.5)) builder.add(first[index]!);
			expect(said(builder.finish(modelImage(first))), `seed ${seed}`).toEqual(said(expectedFirst));
			expect(payload, `seed ${seed}`).toBeDefined();
			const got = resumed(payload!, below, again, again.map((_, index) => index).sort(() => random() - 0.5));
			expect(got.resumedLayers, `seed ${seed}`).toBe(below);
			expect(said(got.analysis), `seed ${seed}`).toEqual(said(expectedAgain));
			checked++;
		}
		expect(checked).toBeGreaterThan(400);
	});

	it('completes a state taken mid-stacking with the walk and reports a finished analysis of its layers keeps, and goes on from them', () => {
		let checked = 0;
		for (let seed = 1; seed <= 2000; seed++) {
			const random = prng(seed + 300_000);
			const below = 1 + Math.floor(random() * 4);
			const [layers, again] = twice(seed, below + 1 + Math.floor(random() * 2));
			const expected = analysedOrNull(again);
			if (!expected) continue;
			const {analysis, completed} = goneOnCompleting(keptMidway(layers.slice(0, below)), below, again);
			expect(said(analysis), `seed ${seed}`).toEqual(said(expected));
			expect(completed, `seed ${seed}`).toEqual([{layers: below, state: finishedState(again.slice(0, below))}]);
			checked++;
		}
		expect(checked).toBeGreaterThan(250);
	});

	it('says its state is worth keeping when stacked from nothing, or when what it stacked on a kept state is an eighth of that state or more', () => {
		const files = (index: number, count: number) => modelLayer(index, Array.from({length: count}, (_, i) => ({path: `/l${index}/f${i}`, size: 10, digest: `c${index}-${i}`})));
		const base = [files(0, 400), files(1, 399)];
		const fresh = new AnalysisBuilder();
		for (const layer of [...base, files(2, 1)]) fresh.add(layer);
		expect(fresh.worthKeeping).toBe(true);
		// The kept state's paths, the root, /l0 and /l1 and their files, are 802: an eighth is 100.25 entries.
		for (const [entries, worth] of [[0, false], [100, false], [101, true], [500, true]] as const) {
			const top = entries === 0 ? [] : [files(2, entries)];
			const builder = AnalysisBuilder.resuming(2, decodeBuilder(keptAfter(base)!, CHAIN)!);
			for (const layer of [...base, ...top]) builder.add(layer);
			expect(builder.resumedLayers).toBe(2);
			expect(builder.worthKeeping, `${entries} entries`).toBe(worth);
		}
	});

	it('goes on over stacks of thousands of paths (every array grown past what the kept state holds)', () => {
		const files = (index: number, from: number, count: number, size: number) => Array.from({length: count}, (_, i) => ({path: `/d${(from + i) % 37}/f${from + i}`, size, digest: `c${index}-${from + i}`}));
		const make = () => [
			modelLayer(0, files(0, 0, 3000, 10)),
			modelLayer(1, [...files(1, 2500, 1000, 20)], ['/d3/f3', '/d4']),
			// Above the kept state: new paths past every array's length, rewrites, whiteouts, an opaque directory.
			modelLayer(2, [...files(2, 3400, 5000, 30), ...files(2, 100, 50, 40)], ['/d5/f5', '/d6'], ['/d7']),
		];
		const payload = keptAfter(make().slice(0, 2))!;
		const again = make();
		const got = resumed(payload, 2, again, [2, 0, 1]);
		expect(got.resumedLayers).toBe(2);
		const expected = analyseImage(modelImage(make()));
		expect(said(got.analysis)).toEqual(said(expected));
		expect(got.analysis.efficiency.score).toBeGreaterThan(0);
	});

	it('drops a state that is not these layers’ and stacks them, to the same analysis', () => {
		const file = (index: number, path: string, size: number) => modelLayer(index, [{path, size, digest: `c${path}${size}`}]);
		const mine = [file(0, '/etc/a', 10), modelLayer(1, [{path: '/etc/b', size: 20}], ['/etc/a']), file(2, '/srv/x', 30)];
		const expected = said(analyseImage(modelImage(mine)));
		const foreign: Record<string, Uint8Array> = {
			// As many layers, other entries: its refs would point at other files.
			'another image’s state': keptAfter([file(0, '/etc/a', 10), modelLayer(1, [{path: '/etc/b', size: 20}, {path: '/etc/c', size: 5}])])!,
			'a state of fewer layers': keptAfter([file(0, '/etc/a', 10)])!,
		};
		for (const [name, payload] of Object.entries(foreign)) {
			const got = resumed(payload, 2, mine, [2, 0, 1]);
			expect(got.resumedLayers, name).toBe(0);
			expect(said(got.analysis), name).toEqual(expected);
		}
	});

	it('refuses states whose arrays cannot be a history of these layers', () => {
		const layers = [modelLayer(0, [{path: '/etc/a', size: 10}, {path: '/etc/b', size: 7}]), modelLayer(1, [{path: '/etc/a', size: 12}], ['/etc/b'])];
		const state = decodeBuilder(keptAfter(layers)!, CHAIN)!;
		const spoiled = (edit: (copy: BuilderState) => void) => {
			const copy = structuredClone(state);
			edit(copy);
			const builder = AnalysisBuilder.resuming(2, decodeBuilder(Buffer.concat(encodeBuilder(copy, CHAIN)), CHAIN)!);
			for (const layer of layers) builder.add(layer);
			return builder.resumedLayers;
		};
		expect(spoiled(() => {})).toBe(2);
		expect(spoiled(copy => (copy.history.changes[0]!.pathIds[0] = 10_000))).toBe(0);
		expect(spoiled(copy => (copy.history.changes[1]!.states[0] = copy.history.references.length + 1000))).toBe(0);
		expect(spoiled(copy => (copy.history.changes[0]!.codes[0] = 200))).toBe(0);
		expect(spoiled(copy => (copy.history.changes = copy.history.changes.slice(1)))).toBe(0);
		expect(spoiled(copy => (copy.history.deathPaths = new Int32Array([-1])))).toBe(0);
		expect(spoiled(copy => (copy.history.deaths[0]!.killedBy = 9))).toBe(0);
		expect(spoiled(copy => (copy.history.stored = new Uint8Array(1)))).toBe(0);
		expect(spoiled(copy => (copy.history.fs.entryCounts = [1, 1]))).toBe(0);
		expect(spoiled(copy => (copy.dive.count = new Int32Array(1)))).toBe(0);
		expect(spoiled(copy => (copy.dive.stamp = -1))).toBe(0);
		expect(spoiled(copy => (copy.dive.stamp = 2 ** 31 - 1))).toBe(0);
		expect(spoiled(copy => (copy.history.deaths[0]!.storedIn = 0.5))).toBe(0);
		// Crafted to hang or to loop: a path table with no empty slot (every probe would go round for ever), a child list in a cycle.
		expect(spoiled(copy => copy.history.fs.paths.slots.fill(1))).toBe(0);
		expect(
			spoiled(copy => {
				const {firstChild, nextSibling} = copy.history.fs;
				const child = firstChild[0]!;
				nextSibling[child] = child;
			}),
		).toBe(0);
		expect(
			spoiled(copy => {
				// Room past the paths made, left as if a path were placed there.
				copy.history.fs.own[copy.history.fs.paths.count] = 0;
			}),
		).toBe(0);
		// Not a state at all: decoding refuses it.
		expect(decodeBuilder(Buffer.from('not a state'), CHAIN)).toBeNull();
		expect(decodeBuilder(serialize({chain: CHAIN, history: {fs: {}, deaths: {length: 2, fields: {}}}, dive: {}}), CHAIN)).toBeNull();
		expect(decodeBuilder(serialize([1, 2]), CHAIN)).toBeNull();
		// Another run of layers' state (an entry under the wrong key) is not this one's, however well it would fit.
		expect(decodeBuilder(keptAfter(layers)!, CHAIN)).not.toBeNull();
		expect(decodeBuilder(keptAfter(layers)!, 'sha256:' + 'f'.repeat(64))).toBeNull();
	});

	it('is keyed by the ChainID of its layers and the code', () => {
		const diffIds = ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64), 'sha256:' + 'c'.repeat(64)];
		expect(chainIds(diffIds)).toEqual([1, 2, 3].map(count => chainId(diffIds.slice(0, count))));
		expect(new Set(chainIds(diffIds).map(builderKey)).size).toBe(3);
		expect(builderKey(chainId(diffIds))).toMatch(/^sha256:[a-f0-9]{64}$/);
		expect(builderKey(chainId(diffIds))).not.toBe(chainId(diffIds));
	});
});
