import {AnalysisBuilder, type Analysis, type BuilderState} from '../../source/analysis/analyse.js';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import {decodeBuilder, encodeBuilder} from '../../source/cache/builder-cache.js';
import type {Layer} from '../../source/model.js';
import {ApplyError} from '../../source/tree/apply-error.js';
import {prng} from '../fixtures/random.js';
import {modelImage} from '../ui/model-image.js';

/** The ChainID the tests' states are kept under. */
export const TEST_CHAIN = 'sha256:' + 'e'.repeat(64);

/** A builder's state, encoded and decoded as the cache keeps it. */
export function asKept(state: BuilderState): BuilderState | null {
	return decodeBuilder(Buffer.concat(encodeBuilder(state, TEST_CHAIN)), TEST_CHAIN);
}

/** The state a first run keeps after analysing `layers` whole, as the cache gives it back. */
export function keptAfter(layers: Layer[]): BuilderState {
	const builder = new AnalysisBuilder();
	for (const layer of layers) builder.add(layer);
	builder.finish(modelImage(layers));
	return asKept(builder.exportState())!;
}

/** The state a run keeps as its stacking passes the top of `layers` (taken mid-stacking: no walk, no reports), as the cache gives it back. */
export function keptMidway(layers: Layer[]): BuilderState {
	const builder = new AnalysisBuilder();
	for (const layer of layers) builder.add(layer);
	return asKept(builder.exportState())!;
}

/**
 * goneOn, with the builder asked to complete a state it takes up without its walk and reports
 * (onCompleted): also every state it handed back to be kept, as the cache gives it back.
 */
export function goneOnCompleting(state: BuilderState, below: number, layers: Layer[]): {analysis: Analysis; completed: Array<{layers: number; state: BuilderState}>} {
	const builder = AnalysisBuilder.resuming(below, state);
	const completed: Array<{layers: number; state: BuilderState}> = [];
	// Encoded there and then, as the cache writes it: the builder goes on changing its arrays.
	builder.onCompleted = (layers, kept) => completed.push({layers, state: asKept(kept)!});
	for (const layer of layers) builder.add(layer);
	return {analysis: builder.finish(modelImage(layers)), completed};
}

/** The analysis of `layers` by a builder that goes on from `state` for the first `below`, and that builder. */
export function goneOn(state: BuilderState, below: number, layers: Layer[]): {analysis: Analysis; builder: AnalysisBuilder} {
	const builder = AnalysisBuilder.resuming(below, state);
	for (const layer of layers) builder.add(layer);
	return {analysis: builder.finish(modelImage(layers)), builder};
}

/**
 * A random image and its next build from one seed: one to three base layers, then one or two on top, each
 * made by `layer`; null when no runtime would stack them (the base, a prefix, then neither).
 */
export function nextBuildOf(seed: number, layer: (random: () => number, index: number, kind: 'base' | 'top') => Layer): {base: Layer[]; all: Layer[]} | null {
	const random = prng(seed);
	const below = 1 + Math.floor(random() * 3);
	const more = 1 + Math.floor(random() * 2);
	const base = Array.from({length: below}, (_, index) => layer(random, index, 'base'));
	const all = [...base, ...Array.from({length: more}, (_, n) => layer(random, below + n, 'top'))];
	try {
		buildLayerHistory(all);
		return {base, all};
	} catch (error) {
		if (error instanceof ApplyError) return null;
		throw error;
	}
}
