import {AnalysisBuilder, type Analysis, type BuilderState} from '../../source/analysis/analyse.js';
import {decodeBuilder, encodeBuilder} from '../../source/cache/builder-cache.js';
import type {Layer} from '../../source/model.js';
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

/** The analysis of `layers` by a builder that goes on from `state` for the first `below`, and that builder. */
export function goneOn(state: BuilderState, below: number, layers: Layer[]): {analysis: Analysis; builder: AnalysisBuilder} {
	const builder = AnalysisBuilder.resuming(below, state);
	for (const layer of layers) builder.add(layer);
	return {analysis: builder.finish(modelImage(layers)), builder};
}
