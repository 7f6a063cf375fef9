/**
 * Loads one image with layerscope's loader, in a fresh process so that its
 * peak RSS is the loader's own, and prints one JSON line to stdout:
 *
 *   {"ms": ..., "maxRssBytes": ..., "rssSource": "VmHWM", "files": ..., "entries": ..., "layers": ...}
 *
 * `ms` times loadImage() alone (module loading excluded). `files` counts the
 * layers' entries of type "file", across layers, as a check that everything
 * was read. By hand:
 *
 *   node --import tsx test/bench/load-once.ts INPUT [--no-verify] [--loader MODULE]
 *   node --import tsx test/bench/load-once.ts --noop     # the harness's own RSS (loader imported, nothing loaded)
 *
 * run.ts does not use tsx here (it alone adds ~30 MB of RSS): it transpiles
 * this file to plain JavaScript and runs that with `node`, passing --loader.
 * So this file imports nothing but Node's own modules.
 *
 * The loader is --loader, else the module LAYERSCOPE_BENCH_LOADER names (same
 * `loadImage` export, for comparisons), else the built `dist/source/image/load.js`.
 * Exit code 3 (MISSING_LOADER_EXIT in paths.ts): the loader module does not exist.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';

interface LoadedImage {
	layers: Array<{entries: unknown[]; size: number; compressedSize: number}>;
}
type LoadImage = (input: string, options?: {verify?: boolean}) => Promise<LoadedImage>;

const args = process.argv.slice(2);
const option = (name: string) => {
	const at = args.indexOf(name);
	return at === -1 ? undefined : args.splice(at, 2)[1];
};
const loaderOption = option('--loader');
const noop = args.includes('--noop');
const verify = !args.includes('--no-verify');
/** Also run the analysis every mode runs (stacking, changes, trees, waste, findings) and time it on its own. */
const analyse = args.includes('--analyse');
const input = args.find(arg => !arg.startsWith('--'));
if (!noop && !input) {
	process.stderr.write('usage: load-once.ts INPUT [--no-verify] [--loader MODULE] | --noop\n');
	process.exit(2);
}

const loader = path.resolve(loaderOption ?? process.env.LAYERSCOPE_BENCH_LOADER ?? fileURLToPath(new URL('../../dist/source/image/load.js', import.meta.url)));
if (!existsSync(loader)) {
	process.stderr.write(`${loader} does not exist\n`);
	process.exit(3);
}
// A computed URL: TypeScript does not need the loader at compile time.
const loaderModule = (await import(pathToFileURL(loader).href)) as {loadImage?: unknown};
if (typeof loaderModule.loadImage !== 'function') {
	process.stderr.write(`${loader} does not export a loadImage function\n`);
	process.exit(2);
}
const loadImage = loaderModule.loadImage as LoadImage;

let ms = 0;
let analysisMs: number | undefined;
let treesMs: number | undefined;
let packagesMs: number | undefined;
let files = 0;
let entries = 0;
let layers = 0;
if (!noop) {
	let image: LoadedImage;
	if (analyse) {
		// As the CLI does it: layers are stacked on this thread while workers read the rest.
		const analysisModule = path.resolve(path.dirname(loader), '../analysis/analyse.js');
		const {AnalysisBuilder} = (await import(pathToFileURL(analysisModule).href)) as {
			AnalysisBuilder: new () => {add(layer: unknown): void; finish(image: LoadedImage): {trees: unknown; history: unknown; finalFiles: unknown}};
		};
		const builder = new AnalysisBuilder();
		const started = performance.now();
		image = await (loadImage as (input: string, options: object) => Promise<LoadedImage>)(input!, {verify, onLayer: (layer: unknown) => builder.add(layer)});
		ms = performance.now() - started;
		const analysisStarted = performance.now();
		const analysis = builder.finish(image);
		analysisMs = Math.round((performance.now() - analysisStarted) * 10) / 10;
		// The browser's per-layer tree index is built on first use: time it on its own.
		const treesStarted = performance.now();
		void analysis.trees;
		treesMs = Math.round((performance.now() - treesStarted) * 10) / 10;
		// Package attribution is part of the analysis above; timed again on its own, for its share.
		const attributeModule = path.resolve(path.dirname(loader), '../packages/attribute.js');
		// A loader of an older build (LAYERSCOPE_BENCH_LOADER) may have none.
		const {attributePackages} = ((await import(pathToFileURL(attributeModule).href).catch(() => ({}))) as {attributePackages?: (image: LoadedImage, history: unknown, finalFiles: unknown) => unknown});
		if (attributePackages) {
			const packagesStarted = performance.now();
			attributePackages(image, analysis.history, analysis.finalFiles);
			packagesMs = Math.round((performance.now() - packagesStarted) * 10) / 10;
		}
	} else {
		const started = performance.now();
		image = await loadImage(input!, {verify});
		ms = performance.now() - started;
	}
	layers = image.layers.length;
	for (const layer of image.layers) {
		entries += layer.entries.length;
		for (const entry of layer.entries) if ((entry as {type?: unknown} | null)?.type === 'file') files++;
	}
}

/**
 * Peak RSS of this process. On Linux, getrusage's maxRSS (process.resourceUsage().maxRSS)
 * keeps the high-water mark of the process that spawned us (the runner, which can be
 * 300+ MB after generating the image): it survives fork+exec. VmHWM is the peak of this
 * process's own memory, so it is used where /proc exists.
 */
function peakRss(): {bytes: number; source: 'VmHWM' | 'maxRSS'} {
	try {
		const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
		if (hwm) return {bytes: Number(hwm[1]) * 1024, source: 'VmHWM'};
	} catch {
		// not Linux
	}
	return {bytes: process.resourceUsage().maxRSS * 1024, source: 'maxRSS'};
}

const rss = peakRss();
process.stdout.write(`${JSON.stringify({ms: Math.round(ms * 10) / 10, analysisMs, treesMs, packagesMs, maxRssBytes: rss.bytes, rssSource: rss.source, files, entries, layers})}\n`);
