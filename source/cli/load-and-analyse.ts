import type {Analysis, AnalysisBuilder, AnalysisFacts} from '../analysis/analyse.js';
import {analysisKey, encodeFacts, factsFor, readStoredFacts, type StoredFacts} from '../cache/analysis-cache.js';
import {InputError} from '../errors.js';
import {loadImage, type LoadOptions} from '../image/load.js';
import type {Image, ImageFacts, Layer} from '../model.js';
import {ApplyError} from '../tree/apply-error.js';
import type {FinalFiles} from '../analysis/final-files.js';
import type {SharedStacking} from '../analysis/shared-stacking.js';
import {readDiffIds} from '../image/image-config.js';
import {builderKey, encodeBuilder, keptBuilder, type KeptBuilder} from '../cache/builder-cache.js';
import {chainIds} from '../cache/stack-cache.js';

/**
 * The one analysis every mode starts from. Layers are stacked as they
 * arrive, so the analysis runs while later layers are still being read.
 */
export async function loadAndAnalyse(input: string, options: LoadOptions = {}): Promise<Analysis> {
	return (await analyseWhileLoading(input, options, 'analysis')) as Analysis;
}

/**
 * What the reports read: from the analysis cache when a verified run's
 * config has been analysed before by this code (then nothing is stacked),
 * else the analysis made now, which the cache then keeps.
 */
export async function loadFacts(input: string, options: LoadOptions = {}): Promise<AnalysisFacts> {
	return analyseWhileLoading(input, options, 'facts');
}

/**
 * What a comparison reads of an image: the facts as loadFacts gives them
 * (from the analysis cache on a hit), the image with its layers read (from
 * the input or the layer cache), and the final filesystem when an analysis
 * was made now (on a hit the caller stacks it, see compare/final-stacks.ts).
 */
export async function loadForComparison(input: string, options: LoadOptions = {}, stacking?: Stacking): Promise<{facts: AnalysisFacts; image: Image; finalFiles: FinalFiles | null}> {
	const facts = await analyseWhileLoading(input, options, 'facts and layers', stacking);
	const image = facts.image as Image;
	return {facts, image, finalFiles: facts.finalFiles ?? null};
}

type Wanted = 'analysis' | 'facts' | 'facts and layers';

/** This load's side of two analyses made together, which stack the layers they share once (see SharedStacking). */
export interface Stacking {
	shared: SharedStacking;
	side: 0 | 1;
}

async function analyseWhileLoading(input: string, options: LoadOptions, wanted: Wanted, stacking?: Stacking): Promise<AnalysisFacts> {
	const cache = wanted === 'analysis' ? null : options.cache ?? null;
	// The analysis' modules (its rules, the package readers: 30 ms of start-up) are imported only when something is stacked.
	let builder: AnalysisBuilder | undefined;
	let building: Promise<AnalysisBuilder> | undefined;
	// A kept state of the bottom layers (builder-cache.ts), when the cache has one: the builder goes on from it.
	const startBuilding = (resume: Promise<KeptBuilder | null> | null = null) =>
		(building ??= Promise.all([import('../analysis/analyse.js'), resume]).then(async ([module, kept]) => {
			const make = () => (kept ? module.AnalysisBuilder.resuming(kept.layers, kept.state) : new module.AnalysisBuilder());
			builder = stacking ? await stacking.shared.builder(stacking.side, make) : make();
			if (!stacking) {
				keepBelowTop(builder);
				keepCompleted(builder);
			}
			return builder;
		}));
	let chains = null as string[] | null;
	// The stacking below the top layer is kept too, as it is reached: the next build often rebuilds only that layer.
	const keepBelowTop = (analysisBuilder: AnalysisBuilder) => {
		if (!cache || !chains || chains.length < 2) return;
		const [below, chain] = [chains.length - 1, chains.at(-2)!];
		// Unless this run started from that very state (one that was dropped is written anew).
		analysisBuilder.stateAt(below, state => state && analysisBuilder.resumedLayers !== below && cache.putBuilderNow(builderKey(chain), () => encodeBuilder(state, chain)));
	};
	// A kept state taken up without the walk and reports (one kept below a top layer) is made whole once, and kept again in its place.
	const keepCompleted = (analysisBuilder: AnalysisBuilder) => {
		if (!cache || !chains) return;
		const ids = chains;
		analysisBuilder.onCompleted = (layers, state) => cache.putBuilderNow(builderKey(ids[layers - 1]!), () => encodeBuilder(state, ids[layers - 1]!));
	};
	let key: string | undefined;
	let stored: Promise<StoredFacts | null> = Promise.resolve(null);
	// While the cache is asked (and the builder imported), layers wait; after a miss they are stacked, after a hit dropped.
	let arriving: 'stack' | 'hold' | 'drop' = 'stack';
	const held: Layer[] = [];
	// A layer the stack refused while held layers were stacked outside onLayer: the load fails with it at the next layer or its end.
	let refused: unknown;
	const stackHeld = (layer?: Layer) => {
		if (refused !== undefined) throw refused;
		for (const next of held.splice(0)) builder!.add(next);
		if (layer) builder!.add(layer);
	};
	// Sharing a stack, a side starts building once its config is verified (or its first layer came without one).
	if (!cache && !stacking) void startBuilding();
	try {
		const loaded: Image | ImageFacts = await loadImage(input, {
			...options,
			onVerifiedConfig(config) {
				options.onVerifiedConfig?.(config);
				const diffIds = stacking ? readDiffIds(config) : null;
				if (diffIds) stacking!.shared.configured(stacking!.side, diffIds);
				if (!cache) {
					void startBuilding();
					return;
				}
				key = analysisKey(config);
				// A diff's two sides share their stacking (and keep their shared stack, stack-cache.ts) instead.
				const ids = stacking ? null : readDiffIds(config);
				chains = ids && ids.length > 0 ? chainIds(ids) : null;
				arriving = 'hold';
				stored = cache.getAnalysis(key).then(payload => {
					const facts = payload ? readStoredFacts(payload) : null;
					if (facts) {
						arriving = 'drop';
						stacking?.shared.withdraw(stacking.side);
					} else {
						// The held layers are stacked the moment the builder is there, not when the next layer comes: a kept state is
						// taken up (tens of ms) while the worker still reads the new layers.
						void startBuilding(chains && keptBuilder(cache, chains).catch(() => null)).then(() => {
							arriving = 'stack';
							try {
								stackHeld();
							} catch (error) {
								refused = error;
							}
						});
					}
					return facts;
				});
			},
			// A hit whose blobs are the ones its facts were made from needs no layer read at all.
			knownLayers: cache && wanted === 'facts' ? async () => (await stored)?.layers ?? null : undefined,
			onLayer(layer) {
				if (!cache) void startBuilding();
				// Stacked here, in the load, so that a layer the stack refuses fails the load as before; held ones first.
				if (arriving === 'stack' && builder) stackHeld(layer);
				else if (arriving !== 'drop') held.push(layer);
				options.onLayer?.(layer);
			},
		});
		const known = await stored;
		if (refused !== undefined) throw refused;
		const facts = known ? factsFor(known, loaded) : null;
		if (facts) {
			await cache?.finish();
			return facts;
		}
		// Layers without changesets come only with facts that fit them: factsFor cannot refuse those, but if it did, read the layers.
		const image = hasChangesets(loaded) ? loaded : await loadImage(input, {...options, onLayer: undefined});
		const analysisBuilder = await startBuilding();
		if (refused !== undefined) throw refused;
		for (const layer of image === loaded ? held.splice(0) : image.layers) analysisBuilder.add(layer);
		// A miss, or an entry that cannot be this image's: the analysis is made (finish stacks what was not yet) and kept.
		const analysis = analysisBuilder.finish(image);
		if (cache && key) {
			cache.putAnalysis(key, encodeFacts(analysis));
			// The stacking of every layer, for the next build (these layers and more); unless it is what this run started from, or little more.
			if (chains && analysisBuilder.resumedLayers < chains.length && analysisBuilder.worthKeeping) cache.putBuilder(builderKey(chains.at(-1)!), () => encodeBuilder(analysisBuilder.exportState(), chains!.at(-1)!));
			await cache.finish();
		}
		return analysis;
	} catch (error) {
		// A layer a runtime would refuse to apply is bad input like any other.
		if (error instanceof ApplyError) throw new InputError(input, error.message);
		throw error;
	} finally {
		// Whatever became of this side, the other does not wait for it.
		stacking?.shared.withdraw(stacking.side);
	}
}

/** Whether the load read the layers (their changesets are there), rather than took them from what an analysis knew. */
function hasChangesets(image: Image | ImageFacts): image is Image {
	return image.layers.every(layer => 'entries' in layer);
}
