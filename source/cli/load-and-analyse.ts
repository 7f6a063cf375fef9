import {AnalysisBuilder, type Analysis, type AnalysisFacts} from '../analysis/analyse.js';
import {analysisKey, decodeFacts, encodeFacts} from '../cache/analysis-cache.js';
import {InputError} from '../errors.js';
import {loadImage, type LoadOptions} from '../image/load.js';
import type {Layer} from '../model.js';
import {ApplyError} from '../tree/filesystem.js';

/**
 * The one analysis every mode starts from. Layers are stacked as they
 * arrive, so the analysis runs while later layers are still being read.
 */
export async function loadAndAnalyse(input: string, options: LoadOptions = {}): Promise<Analysis> {
	return (await analyseWhileLoading(input, options, false)) as Analysis;
}

/**
 * What the reports read: from the analysis cache when a verified run's
 * config has been analysed before by this code (then nothing is stacked),
 * else the analysis made now, which the cache then keeps.
 */
export async function loadFacts(input: string, options: LoadOptions = {}): Promise<AnalysisFacts> {
	return analyseWhileLoading(input, options, true);
}

async function analyseWhileLoading(input: string, options: LoadOptions, useCache: boolean): Promise<AnalysisFacts> {
	const builder = new AnalysisBuilder();
	const cache = useCache ? options.cache ?? null : null;
	let key: string | undefined;
	let stored: Promise<Buffer | null> = Promise.resolve(null);
	// While the cache is asked, layers wait; after a miss they are stacked with the next one (or by finish), after a hit dropped.
	let arriving: 'stack' | 'hold' | 'drop' = 'stack';
	const held: Layer[] = [];
	try {
		const image = await loadImage(input, {
			...options,
			onVerifiedConfig(config) {
				options.onVerifiedConfig?.(config);
				if (!cache) return;
				key = analysisKey(config);
				arriving = 'hold';
				stored = cache.getAnalysis(key).then(payload => {
					arriving = payload ? 'drop' : 'stack';
					return payload;
				});
			},
			onLayer(layer) {
				// Stacked here, in the load, so that a layer the stack refuses fails the load as before; held ones first.
				if (arriving === 'stack') for (const next of [...held.splice(0), layer]) builder.add(next);
				else if (arriving === 'hold') held.push(layer);
				options.onLayer?.(layer);
			},
		});
		const payload = await stored;
		const facts = payload ? decodeFacts(payload, image) : null;
		if (facts) {
			await cache?.finish();
			return facts;
		}
		// A miss, or an entry that cannot be this image's: the analysis is made (finish stacks what was not yet) and kept.
		const analysis = builder.finish(image);
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
