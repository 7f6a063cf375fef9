/**
 * The layer cache's figures, on the benchmark image (generate-image.ts):
 *
 *   node --import tsx test/bench/cache-bench.ts [--runs N]
 *
 * - the whole CLI (`--json FILE`) on the OCI layout (gzip) and on the
 *   `docker save` tarball: cold (`--no-cache`), first run (cold, filling a
 *   fresh cache), and all-cached; the target is cached ≤ 0.05× cold;
 * - a next build: the same image plus one small new layer, after the cache
 *   holds the first image's layers, against a cold run of an image holding
 *   only that new layer; the target is that layer's read + ≤ 0.3 s; and the
 *   same with the new layer in place of the image's top one (a rebuilt last
 *   step), against the same target: its first run (which completes the state
 *   kept below the top) and the build after it (its top rebuilt once more).
 *
 * - registry:// (with --registry, or --registry-only): both images pushed to a local
 *   docker-registry, the bytes it sends counted at a proxy: the first image
 *   cold, then the next build with the first one's layers cached.
 *
 * Each measurement is a fresh process; the median of N runs (default 3). The
 * cache lives in a temporary directory, removed at the end; LAYERSCOPE_BENCH_DIR
 * says where the benchmark image is.
 */
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {ANALYSIS_FORMAT_VERSION} from '../../source/cache/layer-cache.js';
import {buildLayerTar, type EntrySpec} from '../fixtures/layer-builder.js';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {RegistryServer} from '../helpers/servers/registry-server.js';
import {ensureBenchImage} from './generate-image.js';
import {repoRoot} from './paths.js';

const cli = path.join(repoRoot, 'dist/cli.js');
/** Runs per measurement: --runs N when run alone; npm run bench passes its own. */
let runs = 3;
const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** One CLI run, --json to a file, timed from spawn to exit. */
function time(args: string[], cache: string): number {
	const started = process.hrtime.bigint();
	const result = spawnSync(process.execPath, [cli, ...args, '--json', '/dev/null'], {env: {...process.env, LAYERSCOPE_CACHE_DIR: cache}, encoding: 'utf8'});
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (result.status !== 0 || result.stderr) throw new Error(`layerscope ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
	return seconds;
}

 /** loadImage alone (no analysis, no report) in a fresh process, with the cache in `cache` or none: what the cache itself saves. */
function timeLoad(input: string, cache: string | null): number {
	const script = `
		const {loadImage} = await import(${JSON.stringify(path.join(repoRoot, 'dist/source/image/load.js'))});
		const {LayerCache} = await import(${JSON.stringify(path.join(repoRoot, 'dist/source/cache/layer-cache.js'))});
		const cache = ${cache === null ? 'null' : `new LayerCache(${JSON.stringify(cache)}, 2 ** 30)`};
		const started = performance.now();
		await loadImage(${JSON.stringify(input)}, {cache});
		process.stdout.write(String((performance.now() - started) / 1000));`;
	// A file, not `-e`: worker threads inherit the process's flags, and --input-type refuses them.
	const dir = mkdtempSync(path.join(os.tmpdir(), 'layerscope-load-'));
	const file = path.join(dir, 'load.mjs');
	writeFileSync(file, script);
	const result = spawnSync(process.execPath, [file], {encoding: 'utf8'});
	rmSync(dir, {recursive: true, force: true});
	if (result.status !== 0) throw new Error(`loadImage ${input} failed: ${result.stderr}`);
	return Number(result.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function measure(label: string, once: () => number): number {
	const samples = Array.from({length: runs}, once);
	const value = median(samples);
	process.stdout.write(`  ${label.padEnd(58)} ${value.toFixed(3).padStart(8)} s   (${samples.map(s => s.toFixed(2)).join(', ')})\n`);
	return value;
}

/**
 * The benchmark layout with one more, small layer: the next build of the same image (`replaceTop`: in place
 * of its top layer, as when a build's last step is rebuilt). Blobs are hard links (copies across filesystems).
 */
export function nextBuild(layout: string, into: string, layerEntries: EntrySpec[], onlyNewLayer: boolean, replaceTop = false): string {
	const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
	const blob = (digest: string) => path.join(layout, 'blobs/sha256', digest.slice(7));
	const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
	const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
	if (replaceTop) {
		// The top layer and the history step that made it (metadata-only steps after it stay).
		manifest.layers = manifest.layers.slice(0, -1);
		config.rootfs.diff_ids = config.rootfs.diff_ids.slice(0, -1);
		config.history.splice((config.history as Array<{empty_layer?: boolean}>).map(step => !step.empty_layer).lastIndexOf(true), 1);
	}
	const tar = buildLayerTar(layerEntries);
	const gzipped = gzipSync(tar);
	const layer = {mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(gzipped), size: gzipped.length};
	const history = {created: new Date(0).toISOString(), created_by: 'COPY app /app # buildkit'};
	config.rootfs.diff_ids = onlyNewLayer ? [sha256(tar)] : [...config.rootfs.diff_ids, sha256(tar)];
	config.history = onlyNewLayer ? [history] : [...config.history, history];
	manifest.layers = onlyNewLayer ? [layer] : [...manifest.layers, layer];
	const configBytes = Buffer.from(JSON.stringify(config));
	manifest.config = {...manifest.config, digest: sha256(configBytes), size: configBytes.length};
	const manifestBytes = Buffer.from(JSON.stringify(manifest));
	mkdirSync(path.join(into, 'blobs/sha256'), {recursive: true});
	const put = (bytes: Buffer) => writeFileSync(path.join(into, 'blobs/sha256', sha256(bytes).slice(7)), bytes);
	for (const shared of onlyNewLayer ? [] : (manifest.layers as Array<{digest: string}>).slice(0, -1)) {
		const target = path.join(into, 'blobs/sha256', shared.digest.slice(7));
		try {
			linkSync(blob(shared.digest), target);
		} catch {
			copyFileSync(blob(shared.digest), target);
		}
	}
	put(gzipped);
	put(configBytes);
	put(manifestBytes);
	writeFileSync(path.join(into, 'oci-layout'), readFileSync(path.join(layout, 'oci-layout')));
	writeFileSync(path.join(into, 'index.json'), JSON.stringify({...index, manifests: [{...index.manifests[0], digest: sha256(manifestBytes), size: manifestBytes.length}]}));
	return into;
}

/** Passes requests on to `target` as they come, counting the bytes of every answer (the test helpers' fault proxy holds whole blobs). */
async function countingProxy(target: string): Promise<{host: string; sent: number; stop: () => Promise<void>}> {
	const [hostname, port] = target.split(':');
	const proxy = {host: '', sent: 0, stop: async () => {}};
	const server = http.createServer((request, response) => {
		// A connection of its own per request: an idle kept-alive one the registry closed would fail the next.
		const upstream = http.request({hostname, port: Number(port), path: request.url, method: request.method, headers: request.headers, agent: false}, answer => {
			response.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.on('data', (chunk: Buffer) => (proxy.sent += chunk.length));
			answer.pipe(response);
		});
		upstream.on('error', () => response.destroy());
		request.pipe(upstream);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
	proxy.stop = () => new Promise(resolve => (server.closeAllConnections(), server.close(() => resolve())));
	return proxy;
}

/** Bytes the registry sends: the first image cold, the next build with the first one's layers cached, and again. */
async function registryBytes(first: string, next: string, scratch: string): Promise<void> {
	const registry = await RegistryServer.start({directory: path.join(scratch, 'registry')});
	const proxy = await countingProxy(registry.host);
	try {
		spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests', `oci:${first}`, `docker://${registry.host}/bench:1`], {stdio: 'inherit'});
		spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests', `oci:${next}`, `docker://${registry.host}/bench:2`], {stdio: 'inherit'});
		const cache = mkdtempSync(path.join(scratch, 'cache-'));
		// Not spawnSync: the proxy answers on this process's event loop.
		const run = async (tag: string, extra: string[] = []) => {
			proxy.sent = 0;
			const started = process.hrtime.bigint();
			const args = [cli, `registry://${proxy.host}/bench:${tag}`, '--insecure', '--json', '/dev/null', ...extra];
			const child = spawn(process.execPath, args, {env: {...process.env, LAYERSCOPE_CACHE_DIR: cache}, stdio: ['ignore', 'ignore', 'pipe']});
			let stderr = '';
			child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
			const code = await new Promise<number | null>(resolve => child.on('close', resolve));
			if (code !== 0 || stderr) throw new Error(`layerscope ${args.slice(1).join(' ')} failed (${code}): ${stderr}`);
			return {seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: proxy.sent};
		};
		process.stdout.write('registry:// through a counting proxy\n');
		const show = (label: string, result: {seconds: number; bytes: number}) => process.stdout.write(`  ${label.padEnd(58)} ${result.seconds.toFixed(3).padStart(8)} s   ${(result.bytes / 1e6).toFixed(3).padStart(10)} MB sent\n`);
		show('the first image, cold (fills the cache)', await run('1'));
		const nextCached = await run('2');
		show('the next build, the first one\'s layers cached', nextCached);
		show('the next build again, every layer cached', await run('2'));
		show('the next build, --no-cache', await run('2', ['--no-cache']));
		// What the next build must fetch: its new layer, its config and its manifest (the index, if any, is the manifest's own).
		const manifest = JSON.parse(readFileSync(path.join(next, 'blobs/sha256', JSON.parse(readFileSync(path.join(next, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8'));
		const needed = manifest.layers.at(-1).size + manifest.config.size + Buffer.byteLength(JSON.stringify(manifest));
		process.stdout.write(`  the next build, cached: ${(nextCached.bytes / 1e6).toFixed(3)} MB sent; its new layer, config and manifest are ${(needed / 1e6).toFixed(3)} MB (target: only that layer) ${nextCached.bytes <= needed * 1.05 ? 'ok' : 'MISSED'}\n`);
	} finally {
		await proxy.stop();
		await registry.stop();
	}
}

/**
 * Every figure above, printed as it is measured. `npm run bench` calls it
 * (test/bench/run.ts) after its own tables; `files: false` measures only the
 * registry's bytes, `registry: false` skips them.
 */
export async function cacheBench(options: {runs: number; files: boolean; registry: boolean}): Promise<void> {
	runs = options.runs;
	const {image, cacheDir} = await ensureBenchImage({log: line => process.stderr.write(`${line}\n`)});
	const layout = path.join(cacheDir, image.ociLayout);
	const archive = path.join(cacheDir, image.dockerArchive);
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cache-bench-'));
	try {
		process.stdout.write(`layer cache: ${image.totals.files} files in ${image.layers.length} layers, ${(image.totals.compressedSize / 1e6).toFixed(0)} MB gzip; ${os.availableParallelism()} cores; median of ${runs}\n`);
		const files = options.files;
		for (const [name, input] of files ? ([['OCI layout (gzip)', layout], ['docker save (uncompressed)', archive]] as const) : []) {
			process.stdout.write(`${name}\n`);
			const cold = measure('cold, --no-cache', () => time([input, '--no-cache'], path.join(scratch, 'unused')));
			const first = measure('first run (cold, fills a fresh cache)', () => {
				const cache = mkdtempSync(path.join(scratch, 'cache-'));
				return time([input], cache);
			});
			const cache = mkdtempSync(path.join(scratch, 'cache-'));
			time([input], cache);
			const cached = measure('every layer cached, and its analysis', () => time([input], cache));
			process.stdout.write(`  cached / first run: ${(cached / first).toFixed(3)}× (target ≤ 0.05×) ${cached / first <= 0.05 ? 'ok' : 'MISSED'}; cached / --no-cache: ${(cached / cold).toFixed(3)}×\n`);
			// A config not analysed before over layers all cached (a rebuild that changed only metadata): the stacking and the passes are paid.
			const layersOnly = measure('every layer cached, its analysis not', () => {
				rmSync(path.join(cache, `analyses-v${ANALYSIS_FORMAT_VERSION}`), {recursive: true, force: true});
				return time([input], cache);
			});
			process.stdout.write(`  layers cached, analysis not / first run: ${(layersOnly / first).toFixed(3)}×\n`);
			const loadCold = measure('loadImage alone, no cache', () => timeLoad(input, null));
			const loadCached = measure('loadImage alone, every layer cached', () => timeLoad(input, cache));
			process.stdout.write(`  loading alone, cached / cold: ${(loadCached / loadCold).toFixed(3)}×; the rest of a cached run is analysis, report and start-up\n`);
		}

		process.stdout.write('next build: the same layers plus one small new one (200 files, 2 MB)\n');
		const app: EntrySpec[] = Array.from({length: 200}, (_, i) => ({type: 'file', path: `app/lib/module-${i}.js`, content: Buffer.alloc(10_000, `export const v${i} = ${Date.now()};\n`)}));
		const next = nextBuild(layout, path.join(scratch, 'next'), app, false);
		const alone = nextBuild(layout, path.join(scratch, 'alone'), app, true);
		if (!files) return await registryBytes(layout, next, scratch);
		const cache = mkdtempSync(path.join(scratch, 'cache-'));
		time([layout], cache);
		const layerRead = measure('the new layer alone, cold (CLI start-up included)', () => time([alone, '--no-cache'], path.join(scratch, 'unused')));
		// Each run over a copy of the cache as it was: a run writes its own entries into the cache it is given.
		const onCopyOf = (filled: string, image: string) => {
			const copy = mkdtempSync(path.join(scratch, 'cache-'));
			spawnSync('cp', ['-a', `${filled}/.`, copy]);
			return time([image], copy);
		};
		const nextRun = measure('the next build, its other layers cached', () => onCopyOf(cache, next));
		const nextCold = measure('the next build, cold', () => time([next, '--no-cache'], path.join(scratch, 'unused')));
		process.stdout.write(`  next build − the new layer alone: ${(nextRun - layerRead).toFixed(3)} s (target ≤ 0.3 s) ${nextRun - layerRead <= 0.3 ? 'ok' : 'MISSED'}; next build cached / cold: ${(nextRun / nextCold).toFixed(3)}×\n`);
		// The same layer in place of the image's top one: the stacking kept below the top is what it resumes from.
		const rebuilt = nextBuild(layout, path.join(scratch, 'rebuilt'), app, false, true);
		const rebuiltRun = measure('its top layer rebuilt, the layers below cached', () => onCopyOf(cache, rebuilt));
		process.stdout.write(`  top layer rebuilt − the new layer alone: ${(rebuiltRun - layerRead).toFixed(3)} s (target ≤ 0.3 s) ${rebuiltRun - layerRead <= 0.3 ? 'ok' : 'MISSED'}\n`);
		// That first rebuilt run completes the state kept below the top (its walk, waste and packages) and keeps it again: the build after it, its top rebuilt once more, goes on from them.
		const completed = mkdtempSync(path.join(scratch, 'cache-'));
		spawnSync('cp', ['-a', `${cache}/.`, completed]);
		time([rebuilt], completed);
		const appAgain: EntrySpec[] = app.map((entry, i) => ({...entry, content: Buffer.alloc(10_000, `export const w${i} = ${Date.now()};\n`)}));
		const rebuiltAgain = nextBuild(layout, path.join(scratch, 'rebuilt-again'), appAgain, false, true);
		const againRun = measure('rebuilt once more, after a rebuilt run completed the state', () => onCopyOf(completed, rebuiltAgain));
		process.stdout.write(`  rebuilt once more − the new layer alone: ${(againRun - layerRead).toFixed(3)} s (target ≤ 0.3 s) ${againRun - layerRead <= 0.3 ? 'ok' : 'MISSED'}\n`);
		if (options.registry) await registryBytes(layout, next, scratch);
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const at = process.argv.indexOf('--runs');
	// --registry-only: the registry's bytes alone (the file measurements take most of the time).
	const registryOnly = process.argv.includes('--registry-only');
	await cacheBench({runs: at === -1 ? 3 : Math.max(1, Number(process.argv[at + 1]) || 3), files: !registryOnly, registry: registryOnly || process.argv.includes('--registry')});
}
