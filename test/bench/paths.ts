/** Where the benchmark keeps its generated image and finds the loader it measures. */
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The generated image lives here: `<repo>/.bench-cache/` (git-ignored) unless LAYERSCOPE_BENCH_DIR says otherwise. */
export function benchCacheDir(): string {
	const override = process.env.LAYERSCOPE_BENCH_DIR;
	return override ? path.resolve(override) : path.join(repoRoot, '.bench-cache');
}

/** The built loader by default; LAYERSCOPE_BENCH_LOADER points at another module exporting the same `loadImage`. */
export const builtLoader = path.join(repoRoot, 'dist/source/image/load.js');

export function loaderPath(): {path: string; overridden: boolean} {
	const override = process.env.LAYERSCOPE_BENCH_LOADER;
	return override ? {path: path.resolve(override), overridden: true} : {path: builtLoader, overridden: false};
}

/** load-once.ts exits with this when the loader module does not exist. */
export const MISSING_LOADER_EXIT = 3;
