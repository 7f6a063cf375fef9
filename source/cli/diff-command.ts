import type {Analysis} from '../analysis/analyse.js';
import {compareImages, compareLayers, type Comparison} from '../compare/comparison.js';
import {UsageError} from '../errors.js';
import type {LoadOptions, LoadProgress, SharedReads} from '../image/load.js';
import {loadAndAnalyse} from './load-and-analyse.js';
import type {DiffMode} from './mode.js';
import {createProgress} from './progress.js';

/**
 * Reads and analyses images at once (a diff's two, or `--ci --baseline`'s). A
 * blob they share (a base) is read once: the load that gets to it second
 * waits for the first one's read, as it would take a cache hit (with the
 * layer cache on; `--no-cache` reads and checks every copy). One progress
 * for all of them: layers and bytes together (on stderr unless the caller
 * shows it, as the browser does).
 */
export async function loadTogether(images: readonly string[], load: LoadOptions): Promise<Analysis[]> {
	const shared: SharedReads = new Map();
	const progress = load.onProgress ? {update: load.onProgress, done: () => {}} : createProgress(process.stderr);
	const states: Array<LoadProgress | null> = images.map(() => null);
	const report = () => {
		const known = states.filter((state): state is LoadProgress => state !== null);
		const sum = (pick: (state: LoadProgress) => number | null) => (known.length === states.length && known.every(state => pick(state) !== null) ? known.reduce((total, state) => total + pick(state)!, 0) : null);
		progress.update({
			layersRead: known.reduce((total, state) => total + state.layersRead, 0),
			layersTotal: sum(state => state.layersTotal),
			bytesRead: known.reduce((total, state) => total + state.bytesRead, 0),
			bytesTotal: sum(state => state.bytesTotal),
			approximate: known.some(state => state.approximate),
		});
	};
	try {
		return await Promise.all(
			images.map((image, index) =>
				loadAndAnalyse(image, {
					...load,
					shared,
					onProgress: state => {
						states[index] = state;
						report();
					},
				}),
			),
		);
	} finally {
		progress.done();
	}
}

/** Reads and analyses the images a diff names, together, then compares them. */
export async function loadComparison(mode: DiffMode, load: LoadOptions): Promise<Comparison> {
	const analyses = await loadTogether(mode.images, load);
	if (!mode.range) return compareImages(analyses[0]!, analyses[1]!);
	const analysis = analyses[0]!;
	const last = analysis.image.layers.length - 1;
	const to = mode.range.to ?? last;
	const from = mode.range.from ?? to - 1;
	if (to > last) throw new UsageError(`--to must be a layer of this image (0–${last}), not ${to}`);
	// --to alone compares with the layer below it; --to 0 with the empty filesystem (from −1).
	if (from >= to) throw new UsageError(`--from must be a layer below --to (${to === 0 ? 'none is' : `0–${to - 1}`}), not ${from}`);
	return compareLayers(analysis, from, to);
}
