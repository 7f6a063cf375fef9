import type {Analysis} from '../analysis/analyse.js';
import {compareImages, compareLayers, type Comparison} from '../compare/comparison.js';
import {UsageError} from '../errors.js';
import type {LoadOptions} from '../image/load.js';
import {loadAndAnalyse} from './load-and-analyse.js';
import type {DiffMode} from './mode.js';
import {createProgress} from './progress.js';

/**
 * Reads and analyses the images a diff names, then compares them. The two
 * images are read one after the other: each uses every core already, and
 * the second finds the layers it shares with the first in the layer cache
 * (the first run stores them), so a shared base is read once.
 */
export async function loadComparison(mode: DiffMode, load: LoadOptions): Promise<Comparison> {
	const analyses: Analysis[] = [];
	for (const image of mode.images) {
		// Progress on stderr, unless the caller shows it (the browser's loading screen).
		const progress = load.onProgress ? {update: load.onProgress, done: () => {}} : createProgress(process.stderr);
		analyses.push(await loadAndAnalyse(image, {...load, onProgress: progress.update}).finally(progress.done));
	}
	if (!mode.range) return compareImages(analyses[0]!, analyses[1]!);
	const analysis = analyses[0]!;
	const last = analysis.image.layers.length - 1;
	const to = mode.range.to ?? last;
	const from = mode.range.from ?? to - 1;
	if (to > last) throw new UsageError(`--to must be a layer of this image (0–${last}), not ${to}`);
	if (from >= to || from < 0) throw new UsageError(`--from must be a layer below --to (0–${to - 1}), not ${from}`);
	return compareLayers(analysis, from, to);
}
