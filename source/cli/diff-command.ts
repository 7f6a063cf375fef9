import type {Analysis} from '../analysis/analyse.js';
import {compareImages, compareLayers, type ComparedImage, type Comparison} from '../compare/comparison.js';
import {InputError, UsageError} from '../errors.js';
import type {LoadOptions, LoadProgress, SharedReads} from '../image/load.js';
// What reads files back (the compare view's viewer, --file) is imported by the functions that do: a diff's reports need none of it.
import type {FileVersion} from '../content/file-change.js';
import type {FileAccess} from '../content/file-access.js';
import type {LayerSource} from '../content/layer-source.js';
import type {KeptBlobs} from '../image/load.js';
import type {Image} from '../model.js';
import {escapeForTerminal} from '../report/escape.js';
import type {ChangeLabels} from '../report/file-change-lines.js';
import type {Style} from '../report/style.js';
import {loadAndAnalyse, loadForComparison} from './load-and-analyse.js';
import {FinalFiles} from '../analysis/final-files.js';
import {SharedStacking} from '../analysis/shared-stacking.js';
import {sharedLayers, stackFinal, stackFinals, StackError, type SharedStack} from '../compare/final-stacks.js';
import {decodeStack, encodeStack, stackKey} from '../cache/stack-cache.js';
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
export async function loadTogether(images: readonly string[], load: LoadOptions): Promise<{sides: ComparedImage[]; shared?: SharedStack}> {
	// Analysed now, the layers both start with are stacked once (a verified run's: their diff_ids are checked as they are read).
	const stacking = images.length === 2 && load.verify !== false ? new SharedStacking() : undefined;
	const sides = await together(images, load, (input, options, side) => loadForComparison(input, options, stacking && {shared: stacking, side: side as 0 | 1}));
	// Sides whose facts the analysis cache gave have no final filesystem yet: stacked here, the layers they share once.
	// The stack of the layers both share is kept by ChainID (stack-cache.ts), by verified runs only, as the other entries are.
	const cache = load.verify === false ? null : load.cache ?? null;
	if (sides.length === 2 && !sides[0]!.finalFiles && !sides[1]!.finalFiles) {
		const [imageA, imageB] = [sides[0]!.image, sides[1]!.image];
		const baseLayers = imageA.layers.slice(0, sharedLayers(imageA, imageB));
		const key = cache && baseLayers.length > 0 ? stackKey(baseLayers) : null;
		const payload = key ? await cache!.getStack(key) : null;
		try {
			const {a, b, shared} = stackFinals(imageA, imageB, {
				base: payload ? decodeStack(payload, baseLayers) : null,
				onBase: key ? base => cache!.putStack(key, encodeStack(base)) : undefined,
			});
			await cache?.finish();
			// B's walk copies A's wherever neither side's own layers touched a directory of the shared stack.
			const finalA = new FinalFiles(a);
			const finalB = new FinalFiles(b, {order: finalA, unchanged: id => id < shared.below && !shared.touchedA.has(id) && !shared.touchedB.has(id)});
			return {sides: [{...sides[0]!.facts, finalFiles: finalA}, {...sides[1]!.facts, finalFiles: finalB}], shared};
		} catch (error) {
			if (error instanceof StackError) throw new InputError(images[error.image]!, error.message);
			throw error;
		}
	}
	// Analysed now, one image the other's bottom layers (a next build): its final filesystem is the stack the next comparison can start from.
	if (cache && sides.length === 2) {
		for (const [index, side] of sides.entries()) {
			const other = sides[1 - index]!;
			if (side.finalFiles && side.image.layers.length > 0 && sharedLayers(side.image, other.image) === side.image.layers.length) cache.putStack(stackKey(side.image.layers), encodeStack(side.finalFiles.fs));
		}
		await cache.finish();
	}
	return {
		sides: sides.map((side, index) => {
			// An analysis made now is one already (spread, it would build its browsing trees through their getter).
			if (side.finalFiles) return side.facts as ComparedImage;
			try {
				return {...side.facts, finalFiles: new FinalFiles(stackFinal(side.image))};
			} catch (error) {
				if (error instanceof StackError) throw new InputError(images[index]!, error.message);
				throw error;
			}
		}),
	};
}

/** loadTogether's sharing and progress, for any load of one image. */
async function together<T>(images: readonly string[], load: LoadOptions, loadOne: (image: string, options: LoadOptions, index: number) => Promise<T>): Promise<T[]> {
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
				loadOne(image, {
					...load,
					shared,
					onProgress: state => {
						states[index] = state;
						report();
					},
				}, index),
			),
		);
	} finally {
		progress.done();
	}
}

/** Reads and analyses the images a diff names, together, then compares them. */
export async function loadComparison(mode: DiffMode, load: LoadOptions): Promise<Comparison> {
	// Two images need their facts and final filesystems (the caches give the facts); two layers of one, its whole analysis.
	if (!mode.range) {
		const {sides: [a, b], shared} = await loadTogether(mode.images, load);
		return compareImages(a!, b!, shared);
	}
	return compareAnalyses(mode, await together(mode.images, load, loadAndAnalyse));
}

/**
 * The comparison, and its files for the compare view's viewer (Enter, d, x): each image read together as
 * loadComparison reads them, with its blobs kept to read files back (closed by the caller, or here when a
 * load fails).
 */
export async function loadComparisonWithFiles(mode: DiffMode, load: LoadOptions): Promise<{comparison: Comparison; files: FileAccess}> {
	const {comparisonFileAccess, imageFileAccess} = await import('../content/file-access.js');
	const opened: FileAccess[] = [];
	let failed = false;
	const verify = {verify: load.verify !== false};
	try {
		const sides = await together(mode.images, load, async (input, options) => {
			let kept: KeptBlobs | undefined;
			const analysis = await loadAndAnalyse(input, {...options, keepBlobs: blobs => (kept = blobs)});
			const files = imageFileAccess(analysis, kept!, verify);
			// The other load failed while this one ran: nothing will read these files.
			if (failed) await files.close();
			else opened.push(files);
			return {analysis, files};
		});
		const comparison = compareAnalyses(mode, sides.map(side => side.analysis));
		const [a, b = a] = sides;
		const steps: [number, number] = comparison.range ? [comparison.range.from, comparison.range.to] : [a!.analysis.image.layers.length - 1, b!.analysis.image.layers.length - 1];
		const names: [string, string] = comparison.range ? [`after layer ${steps[0]}`, `after layer ${steps[1]}`] : ['image A', 'image B'];
		return {comparison, files: comparisonFileAccess(a!.files, b!.files, steps, names, verify)};
	} catch (error) {
		failed = true;
		await Promise.all(opened.map(files => files.close()));
		throw error;
	}
}

function compareAnalyses(mode: DiffMode, analyses: Analysis[]): Comparison {
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

/**
 * `diff A B --file PATH` (or `diff IMAGE --from N --to M --file PATH`): the
 * path as A's last layer leaves it against B's (the filesystem after N
 * against after M), printed as diff-file prints a layer's change. Both
 * images are read together, as diff reads them, and kept open to read the
 * file's bytes back; the path is looked up without following a symlink at
 * its end (the link itself is compared).
 */
export async function diffFileAcross(mode: DiffMode & {file: string}, load: LoadOptions, style: Style): Promise<string[]> {
	const [{compareFile, normalPath}, {layerSource}, {loadImage}, {fileChangeLines}, {historyOf}] = await Promise.all([
		import('../content/file-change.js'),
		import('../content/layer-source.js'),
		import('../image/load.js'),
		import('../report/file-change-lines.js'),
		import('./diff-file-command.js'),
	]);
	const opened: Array<{image: Image; source: LayerSource}> = [];
	let finished = false;
	try {
		const sides = await together(mode.images, load, async (input, options) => {
			let kept: KeptBlobs | undefined;
			const image = await loadImage(input, {...options, keepBlobs: blobs => (kept = blobs)});
			const side = {image, source: layerSource(image, kept!)};
			// The other load failed while this one ran: nothing will read it.
			if (finished) await side.source.close();
			else opened.push(side);
			return side;
		});
		const a = sides[0]!;
		const b = sides[1] ?? a;
		let before: FileVersion | null;
		let after: FileVersion | null;
		let labels: ChangeLabels;
		if (mode.range) {
			const history = historyOf(a.image, mode.file);
			const last = a.image.layers.length - 1;
			const to = mode.range.to ?? last;
			const from = mode.range.from ?? to - 1;
			if (to > last) throw new UsageError(`--to must be a layer of this image (0–${last}), not ${to}`);
			if (from >= to) throw new UsageError(`--from must be a layer below --to (${to === 0 ? 'none is' : `0–${to - 1}`}), not ${from}`);
			before = from >= 0 ? history[from]! : null;
			after = history[to]!;
			labels = {before: from >= 0 ? `after layer ${from}` : 'before layer 0', after: `after layer ${to}`};
		} else {
			before = historyOf(a.image, mode.file).at(-1) ?? null;
			after = historyOf(b.image, mode.file).at(-1) ?? null;
			labels = {before: escapeForTerminal(mode.images[0]), after: escapeForTerminal(mode.images[1]!)};
		}
		if (!before && !after) throw new UsageError(`${escapeForTerminal(JSON.stringify(normalPath(mode.file)))}: no such file or directory in ${labels.before} nor in ${labels.after}`);
		const change = await compareFile({...a, version: before}, {...b, version: after}, {verify: load.verify !== false});
		return fileChangeLines(change, labels, style);
	} finally {
		finished = true;
		await Promise.all(opened.map(side => side.source.close()));
	}
}
