/**
 * Reading files back (issue 14), on the real toolchain image (real-images.ts):
 *
 *   node --import tsx test/bench/content-bench.ts [--runs N]
 *
 * - the viewer: opening a file (its first 1 MiB, as the browser asks) in the uncompressed `docker save`
 *   tarball, 20 files spread over the largest layer, the last one included: p50 and p95, target ≤ 100 ms;
 * - the same from the OCI layout (gzip): the last file of the largest layer, against `gzip -dc` of that
 *   layer (decompression speed: the target is ≤ 1× of it);
 * - `cat` of that last file, the whole CLI from the gzip layout, against the same `gzip -dc`: target ≤ 1×
 *   plus the CLI's load of the image.
 * - the same image converted by skopeo to zstd:chunked (made once, kept next to the layout): the viewer's open
 *   of the same files and the last one, target ≤ 100 ms; `cat` of the last file with every layer cached.
 * Each figure is the median of N runs (default 3); the load of the image is not counted in the viewer's.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, renameSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {loadAndAnalyse} from '../../source/cli/load-and-analyse.js';
import {imageFileAccess, type FileAccess} from '../../source/content/file-access.js';
import type {KeptBlobs} from '../../source/image/load.js';
import {VIEWER_LIMIT} from '../../source/ui/use-viewed-file.js';
import {repoRoot} from './paths.js';
import {ensureRealImages} from './real-images.js';

const cli = path.join(repoRoot, 'dist/cli.js');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

async function opened(input: string) {
	let kept: KeptBlobs | undefined;
	const analysis = await loadAndAnalyse(input, {keepBlobs: blobs => (kept = blobs), cache: null});
	return {analysis, files: imageFileAccess(analysis, kept!, {verify: true}), kept: kept!};
}

/** Regular files of the largest layer, in tar order: their paths and where their bytes are. */
function filesOfLargestLayer(analysis: Awaited<ReturnType<typeof opened>>['analysis']) {
	const layer = [...analysis.image.layers].sort((a, b) => b.size - a.size)[0]!;
	const files: Array<{path: string; offset: number}> = [];
	const table = layer.entries;
	for (let index = 0; index < table.length; index++) if (table.typeOf(index) === 'file' && table.sizeOf(index) > 0) files.push({path: table.pathOf(index), offset: table.dataOffsetOf(index)});
	files.sort((a, b) => a.offset - b.offset);
	return {layer, files};
}

async function time(action: () => Promise<unknown>): Promise<number> {
	const start = performance.now();
	await action();
	return performance.now() - start;
}

export async function contentBench(options: {runs: number}): Promise<void> {
	const real = ensureRealImages().toolchain;
	const docker = await opened(real.dockerArchive);
	const {layer, files} = filesOfLargestLayer(docker.analysis);
	const last = files.at(-1)!;
	// As the largest layer left them: the bytes are read from that layer.
	const step = layer.index;
	const visible = (access: FileAccess, file: {path: string}) => access.open(step, file.path, VIEWER_LIMIT).then(() => true, () => false);
	const picks: Array<{path: string}> = [];
	for (let i = 1; i <= 20; i++) {
		const file = files[Math.min(files.length - 1, Math.floor((files.length * i) / 20) - 1)]!;
		if (await visible(docker.files, file)) picks.push(file);
	}
	const viewMs: number[] = [];
	for (let run = 0; run < options.runs; run++) for (const file of picks) viewMs.push(await time(() => docker.files.open(step, file.path, VIEWER_LIMIT)));
	await docker.files.close();
	console.log(`reading files back (issue 14), the real toolchain image, its largest layer (${layer.index}: ${(layer.size / 1e6).toFixed(0)} MB tar, ${files.length} files):`);
	console.log(`  viewer open, docker save (uncompressed), ${picks.length} files over the layer: p50 ${median(viewMs).toFixed(1)} ms, p95 ${percentile(viewMs, 0.95).toFixed(1)} ms  <= 100 ms ${percentile(viewMs, 0.95) <= 100 ? 'ok' : 'MISSED'}`);

	const oci = await opened(real.ociLayout);
	const blob = oci.kept.layers[layer.index]!.range!;
	// The load holds the layout's files open (the range names its descriptor): the child reads it through this process's.
	const blobFile = blob.file.replace(/^\/proc\/self\//, `/proc/${process.pid}/`);
	const gunzip = () => {
		const start = performance.now();
		const result = spawnSync('sh', ['-c', `tail -c +${blob.start + 1} "$0" | head -c ${blob.end - blob.start + 1} | gzip -dc > /dev/null`, blobFile], {stdio: 'ignore'});
		if (result.status !== 0) throw new Error('gzip -dc of the layer failed');
		return performance.now() - start;
	};
	const gzipMs: number[] = [];
	const gzipViewMs: number[] = [];
	const catMs: number[] = [];
	const cachedCatMs: number[] = [];
	const cache = mkdtempSync(path.join(os.tmpdir(), 'layerscope-content-bench-'));
	const cat = (args: string[], env: Record<string, string> = {}) => {
		const result = spawnSync(process.execPath, [cli, 'cat', real.ociLayout, last.path, '--layer', String(layer.index), ...args], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...env}});
		if (result.status !== 0) throw new Error(`cat failed: ${result.stderr}`);
	};
	// Fills the cache: the runs below find every layer in it.
	cat([], {LAYERSCOPE_CACHE_DIR: cache});
	for (let run = 0; run < options.runs; run++) {
		cachedCatMs.push(await time(async () => cat([], {LAYERSCOPE_CACHE_DIR: cache})));
		gzipMs.push(gunzip());
		gzipViewMs.push(
			await time(async () => {
				const file = await oci.files.open(step, last.path, VIEWER_LIMIT);
				if (file.layer !== layer.index) throw new Error(`${last.path} was read from layer ${file.layer}, not ${layer.index}`);
			}),
		);
		catMs.push(await time(async () => cat(['--no-cache'])));
	}
	await oci.files.close();
	rmSync(cache, {recursive: true, force: true});
	const baseline = median(gzipMs);
	console.log(`  gzip -dc of that layer: ${(baseline / 1000).toFixed(2)} s (the baseline)`);
	console.log(`  viewer open of its last file, OCI layout (gzip): ${(median(gzipViewMs) / 1000).toFixed(2)} s = ${(median(gzipViewMs) / baseline).toFixed(2)}×  <= 1× ${median(gzipViewMs) <= baseline ? 'ok' : 'MISSED'}`);
	console.log(`  cat of its last file, the whole CLI (load and verify of the image included, no cache): ${(median(catMs) / 1000).toFixed(2)} s = ${(median(catMs) / baseline).toFixed(2)}×`);
	console.log(`  cat of its last file with every layer cached (the layer is read and hashed whole again: a cached layer was not verified in this run): ${(median(cachedCatMs) / 1000).toFixed(2)} s = ${(median(cachedCatMs) / baseline).toFixed(2)}×  <= 1× ${median(cachedCatMs) <= baseline ? 'ok' : 'MISSED'}`);

	// The same image as skopeo writes it zstd:chunked: files are read through the layers' tables of contents.
	const chunkedLayout = ensureChunkedLayout(real.ociLayout);
	const chunked = await opened(chunkedLayout);
	const chunkedMs: number[] = [];
	for (let run = 0; run < options.runs; run++) for (const file of [...picks, last]) chunkedMs.push(await time(() => chunked.files.open(step, file.path, VIEWER_LIMIT)));
	await chunked.files.close();
	const chunkedCache = mkdtempSync(path.join(os.tmpdir(), 'layerscope-content-bench-'));
	const chunkedCat = () => {
		const result = spawnSync(process.execPath, [cli, 'cat', chunkedLayout, last.path, '--layer', String(layer.index)], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, LAYERSCOPE_CACHE_DIR: chunkedCache}});
		if (result.status !== 0) throw new Error(`cat failed: ${result.stderr}`);
	};
	chunkedCat();
	const chunkedCatMs: number[] = [];
	for (let run = 0; run < options.runs; run++) chunkedCatMs.push(await time(async () => chunkedCat()));
	rmSync(chunkedCache, {recursive: true, force: true});
	console.log(`  viewer open, zstd:chunked layout (skopeo), ${picks.length + 1} files over the layer, the last included: p50 ${median(chunkedMs).toFixed(1)} ms, p95 ${percentile(chunkedMs, 0.95).toFixed(1)} ms  <= 100 ms ${percentile(chunkedMs, 0.95) <= 100 ? 'ok' : 'MISSED'}`);
	console.log(`  cat of its last file, zstd:chunked, every layer cached (its chunks only, checked against the TOC): ${(median(chunkedCatMs) / 1000).toFixed(2)} s`);
}

/** The gzip layout converted by skopeo to zstd:chunked, next to it (made once: minutes for the toolchain image). */
function ensureChunkedLayout(ociLayout: string): string {
	const dir = path.join(path.dirname(ociLayout), 'zstd-chunked');
	if (existsSync(dir)) return dir;
	const work = `${dir}.partial`;
	rmSync(work, {recursive: true, force: true});
	console.error(`content-bench: converting ${ociLayout} to zstd:chunked with skopeo (minutes, once)`);
	const result = spawnSync('skopeo', ['copy', '--quiet', '--dest-compress-format', 'zstd:chunked', `oci:${ociLayout}:latest`, `oci:${work}:latest`], {stdio: ['ignore', 'ignore', 'inherit']});
	if (result.status !== 0) throw new Error('skopeo copy to zstd:chunked failed');
	renameSync(work, dir);
	return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const at = process.argv.indexOf('--runs');
	await contentBench({runs: at === -1 ? 3 : Number(process.argv[at + 1])});
}
