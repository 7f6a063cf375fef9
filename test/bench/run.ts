/**
 * `npm run bench`: how fast layerscope loads a large image, against the CLI tools.
 *
 *   node --import tsx test/bench/run.ts [--runs N] [--scale 50000,200000,... | none]
 *
 * 1. Makes sure the benchmark image exists (generate-image.ts; cached in .bench-cache/).
 * 2. Baseline: `gzip -dc LAYER | tar -t > /dev/null` for each gzip layer of the
 *    image, one after the other, timed by bash's `time` around each pipeline, summed.
 * 3. layerscope: loadImage() on the OCI layout (gzip layers) and on the legacy
 *    `docker save` tarball (uncompressed layers), each in a fresh child process
 *    (load-once.ts) so its peak RSS is honest. The child is plain `node` on
 *    load-once.ts transpiled to JavaScript (into the cache directory): running
 *    it under tsx would add ~30 MB of RSS that is not layerscope's.
 *
 * 4. The memory curve: the whole CLI on images of 50k, 200k, 1M and 2M files
 *    (scale-image.ts, cached beside the bench image), time and peak RSS at each size.
 * 5. The layer cache (cache-bench.ts): the whole CLI cold, first run and
 *    all-cached on both files, the next build over cached layers, and the
 *    bytes a registry sends cold and cached, each against its target.
 *
 * Every measurement runs N times (default 3), interleaved; the table shows the
 * median time (min-max beside it) and the largest peak RSS. Targets are shown,
 * not enforced: this is a benchmark, not a test.
 *
 * The loader is dist/source/image/load.js (build first), or the module named by
 * LAYERSCOPE_BENCH_LOADER. LAYERSCOPE_BENCH_DIR moves the image cache.
 */
import {spawn, spawnSync} from 'node:child_process';
import {createReadStream, existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import ts from 'typescript';
import {type BenchImage, ensureBenchImage} from './generate-image.js';
import {ensureScaleImage, type ScaleImage} from './scale-image.js';
import {loaderPath, MISSING_LOADER_EXIT, repoRoot} from './paths.js';
import {ensureRealImages} from './real-images.js';
import {cacheBench} from './cache-bench.js';
import {contentBench} from './content-bench.js';
import {compareBench} from './compare-bench.js';
import {PodmanService} from '../helpers/servers/podman-service.js';
import {RegistryServer} from '../helpers/servers/registry-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const loadOnceScript = path.join(here, 'load-once.ts');
const MB = 1e6;
const SCALE_FILES = [50_000, 200_000, 1_000_000, 2_000_000];
/** Peak RSS targets of the whole CLI by image size (issue 12). */
const SCALE_RSS_TARGETS = new Map([
	[200_000, 250 * MB],
	[2_000_000, 1500 * MB],
]);

interface Sample {
	ms: number;
	/** Peak RSS of the measured process; null for the CLI baseline. */
	maxRssBytes: number | null;
	/** "VmHWM" (Linux: this process's own peak) or "maxRSS" (getrusage; on Linux it keeps the spawner's peak too). */
	rssSource?: string;
	files?: number;
	layers?: number;
	/** With --analyse: the analysis alone, after loading. */
	analysisMs?: number;
	/** With --analyse: the browser's layer-tree index, built after the analysis. */
	treesMs?: number;
	/** With --analyse: package attribution (part of analysisMs), timed again on its own. */
	packagesMs?: number;
	/** With --analyse: loading alone (stacking runs alongside). */
	loadMs?: number;
}

interface Row {
	label: string;
	/** For progress lines. */
	short: string;
	measure: () => Promise<Sample>;
	/** Highest acceptable time / baseline time. */
	targetRatio?: number;
	/** Highest acceptable peak RSS, bytes. */
	targetRssBytes?: number;
	/** Checked against every sample: did the loader read the whole image? */
	expect?: {files: number; layers: number};
	samples: Sample[];
}

class BenchError extends Error {}

/** `--scale 50000,200000`: the sizes of the memory curve (default: 50k, 200k, 1M, 2M files); `--scale none` skips it. */
function parseScale(args: string[]): number[] {
	const at = args.indexOf('--scale');
	if (at === -1) return [...SCALE_FILES];
	if (args[at + 1] === 'none') return [];
	const sizes = (args[at + 1] ?? '').split(',').map(Number);
	if (sizes.length === 0 || sizes.some(size => !Number.isInteger(size) || size < 1000)) throw new BenchError('--scale needs a comma-separated list of file counts (each at least 1000), or none');
	return sizes;
}

function parseRuns(args: string[]): number {
	const at = args.indexOf('--runs');
	if (at === -1) return 3;
	const runs = Number(args[at + 1]);
	if (!Number.isInteger(runs) || runs < 1) throw new BenchError('--runs needs a positive integer');
	return runs;
}

// ---------------------------------------------------------------------------
// Measurements

/** The CLI baseline: each layer through a real shell pipeline, timed by bash's `time`; the sum. */
async function measureBaseline(layers: readonly string[]): Promise<Sample> {
	const script = 'set -o pipefail; TIMEFORMAT=%3R; for f in "$@"; do time gzip -dc "$f" | tar -tf - > /dev/null; done';
	const {code, stdout, stderr} = await run('bash', ['-c', script, 'baseline', ...layers]);
	const times = stderr.split('\n').filter(line => /^\d+\.\d+$/.test(line.trim()));
	if (code !== 0 || times.length !== layers.length) throw new BenchError(`the baseline pipeline failed (exit ${code}):\n${stderr}${stdout}`);
	return {ms: times.reduce((sum, t) => sum + Number(t) * 1000, 0), maxRssBytes: null};
}

/** load-once.ts as plain JavaScript, so that the child is `node` alone (no tsx in its RSS). */
async function prepareLoadOnce(cacheDir: string): Promise<string> {
	const {outputText} = ts.transpileModule(await readFile(loadOnceScript, 'utf8'), {
		fileName: loadOnceScript,
		compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022},
	});
	const script = path.join(cacheDir, 'harness', 'load-once.mjs');
	await mkdir(path.dirname(script), {recursive: true});
	await writeFile(script, outputText);
	return script;
}

/** One loadImage() in a fresh process: load-once with these arguments (the input first). */
async function measureLoad(script: string, loader: string, args: string[]): Promise<Sample> {
	const input = args[0] ?? '';
	const {code, stdout, stderr} = await run(process.execPath, [script, '--loader', loader, ...args], repoRoot);
	if (code === MISSING_LOADER_EXIT) throw new BenchError(missingLoaderMessage(stderr.trim()));
	const last = stdout.trim().split('\n').at(-1) ?? '';
	let sample: Sample;
	try {
		sample = JSON.parse(last) as Sample;
	} catch {
		throw new BenchError(`loading ${input} failed (exit ${code}):\n${stderr}${stdout}`);
	}
	if (code !== 0) throw new BenchError(`loading ${input} failed (exit ${code}):\n${stderr}`);
	return sample;
}

interface UiLatency {
	cursor: {p50: number; p95: number; missed: number};
	layerSwitch: {p50: number; p95: number; missed: number};
	layerSwitchFolded: {p50: number; p95: number; missed: number};
	filter: {p50: number; p95: number; missed: number};
	unfoldAllMs: number;
	treeIndexMs: number;
	flatTreeMs: number;
	paths: number;
	/** On an image with packages: the packages list (p), opened, its cursor, a name-filter keystroke, and a package's files in the tree. */
	packagesList?: {packages: number; openMs: number; cursor: {p50: number; p95: number; missed: number}; filter: {p50: number; p95: number; missed: number}; packageFilesMs: number};
	/** Presses that drew no frame, over every phase. */
	missed: number;
}

/** The browser's key-press latency, in its own process (test/bench/ui-latency.ts). */
async function measureUi(args: string[]): Promise<UiLatency> {
	const {code, stdout, stderr} = await run(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/bench/ui-latency.ts'), ...args], repoRoot);
	if (code !== 0) throw new BenchError(`measuring the browser failed (exit ${code}):\n${stderr}`);
	const ui = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<UiLatency, 'missed'>;
	return {...ui, missed: ui.cursor.missed + ui.layerSwitch.missed + ui.layerSwitchFolded.missed + ui.filter.missed + (ui.packagesList ? ui.packagesList.cursor.missed + ui.packagesList.filter.missed : 0)};
}

/**
 * The built CLI with --json to a file, timed and its peak RSS read by GNU time.
 * Each run gets an empty layer cache of its own: these are first runs.
 */
async function measureCli(args: string[], options: {stdin?: string; env?: Record<string, string>}): Promise<Sample> {
	const scratch = await mkdtemp(path.join(os.tmpdir(), 'layerscope-bench-'));
	const report = path.join(scratch, 'report.json');
	const command = `${options.stdin ? `exec < ${JSON.stringify(options.stdin)}; ` : ''}exec /usr/bin/time -f '%e %M' ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'dist/cli.js'))} ${args.map(arg => JSON.stringify(arg)).join(' ')} --json ${JSON.stringify(report)}`;
	const child = spawn('bash', ['-c', command], {cwd: repoRoot, env: {...process.env, LAYERSCOPE_CACHE_DIR: path.join(scratch, 'cache'), ...options.env}, stdio: ['ignore', 'pipe', 'pipe']});
	child.on('close', () => void rm(scratch, {recursive: true, force: true}));
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
	const code = await new Promise<number | null>(resolve => child.on('close', resolve));
	const match = /(\d+\.\d+) (\d+)\s*$/.exec(stderr);
	if (code !== 0 || !match) throw new BenchError(`layerscope ${args.join(' ')} failed (exit ${code}):\n${stderr}`);
	return {ms: Number(match[1]) * 1000, maxRssBytes: Number(match[2]) * 1024};
}

/** The engine's export alone, read and thrown away by curl. */
async function measureCurl(socket: string): Promise<Sample> {
	const {code, stderr} = await run('bash', ['-c', `TIMEFORMAT=%3R; time curl -sf --unix-socket ${JSON.stringify(socket)} -o /dev/null http://engine/images/localhost/bench:1/get`]);
	const seconds = Number(stderr.trim().split('\n').at(-1));
	if (code !== 0 || !Number.isFinite(seconds)) throw new BenchError(`curl of the podman export failed (exit ${code}):\n${stderr}`);
	return {ms: seconds * 1000, maxRssBytes: null};
}

/** A podman engine holding the bench image, and a registry holding its OCI layout, both kept in the cache between runs. */
async function startServers(cacheDir: string, dockerArchive: string, ociLayout: string): Promise<{podman: PodmanService; registry: RegistryServer; stop: () => Promise<void>}> {
	const podman = await PodmanService.start({directory: path.join(cacheDir, 'podman')});
	if (!(await podman.has('localhost/bench:1'))) await podman.tag(await podman.load(dockerArchive), 'localhost/bench:1');
	const registry = await RegistryServer.start({directory: path.join(cacheDir, 'registry')});
	if (!(await registry.has('bench', '1'))) await registry.push(`oci:${ociLayout}`, 'bench:1', ['--preserve-digests']);
	return {podman, registry, stop: async () => void (await Promise.all([podman.stop({keep: true}), registry.stop({keep: true})]))};
}

function run(command: string, args: string[], cwd?: string): Promise<{code: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {cwd, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
		child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
	});
}

/** Repo-relative inside the repo, absolute elsewhere. */
function displayPath(file: string): string {
	const relative = path.relative(repoRoot, file);
	return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function missingLoaderMessage(detail: string): string {
	const loader = loaderPath();
	return [
		`bench: cannot measure layerscope: the loader ${displayPath(loader.path)} does not exist${detail && !detail.includes(loader.path) ? ` (${detail})` : ''}.`,
		loader.overridden
			? '  LAYERSCOPE_BENCH_LOADER names it; point it at a module exporting loadImage(input, {verify}).'
			: '  It is built from source/image/load.ts by `npm run build` (tsc); build it first, or set LAYERSCOPE_BENCH_LOADER to another module exporting loadImage.',
	].join('\n');
}

/** Reads the inputs once so that every measured run finds them in the page cache. */
async function warmPageCache(files: readonly string[]): Promise<void> {
	for (const file of files) for await (const _chunk of createReadStream(file, {highWaterMark: 4 * 1024 * 1024}));
}

// ---------------------------------------------------------------------------
// Output

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number) => `${Math.round(bytes / MB)} MB`;
const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
const count = (n: number) => n.toLocaleString('en-US');

function toolVersion(command: string): string {
	const result = spawnSync(command, ['--version'], {encoding: 'utf8'});
	return result.status === 0 ? (result.stdout.split('\n')[0] ?? command).trim() : `${command} (version unknown)`;
}

function describeMachine(): string {
	const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
	return `${cpu}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM · node ${process.version} · ${os.platform()} ${os.arch()} · ${toolVersion('gzip')}, ${toolVersion('tar')}`;
}

function describeImage(image: BenchImage): string {
	const t = image.totals;
	return [
		`${count(t.files)} files (${count(t.entries)} tar entries; ${count(t.finalFiles)} files in the final filesystem) in ${image.layers.length} gzip layers`,
		`${gigabytes(t.contentBytes)} of file content, ${gigabytes(t.size)} uncompressed layer tars, ${megabytes(t.compressedSize)} gzip (${(t.size / t.compressedSize).toFixed(2)}x)`,
		`generated in ${image.generationSeconds} s on ${image.generatedOn}`,
	].join(' · ');
}

function printTable(rows: readonly Row[], baselineMs: number, runs: number): void {
	const header = ['', runs > 1 ? `median of ${runs} (min-max)` : 'time', 'ratio', 'target', 'peak RSS', 'target'];
	const lines: string[][] = [header];
	for (const row of rows) {
		const times = row.samples.map(s => s.ms);
		const ms = median(times);
		const ratio = ms / baselineMs;
		const rss = row.samples.every(s => s.maxRssBytes === null) ? null : Math.max(...row.samples.map(s => s.maxRssBytes ?? 0));
		const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
		lines.push([
			row.label,
			`${seconds(ms)}${runs > 1 ? ` (${(Math.min(...times) / 1000).toFixed(2)}-${(Math.max(...times) / 1000).toFixed(2)})` : ''}`,
			ratio.toFixed(2),
			row.targetRatio === undefined ? '' : `<= ${row.targetRatio.toFixed(2)} ${verdict(ratio <= row.targetRatio)}`,
			rss === null ? '-' : megabytes(rss),
			row.targetRssBytes === undefined || rss === null ? '' : `<= ${megabytes(row.targetRssBytes)} ${verdict(rss <= row.targetRssBytes)}`,
		]);
	}
	const widths = header.map((_, column) => Math.max(...lines.map(line => line[column]!.length)));
	for (const line of lines) console.log(line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd());
}

/**
 * The memory curve: the whole CLI (--json to a file, a cold cache of its own)
 * on the scale images, time and peak RSS at each size, and what a file costs
 * at the margin between sizes.
 */
async function printScaleCurve(sizes: readonly number[], runs: number): Promise<void> {
	if (sizes.length === 0) return;
	const images: ScaleImage[] = [];
	for (const files of sizes) images.push(await ensureScaleImage(files, line => console.error(line)));
	console.log('');
	console.log(`the memory curve: the whole CLI (--json FILE) on docker save images of ${sizes.map(count).join(', ')} files (scale-image.ts), ${runs > 1 ? `median time and largest peak RSS of ${runs}` : 'one run'}:`);
	let previous: {files: number; rss: number} | null = null;
	for (const image of images) {
		const samples: Sample[] = [];
		for (let round = 0; round < runs; round++) samples.push(await measureCli([image.dockerArchive], {}));
		const rss = Math.max(...samples.map(sample => sample.maxRssBytes ?? 0));
		const target = SCALE_RSS_TARGETS.get(image.files);
		const margin = previous ? `; ${((rss - previous.rss) / (image.files - previous.files) / 1000).toFixed(2)} KB per file from ${count(previous.files)}` : '';
		console.log(`  ${count(image.files).padStart(9)} files (${count(image.entries)} tar entries, ${megabytes(image.bytes)}): ${seconds(median(samples.map(sample => sample.ms)))}, peak RSS ${megabytes(rss)}${target === undefined ? '' : `  <= ${megabytes(target)} ${rss <= target ? 'ok' : 'MISSED'}`}${margin}`);
		previous = {files: image.files, rss};
	}
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
	const runs = parseRuns(process.argv.slice(2));
	const loader = loaderPath();
	if (!existsSync(loader.path)) throw new BenchError(missingLoaderMessage(''));

	const {image, cacheDir} = await ensureBenchImage();
	const ociLayout = path.join(cacheDir, image.ociLayout);
	const dockerArchive = path.join(cacheDir, image.dockerArchive);
	const gzipLayers = image.layers.map(layer => path.join(cacheDir, layer.blob));
	const expect = {files: image.totals.files, layers: image.layers.length};
	const loadOnce = await prepareLoadOnce(cacheDir);
	const measureLoadOnce = (...args: string[]) => measureLoad(loadOnce, loader.path, args);

	const baseline: Row = {label: 'baseline: gzip -dc LAYER | tar -t, per layer', short: 'baseline', measure: () => measureBaseline(gzipLayers), samples: []};
	const rows: Row[] = [
		baseline,
		{label: 'layerscope: OCI layout, gzip', short: 'oci', measure: () => measureLoadOnce(ociLayout), targetRatio: 0.6, targetRssBytes: 400 * MB, expect, samples: []},
		{
			label: 'layerscope: OCI layout, load + analysis',
			short: 'oci+analysis',
			// Stacking runs while layers are read; what is left after the last layer is the analysis's own time.
			measure: async () => {
				const sample = await measureLoadOnce(ociLayout, '--analyse');
				return {...sample, loadMs: sample.ms, ms: sample.ms + (sample.analysisMs ?? 0)};
			},
			expect,
			samples: [],
		},
		{label: 'layerscope: docker save, uncompressed', short: 'docker-save', measure: () => measureLoadOnce(dockerArchive), targetRatio: 0.25, expect, samples: []},
		// ──── MORE ROWS GO HERE ────────────────────────────────────────────────────────────
	];

	// Streams: the whole CLI (load, analysis, JSON report), as users run it. Its own baseline: the same CLI on the file.
	console.error('starting podman system service and docker-registry for the stream rows (the first run copies the image into them)');
	const servers = await startServers(cacheDir, dockerArchive, ociLayout);
	const cliRow = (label: string, short: string, args: string[], options: {stdin?: string; env?: Record<string, string>} = {}, targets: Pick<Row, 'targetRatio' | 'targetRssBytes'> = {}): Row => ({label, short, measure: () => measureCli(args, options), ...targets, samples: []});
	rows.push(
		cliRow('layerscope CLI --json: docker save file (uncompressed)', 'cli-file', [dockerArchive], {}, {targetRatio: 0.15}),
		cliRow('layerscope CLI --json: docker save piped to stdin', 'cli-stdin', ['-'], {stdin: dockerArchive}),
		// podman writes the whole export to a temporary file before it sends a byte: its own time is the floor here.
		{label: 'podman export alone: curl --unix-socket …/get > /dev/null', short: 'podman-export', measure: () => measureCurl(servers.podman.socket), samples: []},
		cliRow('layerscope CLI --json: podman engine export (unix socket)', 'cli-engine', ['docker://localhost/bench:1'], {env: {DOCKER_HOST: servers.podman.url}}),
		cliRow('layerscope CLI --json: OCI layout file (gzip)', 'cli-oci', [ociLayout], {}, {targetRatio: 0.4}),
		cliRow('layerscope CLI --json: registry on 127.0.0.1 (gzip blobs)', 'cli-registry', [`registry://${servers.registry.host}/bench:1`, '--insecure']),
	);

	console.error(`warming the page cache (${megabytes(image.totals.compressedSize + image.dockerArchiveBytes)})`);
	await warmPageCache([...gzipLayers, dockerArchive]);
	// The harness's own footprint (node + the loader's modules), to read the RSS column against.
	const floor = await measureLoadOnce('--noop');

	for (let round = 1; round <= runs; round++) {
		const line: string[] = [];
		for (const row of rows) {
			const sample = await row.measure();
			row.samples.push(sample);
			line.push(`${row.short} ${seconds(sample.ms)}`);
		}
		console.error(`run ${round}/${runs}: ${line.join(', ')}`);
	}

	const notes: string[] = [];
	for (const row of rows) {
		const times = row.samples.map(sample => sample.ms);
		const spread = (Math.max(...times) - Math.min(...times)) / median(times);
		if (spread > 0.15) notes.push(`note: ${row.short}: the runs spread over ${Math.round(spread * 100)}% of the median; the machine is noisy (try --runs 5)`);
	}
	for (const row of rows) {
		if (!row.expect) continue;
		const off = row.samples.find(s => s.files !== row.expect!.files || s.layers !== row.expect!.layers);
		if (off) notes.push(`warning: ${row.label}: the loader returned ${off.layers} layers and ${count(off.files ?? 0)} "file" entries; the image has ${row.expect.layers} layers and ${count(row.expect.files)} files`);
	}

	console.log('');
	console.log(`machine: ${describeMachine()}`);
	console.log(`image:   ${describeImage(image)}`);
	console.log(`loader:  ${displayPath(loader.path)}${loader.overridden ? ' (LAYERSCOPE_BENCH_LOADER)' : ''}`);
	console.log('');
	printTable(rows, median(baseline.samples.map(s => s.ms)), runs);
	const loadOnly = median(rows.find(row => row.short === 'oci')!.samples.map(s => s.ms));
	const withAnalysis = rows.find(row => row.short === 'oci+analysis')!;
	const total = median(withAnalysis.samples.map(s => s.ms));
	const added = (total - loadOnly) / loadOnly;
	console.log(`analysis (stacking, changes, dive metrics, waste, findings; stacking runs while layers are read): adds ${seconds(total - loadOnly)} = ${(added * 100).toFixed(1)} % to the load time  <= 20 % ${added <= 0.2 ? 'ok' : 'MISSED'}`);
	console.log(`  after the last layer: ${seconds(median(withAnalysis.samples.map(s => s.analysisMs ?? 0)))}; browser only, the per-layer tree index (any layer instant): ${seconds(median(withAnalysis.samples.map(s => s.treesMs ?? 0)))} more`);
	const packagesMs = median(withAnalysis.samples.map(s => s.packagesMs ?? 0));
	console.log(`  package attribution (part of the analysis): ${seconds(packagesMs)} = ${((packagesMs / total) * 100).toFixed(1)} % of the load and analysis  <= 10 % ${packagesMs / total <= 0.1 ? 'ok' : 'MISSED'}`);
	// The browser's latency (test/bench/ui-latency.ts), key press to frame at 150x45, on the real images (real-images.ts) and a synthetic one.
	const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
	const real = ensureRealImages();
	const uiImages: Array<[string, string[]]> = [
		[`the bench image (${count(image.totals.finalFiles)} files)`, [ociLayout]],
		['the real toolchain image (test/bench/toolchain.Containerfile)', [real.toolchain.ociLayout]],
		['the real small image (test/bench/small.Containerfile)', [real.small.ociLayout]],
		['a 200,000-file image built in memory', ['--synthetic', '200000']],
		// Issue 15: the packages list on a long one (an npm tree's size), the same image with a dpkg database of 20,000 packages.
		['a 200,000-file image with 20,000 packages, built in memory', ['--synthetic', '200000', '--packages', '20000']],
		// Issue 13: the compare view, its "layer switch" between the two images.
		['the compare view of two 200,000-file images built in memory', ['--compare', '200000']],
	];
	for (const [label, args] of uiImages) {
		const ui = await measureUi(args);
		console.log(`browser at 150x45 on ${label}, ${count(ui.paths)} paths, key press to new frame, whole tree open:`);
		console.log(`  cursor p50 ${ui.cursor.p50} ms, p95 ${ui.cursor.p95} ms  <= 16 ms ${verdict(ui.cursor.p95 <= 16)}; layer switch p50 ${ui.layerSwitch.p50} ms, p95 ${ui.layerSwitch.p95} ms  <= 50 ms ${verdict(ui.layerSwitch.p95 <= 50)}; filter keystroke p50 ${ui.filter.p50} ms, p95 ${ui.filter.p95} ms  <= 50 ms ${verdict(ui.filter.p95 <= 50)}`);
		const indexMs = ui.treeIndexMs + ui.flatTreeMs;
		const list = ui.packagesList;
		if (list) console.log(`  packages list (${count(list.packages)} packages): open ${list.openMs} ms; cursor p50 ${list.cursor.p50} ms, p95 ${list.cursor.p95} ms  <= 16 ms ${verdict(list.cursor.p95 <= 16)}; name-filter keystroke p95 ${list.filter.p95} ms  <= 50 ms ${verdict(list.filter.p95 <= 50)}; a package's files in the tree ${list.packageFilesMs} ms`);
		console.log(`  tree index ready ${indexMs} ms after the analysis (per-layer index ${ui.treeIndexMs} ms, the opening layer's whole tree ${ui.flatTreeMs} ms)  <= 500 ms ${verdict(indexMs <= 500)}; open all folders ${ui.unfoldAllMs} ms; layer switch with folders closed p95 ${ui.layerSwitchFolded.p95} ms${ui.missed > 0 ? `; ${ui.missed} presses drew no frame` : ''}`);
	}
	await servers.stop();
	await printScaleCurve(parseScale(process.argv.slice(2)), runs);
	// The layer cache (cache-bench.ts): cold against all-cached, the next build, and the registry's bytes cold and cached.
	console.log('');
	await cacheBench({runs, files: true, registry: true});
	console.log('');
	// The comparison (compare-bench.ts): a diff of the bench image and its next build, cold and cached, against reading one cold.
	await compareBench({runs});
	console.log('');
	// Reading files back (content-bench.ts): the viewer's open on the real toolchain image, uncompressed and gzip, and cat.
	await contentBench({runs});
	console.log('');
	const rssSource = floor.rssSource === 'VmHWM' ? 'VmHWM of the child process' : 'getrusage maxRSS of the child process (may include the runner\'s own peak)';
	console.log(`ratio: to the baseline's median. peak RSS: ${rssSource}, the largest of the runs; it includes node and the loader's modules (idle: ${megabytes(floor.maxRssBytes ?? 0)}). MB = 10^6 bytes.`);
	for (const note of notes) console.log(note);
}

try {
	await main();
} catch (error) {
	if (error instanceof BenchError) {
		console.error(error.message);
		process.exit(1);
	}
	throw error;
}
