import type {Analysis, AnalysisBuilder, AnalysisFacts} from '../analysis/analyse.js';
import {analysisKey, encodeFacts, factsFor, readStoredFacts, type StoredFacts} from '../cache/analysis-cache.js';
import {InputError} from '../errors.js';
import {loadImage, type LoadOptions} from '../image/load.js';
import type {Image, ImageFacts, Layer} from '../model.js';
import {ApplyError} from '../tree/apply-error.js';
import type {ComparedImage} from '../compare/comparison.js';

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
 * What a comparison reads of an image: the facts as loadFacts gives them,
 * and the final filesystem. On a hit only that filesystem is stacked (from
 * the layers, which are read or taken from the layer cache): none of the
 * analysis' passes is made again.
 */
export async function loadFactsAndFiles(input: string, options: LoadOptions = {}): Promise<ComparedImage> {
	return (await analyseWhileLoading(input, options, 'facts and files')) as ComparedImage;
}

type Wanted = 'analysis' | 'facts' | 'facts and files';

async function analyseWhileLoading(input: string, options: LoadOptions, wanted: Wanted): Promise<AnalysisFacts> {
	const cache = wanted === 'analysis' ? null : options.cache ?? null;
	// The analysis' modules (its rules, the package readers: 30 ms of start-up) are imported only when something is stacked.
	let builder: AnalysisBuilder | undefined;
	let building: Promise<AnalysisBuilder> | undefined;
	const startBuilding = () => (building ??= import('../analysis/analyse.js').then(module => (builder = new module.AnalysisBuilder())));
	let key: string | undefined;
	let stored: Promise<StoredFacts | null> = Promise.resolve(null);
	// While the cache is asked (and the builder imported), layers wait; after a miss they are stacked, after a hit dropped.
	let arriving: 'stack' | 'hold' | 'drop' = 'stack';
	const held: Layer[] = [];
	if (!cache) void startBuilding();
	try {
		const loaded: Image | ImageFacts = await loadImage(input, {
			...options,
			onVerifiedConfig(config) {
				options.onVerifiedConfig?.(config);
				if (!cache) return;
				key = analysisKey(config);
				arriving = 'hold';
				stored = cache.getAnalysis(key).then(payload => {
					const facts = payload ? readStoredFacts(payload) : null;
					if (facts) arriving = 'drop';
					else void startBuilding().then(() => (arriving = 'stack'));
					return facts;
				});
			},
			// A hit whose blobs are the ones its facts were made from needs no layer read at all.
			knownLayers: cache && wanted === 'facts' ? async () => (await stored)?.layers ?? null : undefined,
			onLayer(layer) {
				// Stacked here, in the load, so that a layer the stack refuses fails the load as before; held ones first.
				if (arriving === 'stack' && builder) for (const next of [...held.splice(0), layer]) builder.add(next);
				else if (arriving !== 'drop') held.push(layer);
				options.onLayer?.(layer);
			},
		});
		const known = await stored;
		const facts = known ? factsFor(known, loaded) : null;
		if (facts) {
			await cache?.finish();
			if (wanted !== 'facts and files') return facts;
			// Its layers were read for this (no known layers asked): the final filesystem alone is stacked.
			const [{FileSystem}, {FinalFiles}] = await Promise.all([import('../tree/filesystem.js'), import('../analysis/final-files.js')]);
			const image = loaded as Image;
			const fs = new FileSystem();
			for (const layer of image.layers) fs.apply(layer, layer.index);
			return {...facts, image, finalFiles: new FinalFiles(fs)} satisfies ComparedImage;
		}
		// Layers without changesets come only with facts that fit them: factsFor cannot refuse those, but if it did, read the layers.
		const image = hasChangesets(loaded) ? loaded : await loadImage(input, {...options, onLayer: undefined});
		const analysisBuilder = await startBuilding();
		for (const layer of image === loaded ? held.splice(0) : image.layers) analysisBuilder.add(layer);
		// A miss, or an entry that cannot be this image's: the analysis is made (finish stacks what was not yet) and kept.
		const analysis = analysisBuilder.finish(image);
		if (cache && key) {
			cache.putAnalysis(key, encodeFacts(analysis));
			await cache.finish();
		}
		return analysis;
	} catch (error) {
		// A layer a runtime would refuse to apply is bad input like any other.
		if (error instanceof ApplyError) throw new InputError(input, error.message);
		throw error;
	}
}

/** Whether the load read the layers (their changesets are there), rather than took them from what an analysis knew. */
function hasChangesets(image: Image | ImageFacts): image is Image {
	return image.layers.every(layer => 'entries' in layer);
}
