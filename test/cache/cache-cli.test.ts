import {spawn} from 'node:child_process';
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {deserialize, serialize} from 'node:v8';
import {ANALYSIS_FORMAT_VERSION, entryPath, frameEntry, LayerCache, parseEntry, unframeEntry} from '../../source/cache/layer-cache.js';

/** How the entries derived from layers begin (source/cache/layer-cache.ts): facts, kept stacks, kept builder states. */
const FACTS = 'LSFACTS\n';
const STACKS = 'LSSTACK\n';
const BUILDERS = 'LSBUILD\n';
const ANALYSIS_MAGIC_FOR_TESTS = Buffer.from(FACTS);
import {CACHE_FORMAT_VERSION} from '../../source/cache/layer-codec.js';
import {deserializeParts, serializeParts} from '../../source/cache/out-of-line.js';
import {chainId} from '../../source/cache/stack-cache.js';
import {FORMATS, writeImage, type Format, type ImageSpec, type WrittenImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {builtCli} from '../helpers/paths.js';
import {runCli, type CliResult} from '../helpers/run-cli.js';
import {loadImage} from '../../source/image/load.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cache-cli-'));
// Unprivileged runs (the read-only cache) must reach the images.
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;
/** A new path in a directory of its own: what a run writes next to an input would show there. */
const fresh = (name: string) => {
	const directory = path.join(scratch, String(counter++));
	mkdirSync(directory, {mode: 0o755});
	return path.join(directory, name);
};
// Each test runs the CLI a dozen times or more, on a machine shared with other work.
vi.setConfig({testTimeout: 180_000});

const bytes = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed * 7) % 251));

/** Four layers as builds make them: a base, an install that leaves caches, a rewrite with chmods and deletions, a small app layer. */
function buildSpec(appVersion: string): ImageSpec {
	const base: EntrySpec[] = [
		{type: 'dir', path: 'etc'},
		{type: 'file', path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n'},
		{type: 'file', path: 'bin/sh', content: bytes(40_000, 1), mode: 0o755},
		{type: 'symlink', path: 'bin/ash', target: 'sh'},
		{type: 'hardlink', path: 'bin/busybox', target: 'bin/sh'},
		{type: 'char', path: 'dev/null', devmajor: 1, devminor: 3, mode: 0o666},
		{type: 'dir', path: 'tmp', mode: 0o1777},
	];
	const install: EntrySpec[] = [
		{type: 'file', path: 'var/lib/apt/lists/deb.debian.org_dists', content: bytes(30_000, 2)},
		{type: 'file', path: 'var/cache/apt/archives/tool.deb', content: bytes(25_000, 3)},
		{type: 'file', path: 'usr/bin/gcc', content: bytes(20_000, 4), mode: 0o755},
		{type: 'file', path: 'etc/config', content: 'v1\n'},
	];
	const rewrite: EntrySpec[] = [
		{type: 'file', path: 'etc/config', content: 'v2, longer\n'},
		{type: 'file', path: 'bin/sh', content: bytes(40_000, 1), mode: 0o700},
		{type: 'whiteout', path: 'var/cache/apt/archives/tool.deb'},
		{type: 'opaque', path: 'var/lib/apt/lists'},
		{type: 'file', path: 'app/.git/config', content: '[core]\n'},
	];
	const app: EntrySpec[] = [{type: 'file', path: 'app/main.js', content: `console.log(${JSON.stringify(appVersion)});\n`}];
	return {
		layers: [{entries: base}, {entries: install}, {entries: rewrite}, {entries: app}],
		config: {User: '', Cmd: ['node', '/app/main.js']},
		history: [{created_by: '/bin/sh -c #(nop) ADD base'}, {created_by: 'RUN apt-get install -y gcc'}, {created_by: 'RUN rewrite'}, {created_by: 'COPY main.js /app/'}],
	};
}

const cacheEnv = (directory: string, extra: Record<string, string> = {}) => ({env: {LAYERSCOPE_CACHE_DIR: directory, ...extra}});

async function ok(args: string[], env: {env: Record<string, string>}, options: {stdin?: Buffer} = {}): Promise<string> {
	const result = await runCli(args, {...env, ...options});
	expect(result.stderr, args.join(' ')).toBe('');
	expect([0, 1], args.join(' ')).toContain(result.code);
	return result.stdout;
}

/** The entry files of the cache (this format version's), by name. */
function entryNames(directory: string, image: WrittenImage): string[] {
	return image.diffIds.map(diffId => entryPath(directory, diffId)!).filter(file => existsSync(file)).map(file => path.basename(file));
}

/** The entries derived from layers in the cache, as files: the analyses' facts, or those of the kinds asked for. */
function analysisEntries(directory: string, kinds: string[] = [FACTS]): string[] {
	const where = path.join(directory, `analyses-v${ANALYSIS_FORMAT_VERSION}`);
	const files = existsSync(where) ? readdirSync(where).map(name => path.join(where, name)) : [];
	return files.filter(file => kinds.includes(readFileSync(file).subarray(0, 8).toString('latin1')));
}

/** Every way the report is written: what a cache hit must give byte for byte. */
const OUTPUTS: Array<{name: string; args: (input: string) => string[]}> = [
	{name: '--json', args: input => [input, '--json']},
	{name: '--json-format dive', args: input => [input, '--json-format', 'dive']},
	{name: 'summary', args: input => [input]},
	{name: '--ci', args: input => [input, '--ci', '--highest-wasted-bytes', '1KB']},
	{name: '--ci-format dive', args: input => [input, '--ci', '--ci-format', 'dive']},
	{name: 'files --json', args: input => ['files', input, '--json']},
];

/** Overwrites every layer blob in the image with bytes of the same size: only a run that does not read them can still succeed. */
async function spoilLayers(spec: ImageSpec, image: WrittenImage, format: Format): Promise<void> {
	await writeImage(spec, {
		format,
		outPath: image.path,
		transformFiles: (files, where) => files.map(file => (where.layers.includes(file.path) && file.data ? {...file, data: Buffer.alloc(file.data.length, 0x5a)} : file)),
	});
}

describe('a cache hit gives the cold run’s report, every format and every output', () => {
	for (const format of FORMATS) {
		it(format, async () => {
			const spec = buildSpec('1');
			const image = await writeImage(spec, {format, outPath: fresh(format === 'oci-dir' ? 'layout' : 'image.tar')});
			const cache = fresh('cache');
			const before = readdirSync(path.dirname(image.path)).sort();
			const cold: Record<string, string> = {};
			for (const output of OUTPUTS) cold[output.name] = await ok([...output.args(image.path), '--no-cache'], cacheEnv(cache));
			// --no-cache neither reads nor writes the cache.
			expect(existsSync(cache)).toBe(false);
			expect(await ok(OUTPUTS[0]!.args(image.path), cacheEnv(cache))).toBe(cold['--json']);
			expect(entryNames(cache, image)).toHaveLength(4);
			// And what the analysis derived: the runs below take it from the cache (see the analysis cache's tests).
			expect(analysisEntries(cache)).toHaveLength(1);
			for (const output of OUTPUTS) expect(await ok(output.args(image.path), cacheEnv(cache)), output.name).toBe(cold[output.name]);
			// Nothing was written next to the input.
			expect(readdirSync(path.dirname(image.path)).sort()).toEqual(before);

			// The cached runs did not read the layers: with every blob spoiled, they still give the same reports, and a cold run fails.
			await spoilLayers(spec, image, format);
			for (const output of OUTPUTS) expect(await ok(output.args(image.path), cacheEnv(cache)), `${output.name}, blobs spoiled`).toBe(cold[output.name]);
			const coldSpoiled = await runCli([image.path, '--json', '--no-cache'], cacheEnv(cache));
			expect(coldSpoiled.code).toBe(2);
			expect(coldSpoiled.stderr).toMatch(/layer \d+ .*(does not match its (digest|diff_id)|not a tar|is not)/);
		});
	}

	it('a gzip-compressed archive and standard input: cached layers are hashed as they pass, and checked', async () => {
		const spec = buildSpec('1');
		const gzipped = await writeImage(spec, {format: 'docker25', outPath: fresh('image.tar.gz'), outerGzip: true});
		const plain = await writeImage(spec, {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		const cold = await ok([gzipped.path, '--json', '--no-cache'], cacheEnv(cache));
		// A stream stores what it parsed; the next one only hashes those layers as they pass.
		expect(await ok([gzipped.path, '--json'], cacheEnv(cache))).toBe(cold);
		expect(entryNames(cache, plain)).toHaveLength(4);
		expect(await ok([gzipped.path, '--json'], cacheEnv(cache))).toBe(cold);
		const stdinCold = await ok(['-', '--json', '--no-cache'], cacheEnv(cache), {stdin: readFileSync(plain.path)});
		expect(await ok(['-', '--json'], cacheEnv(cache), {stdin: readFileSync(plain.path)})).toBe(stdinCold);
		const fileCold = await ok([plain.path, '--json', '--no-cache'], cacheEnv(cache));
		await spoilLayers(spec, plain, 'docker25');
		// The file's cached layers are not read; a stream's pass anyway, and are held to their digests as a cold run holds them.
		expect(await ok([plain.path, '--json'], cacheEnv(cache))).toBe(fileCold);
		const spoiledCold = await runCli(['-', '--json', '--no-cache'], {...cacheEnv(cache), stdin: readFileSync(plain.path)});
		const spoiledCached = await runCli(['-', '--json'], {...cacheEnv(cache), stdin: readFileSync(plain.path)});
		// Both refuse the layer in one line; the cold run trips over the tar before it gets to the digest.
		expect(spoiledCold.code).toBe(2);
		expect(spoiledCold.stderr).toMatch(/^layerscope: -: layer 0 \(blobs\/sha256\/[a-f0-9]{64}\): layer is not a valid tar archive .*\n$/);
		expect(spoiledCached.code).toBe(2);
		expect(spoiledCached.stdout).toBe('');
		expect(spoiledCached.stderr).toMatch(/^layerscope: -: layer \d \(blobs\/sha256\/[a-f0-9]{64}\) does not match its digest: expected sha256:[a-f0-9]{64}, got sha256:[a-f0-9]{64}\n$/);
	});
});

describe('an analysis hit over blobs it knows', () => {
	it('reads no layer, from the cache or the input; other blobs of the same layers are read; the limits hold', async () => {
		const spec = buildSpec('1');
		const gzip = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout'), compression: 'gzip'});
		const zstd = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout'), compression: 'zstd'});
		const plain = await writeImage(spec, {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		const cold = await Promise.all([gzip, zstd, plain].map(image => ok([image.path, '--json', '--no-cache'], cacheEnv(cache))));
		expect(await ok([gzip.path, '--json'], cacheEnv(cache))).toBe(cold[0]);
		expect(analysisEntries(cache)).toHaveLength(1);
		// Without the layer entries, a layer read now would be stored again: none is, for the blobs the facts were made from…
		rmSync(path.join(cache, `layers-v${CACHE_FORMAT_VERSION}`), {recursive: true, force: true});
		expect(await ok([gzip.path, '--json'], cacheEnv(cache))).toBe(cold[0]);
		expect(entryNames(cache, gzip)).toEqual([]);
		// …nor for uncompressed blobs of the same tars (a docker save of the same config: the blob is the tar its diff_id names).
		expect(await ok([plain.path, '--json'], cacheEnv(cache))).toBe(cold[2]);
		expect(entryNames(cache, plain)).toEqual([]);
		// The same tars compressed otherwise are not assumed: they are read (and stored), the facts still the cached ones.
		expect(await ok([zstd.path, '--json'], cacheEnv(cache))).toBe(cold[1]);
		expect(entryNames(cache, zstd)).toHaveLength(4);
		expect(analysisEntries(cache)).toHaveLength(1);
		// Limits lowered since: the cached run refuses the image as the cold run does.
		const low = {LAYERSCOPE_MAX_ENTRIES: '5'};
		const coldRefusal = await runCli([gzip.path, '--json', '--no-cache'], cacheEnv(cache, low));
		const cachedRefusal = await runCli([gzip.path, '--json'], cacheEnv(cache, low));
		expect(coldRefusal.code).toBe(2);
		expect(cachedRefusal.code).toBe(2);
		expect(cachedRefusal.stderr).toBe(coldRefusal.stderr);
	});
});

describe('damaged entries are never trusted, and are rewritten', () => {
	const damages: Array<{name: string; damage: (file: string, image: WrittenImage, cache: string) => void}> = [
		{name: 'a flipped byte', damage: file => {
			const content = readFileSync(file);
			content[content.length >> 1] ^= 0x20;
			writeFileSync(file, content);
		}},
		{name: 'truncation', damage: file => writeFileSync(file, readFileSync(file).subarray(0, 100))},
		{name: 'an empty file', damage: file => writeFileSync(file, '')},
		{name: 'another format version', damage: file => {
			const content = readFileSync(file);
			content.writeUInt32BE(content.readUInt32BE(8) + 1, 8);
			writeFileSync(file, content);
		}},
		{name: 'another layer’s entry under this name', damage: (file, image, cache) => {
			const other = entryPath(cache, image.diffIds.find(diffId => entryPath(cache, diffId) !== file)!)!;
			writeFileSync(file, readFileSync(other));
		}},
	];
	for (const {name, damage} of damages) {
		it(name, async () => {
			const spec = buildSpec('1');
			const image = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout')});
			const cache = fresh('cache');
			const cold = await ok([image.path, '--json'], cacheEnv(cache));
			const files = image.diffIds.map(diffId => entryPath(cache, diffId)!);
			for (const file of files) damage(file, image, cache);
			// The layer entries are what is under test: without the analysis entry (a config not analysed before), the run needs them.
			const forgetAnalyses = () => rmSync(path.join(cache, `analyses-v${ANALYSIS_FORMAT_VERSION}`), {recursive: true, force: true});
			forgetAnalyses();
			// A damaged entry is a miss: the layer is read (and checked) again, so the report is the cold one…
			expect(await ok([image.path, '--json'], cacheEnv(cache))).toBe(cold);
			// …and the entry is whole again, for this layer.
			image.diffIds.forEach((diffId, index) => expect(parseEntry(readFileSync(files[index]!), diffId)?.diffId, `layer ${index}`).toBe(diffId));
			// A damaged entry with the blobs spoiled: the run reads them and fails, as a cold run would; it never takes the entry.
			damage(files[0]!, image, cache);
			forgetAnalyses();
			await spoilLayers(spec, image, 'oci-dir');
			const spoiled = await runCli([image.path, '--json'], cacheEnv(cache));
			expect(spoiled.code).toBe(2);
			expect(spoiled.stderr).toMatch(/^layerscope: .*layer 0 .*/);
		});
	}
});

describe('what may use the cache', () => {
	it('--no-verify neither writes nor reads it', async () => {
		const spec = buildSpec('1');
		const image = await writeImage(spec, {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		const cold = await ok([image.path, '--json', '--no-verify'], cacheEnv(cache));
		expect(entryNames(cache, image)).toEqual([]);
		await ok([image.path, '--json'], cacheEnv(cache));
		expect(entryNames(cache, image)).toHaveLength(4);
		// Reading what the input holds, not what its diff_ids name: spoiled blobs fail even with the cache full.
		await spoilLayers(spec, image, 'docker25');
		const spoiled = await runCli([image.path, '--json', '--no-verify'], cacheEnv(cache));
		expect(spoiled.code).toBe(2);
		expect(cold).not.toBe('');
	});

	it('limits lowered since a layer was cached hold for it as for a cold read', async () => {
		const image = await writeImage(buildSpec('1'), {format: 'oci-dir', outPath: fresh('layout')});
		const cache = fresh('cache');
		await ok([image.path, '--json'], cacheEnv(cache));
		const limit = {LAYERSCOPE_MAX_LAYER_SIZE: '50KiB'};
		const cold = await runCli([image.path, '--json', '--no-cache'], cacheEnv(cache, limit));
		expect(cold.code).toBe(2);
		expect(cold.stderr).toMatch(/layer expands to more than 50 KiB/);
		expect(await runCli([image.path, '--json'], cacheEnv(cache, limit))).toEqual(cold);
		const stream = await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar.gz'), outerGzip: true});
		await ok([stream.path, '--json'], cacheEnv(cache));
		const streamCold = await runCli([stream.path, '--json', '--no-cache'], cacheEnv(cache, limit));
		expect(streamCold.code).toBe(2);
		expect(await runCli([stream.path, '--json'], cacheEnv(cache, limit))).toEqual(streamCold);
	});

	it('an image that differs in its last layer reads only that layer', async () => {
		const cache = fresh('cache');
		const first = await writeImage(buildSpec('1'), {format: 'oci-dir', outPath: fresh('layout')});
		await ok([first.path, '--json'], cacheEnv(cache));
		const secondSpec = buildSpec('2');
		const second = await writeImage(secondSpec, {format: 'oci-dir', outPath: fresh('layout')});
		expect(second.diffIds.slice(0, 3)).toEqual(first.diffIds.slice(0, 3));
		const cold = await ok([second.path, '--json', '--no-cache'], cacheEnv(cache));
		// The three shared layers spoiled: only the new one can be read, and the report is still the cold one.
		await writeImage(secondSpec, {
			format: 'oci-dir',
			outPath: second.path,
			transformFiles: (files, where) => files.map(file => (where.layers.slice(0, 3).includes(file.path) && file.data ? {...file, data: Buffer.alloc(file.data.length, 0x5a)} : file)),
		});
		expect(await ok([second.path, '--json'], cacheEnv(cache))).toBe(cold);
		expect(entryNames(cache, second)).toHaveLength(4);
	});

	it('the layers the cache lacks are read first: the next build’s small new layer does not wait for the look-ups of the larger ones', async () => {
		const spec = buildSpec('1');
		const nextSpec: ImageSpec = {...spec, layers: [...spec.layers, {entries: [{type: 'file', path: 'app/extra.js', content: 'more\n'}]}], history: [...spec.history!, {created_by: 'COPY extra.js /app/'}]};
		const first = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout')});
		const next = await writeImage(nextSpec, {format: 'oci-dir', outPath: fresh('layout')});
		const cache = fresh('cache');
		await ok([first.path, '--json'], cacheEnv(cache));
		// One layer at a time, so the order they are taken in is the order they finish in.
		const finished: number[] = [];
		const image = await loadImage(next.path, {cache: new LayerCache(cache, 2 ** 30), concurrency: 1, onLayer: layer => finished.push(layer.index)});
		expect(finished[0]).toBe(4);
		// The others, from the cache, largest first as ever.
		const sizes = image.layers.map(layer => layer.compressedSize);
		expect(finished.slice(1)).toEqual([0, 1, 2, 3].sort((a, b) => sizes[b]! - sizes[a]!));
	});

	it('the next build (these layers and one more) stacks only the new one, from the kept stacking, to the cold report in every output', async () => {
		const spec = buildSpec('1');
		const nextSpec: ImageSpec = {...spec, layers: [...spec.layers, {entries: [{type: 'file', path: 'app/extra.js', content: 'more\n'}, {type: 'whiteout', path: 'etc/passwd'}]}], history: [...spec.history!, {created_by: 'COPY extra.js /app/'}]};
		const first = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout')});
		const next = await writeImage(nextSpec, {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		await ok([first.path, '--json'], cacheEnv(cache));
		// Two states beside its facts: its four layers' (which the next build takes up), and the three below its top.
		const [kept] = analysisEntries(cache, [BUILDERS]).filter(file => (deserializeParts(unframeEntry(readFileSync(file), Buffer.from(BUILDERS), ANALYSIS_FORMAT_VERSION, path.basename(file).replace(/^sha256-/, 'sha256:'))!) as any).chain === chainId(first.diffIds));
		expect(analysisEntries(cache, [BUILDERS])).toHaveLength(2);
		for (const output of OUTPUTS) {
			const copy = fresh('cache');
			cpSync(cache, copy, {recursive: true});
			const warm = await ok(output.args(next.path), cacheEnv(copy));
			// The next build keeps no state of its own: its one layer of two entries is little on the four layers' (the build after it goes on from theirs);
			// `files` makes the whole analysis, uncached.
			if (output.name === '--json') expect(analysisEntries(copy, [BUILDERS])).toHaveLength(2);
			expect(warm, output.name).toBe(await ok([...output.args(next.path), '--no-cache'], cacheEnv(copy)));
		}
		// Only a run that takes the state up can say this number: the stored bytes of the four layers, doctored.
		const key = path.basename(kept!).replace(/^sha256-/, 'sha256:');
		const state = deserializeParts(unframeEntry(readFileSync(kept!), Buffer.from(BUILDERS), ANALYSIS_FORMAT_VERSION, key)!) as any;
		const cold = JSON.parse(await ok([next.path, '--json', '--no-cache'], cacheEnv(cache)));
		state.history.storedBytes += 4242;
		const writer = new LayerCache(cache, 2 ** 30);
		writer.putBuilder(key, () => serializeParts(state));
		await writer.finish();
		expect(JSON.parse(await ok([next.path, '--json'], cacheEnv(cache))).waste.storedBytes).toBe(cold.waste.storedBytes + 4242);
		// States under this key that are not its layers', each doctored so that taking it up would show: dropped, the layers stacked.
		const statesIn = (directory: string) =>
			analysisEntries(directory, [BUILDERS]).map(file => deserializeParts(unframeEntry(readFileSync(file), Buffer.from(BUILDERS), ANALYSIS_FORMAT_VERSION, path.basename(file).replace(/^sha256-/, 'sha256:'))!) as any);
		const other = fresh('cache');
		const otherImage = await writeImage(buildSpec('2'), {format: 'oci-dir', outPath: fresh('layout')});
		await ok([otherImage.path, '--json'], cacheEnv(other));
		// Another image's four layers (its last differs, with as many entries: it would fit), which says whose it is.
		const foreign = statesIn(other).find(state => state.chain === chainId(otherImage.diffIds))!;
		// This image's own three layers, relabelled as the four: the chain says so, the layers do not fit.
		const short = statesIn(cache).find(state => state.chain === chainId(first.diffIds.slice(0, 3)))!;
		short.chain = chainId(first.diffIds);
		for (const [name, wrong] of [['another image’s', foreign], ['three layers’ as four', short]] as const) {
			wrong.history.storedBytes += 4242;
			const misplaced = fresh('cache');
			const misplacedWriter = new LayerCache(misplaced, 2 ** 30);
			misplacedWriter.putBuilder(key, () => serializeParts(wrong));
			await misplacedWriter.finish();
			expect(JSON.parse(await ok([next.path, '--json'], cacheEnv(misplaced))), name).toEqual(cold);
		}
	});

	it('an image whose last layer is rebuilt stacks only that layer, from the stacking kept below the first image’s top', async () => {
		const first = await writeImage(buildSpec('1'), {format: 'oci-dir', outPath: fresh('layout')});
		const rebuilt = await writeImage(buildSpec('2, rebuilt'), {format: 'docker25', outPath: fresh('image.tar')});
		expect(rebuilt.diffIds.slice(0, 3)).toEqual(first.diffIds.slice(0, 3));
		expect(rebuilt.diffIds[3]).not.toBe(first.diffIds[3]);
		const cache = fresh('cache');
		await ok([first.path, '--json'], cacheEnv(cache));
		// Two states: all four layers, and the three below the top (each says whose it is: its ChainID).
		const states = analysisEntries(cache, [BUILDERS]).map(file => {
			const key = path.basename(file).replace(/^sha256-/, 'sha256:');
			return {key, state: deserializeParts(unframeEntry(readFileSync(file), Buffer.from(BUILDERS), ANALYSIS_FORMAT_VERSION, key)!) as any};
		});
		expect(states.map(({state}) => state.chain).sort()).toEqual([chainId(first.diffIds), chainId(first.diffIds.slice(0, 3))].sort());
		const cold = await ok([rebuilt.path, '--json', '--no-cache'], cacheEnv(cache));
		const copy = fresh('cache');
		cpSync(cache, copy, {recursive: true});
		expect(await ok([rebuilt.path, '--json'], cacheEnv(copy))).toBe(cold);
		// Only a run that takes the three layers' state up can say this number.
		const below = states.find(({state}) => state.chain === chainId(first.diffIds.slice(0, 3)))!;
		below.state.history.storedBytes += 4242;
		const writer = new LayerCache(cache, 2 ** 30);
		writer.putBuilder(below.key, () => serializeParts(below.state));
		await writer.finish();
		expect(JSON.parse(await ok([rebuilt.path, '--json'], cacheEnv(cache))).waste.storedBytes).toBe(JSON.parse(cold).waste.storedBytes + 4242);
		// That state was kept mid-stacking, without the walk and reports; the run that took it up made them and kept it again, whole.
		expect(below.state.waste).toBeUndefined();
		const completed = analysisEntries(copy, [BUILDERS])
			.map(file => deserializeParts(unframeEntry(readFileSync(file), Buffer.from(BUILDERS), ANALYSIS_FORMAT_VERSION, path.basename(file).replace(/^sha256-/, 'sha256:'))!) as any)
			.find(state => state.chain === chainId(first.diffIds.slice(0, 3)))!;
		expect(Object.keys(completed).filter(key => ['walk', 'waste', 'packages'].includes(key)).sort()).toEqual(['packages', 'walk', 'waste']);
		// The build after it (its top layer rebuilt again, adding one file) goes on from that waste: only such a run can say this number.
		const third = await writeImage(buildSpec('3, rebuilt again'), {format: 'oci-dir', outPath: fresh('layout')});
		const thirdCold = JSON.parse(await ok([third.path, '--json', '--no-cache'], cacheEnv(copy)));
		expect(JSON.parse(await ok([third.path, '--json'], cacheEnv(copy)))).toEqual(thirdCold);
		completed.waste.byCause.removed += 4242;
		const rewriter = new LayerCache(copy, 2 ** 30);
		rewriter.putBuilder(below.key, () => serializeParts(completed));
		await rewriter.finish();
		const fourth = await writeImage(buildSpec('4, rebuilt once more'), {format: 'oci-dir', outPath: fresh('layout')});
		const fourthCold = JSON.parse(await ok([fourth.path, '--json', '--no-cache'], cacheEnv(copy)));
		expect(JSON.parse(await ok([fourth.path, '--json'], cacheEnv(copy))).waste.byCause.removed).toBe(fourthCold.waste.byCause.removed + 4242);
	});
});

/** Starts the CLI without waiting, so that several share the cache at once. */
function start(args: string[], env: Record<string, string>): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [builtCli, ...args], {env: {...process.env, NO_COLOR: '1', ...env}});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
	});
}

/** Rewrites every analysis entry with its facts changed by `edit` (valid entries: whole, this version, this key). */
async function doctorAnalysis(cache: string, edit: (facts: any) => void): Promise<void> {
	const writer = new LayerCache(cache, 2 ** 30);
	for (const file of analysisEntries(cache)) {
		const key = path.basename(file).replace(/^sha256-/, 'sha256:');
		const payload = unframeEntry(readFileSync(file), ANALYSIS_MAGIC_FOR_TESTS, ANALYSIS_FORMAT_VERSION, key)!;
		const facts = deserialize(payload);
		edit(facts);
		writer.putAnalysis(key, serialize(facts));
	}
	await writer.finish();
}

describe('the analysis cache: a config analysed before by this code is not stacked again', () => {
	it('layers all from the cache that no runtime would stack fail the run as a cold read does: one line, exit 2', async () => {
		// Each layer cached by an image of its own; together, the hard link points at a file the bottom layer lacks.
		const bottom: EntrySpec[] = [{type: 'file', path: 'etc/passwd', content: 'root\n'}];
		const top: EntrySpec[] = [{type: 'hardlink', path: 'bin/busybox', target: 'bin/sh'}];
		const cache = fresh('cache');
		const withSh = await writeImage({layers: [{entries: [...bottom, {type: 'file', path: 'bin/sh', content: 'sh'}]}, {entries: top}]}, {format: 'oci-dir', outPath: fresh('layout')});
		const alone = await writeImage({layers: [{entries: bottom}]}, {format: 'oci-dir', outPath: fresh('layout')});
		await ok([withSh.path, '--json'], cacheEnv(cache));
		await ok([alone.path, '--json'], cacheEnv(cache));
		const both = await writeImage({layers: [{entries: bottom}, {entries: top}]}, {format: 'oci-dir', outPath: fresh('layout')});
		const cold = await runCli([both.path, '--json', '--no-cache'], cacheEnv(cache));
		expect(cold.code).toBe(2);
		expect(cold.stderr).toMatch(/hard link .*busybox points to .*sh, which does not exist/);
		const warm = await runCli([both.path, '--json'], cacheEnv(cache));
		expect({code: warm.code, stderr: warm.stderr, stdout: warm.stdout}).toEqual({code: 2, stderr: cold.stderr, stdout: ''});
	});

	it('diff A B takes both images’ facts from their entries, and stacks only their final filesystems for the files', async () => {
		const a = await writeImage(buildSpec('1'), {format: 'oci-dir', outPath: fresh('layout')});
		const b = await writeImage(buildSpec('2'), {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		const cold = await ok(['diff', a.path, b.path, '--json', '--no-cache'], cacheEnv(cache));
		expect(await ok([a.path, '--json'], cacheEnv(cache))).not.toBe('');
		expect(await ok([b.path, '--json'], cacheEnv(cache))).not.toBe('');
		expect(analysisEntries(cache)).toHaveLength(2);
		expect(await ok(['diff', a.path, b.path, '--json'], cacheEnv(cache))).toBe(cold);
		// The stack of the three layers both share is kept (by ChainID) beside the facts, and the next diff starts from it.
		expect(analysisEntries(cache, [FACTS, STACKS])).toHaveLength(3);
		expect(await ok(['diff', a.path, b.path, '--json'], cacheEnv(cache))).toBe(cold);
		expect(await ok(['diff', b.path, a.path, '--json'], cacheEnv(cache))).toBe(await ok(['diff', b.path, a.path, '--json', '--no-cache'], cacheEnv(cache)));
		const metric = (report: string, name: string) => (JSON.parse(report).metrics as Record<string, {before: number; after: number}>)[name]!;
		const reclaimable = metric(cold, 'reclaimableBytes');
		await doctorAnalysis(cache, facts => (facts.waste.reclaimableBytes += 4242));
		// Only a diff that takes both entries can say these numbers; its files are the layers' own.
		const warm = await ok(['diff', a.path, b.path, '--json'], cacheEnv(cache));
		expect(metric(warm, 'reclaimableBytes')).toMatchObject({before: reclaimable.before + 4242, after: reclaimable.after + 4242});
		expect(JSON.parse(warm).files).toEqual(JSON.parse(cold).files);
		expect(JSON.parse(warm).files.map((file: {path: string}) => file.path)).toContain('/app/main.js');
		expect(JSON.parse(warm).directories).toEqual(JSON.parse(cold).directories);
	});

	it('the reports come from the entry (a doctored one shows), each run’s own name and its findings from its own input', async () => {
		const spec = buildSpec('1');
		const image = await writeImage({...spec, repoTags: ['example.com/app:1.0']}, {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(cache));
		expect(await ok([image.path, '--json'], cacheEnv(cache))).toBe(cold);
		expect(analysisEntries(cache)).toHaveLength(1);
		const reclaimable = JSON.parse(cold).waste.reclaimableBytes as number;
		await doctorAnalysis(cache, facts => (facts.waste.reclaimableBytes = reclaimable + 4242));
		// Only a run that takes the entry can say this number.
		expect(JSON.parse(await ok([image.path, '--json'], cacheEnv(cache))).waste.reclaimableBytes).toBe(reclaimable + 4242);
		expect(await ok([image.path, '--json', '--no-cache'], cacheEnv(cache))).toBe(cold);

		// The same image (the same config) under a moving tag: one entry serves both; the tag's finding is this run's.
		rmSync(analysisEntries(cache)[0]!);
		const latest = await writeImage({...spec, repoTags: ['example.com/app:latest']}, {format: 'docker25', outPath: fresh('latest.tar')});
		const latestCold = await ok([latest.path, '--json', '--no-cache'], cacheEnv(cache));
		expect(JSON.parse(latestCold).findings.map((finding: {id: string}) => finding.id)).toContain('unpinned-tag');
		expect(JSON.parse(cold).findings.map((finding: {id: string}) => finding.id)).not.toContain('unpinned-tag');
		expect(await ok([image.path, '--json'], cacheEnv(cache))).toBe(cold);
		const [entry] = analysisEntries(cache);
		expect(await ok([latest.path, '--json'], cacheEnv(cache))).toBe(latestCold);
		expect(await ok([image.path], cacheEnv(cache))).toBe(await ok([image.path, '--no-cache'], cacheEnv(cache)));
		expect(analysisEntries(cache)).toEqual([entry]);
	});

	it('damaged, truncated, other-version, misplaced and undecodable entries are made again, and rewritten', async () => {
		const spec = buildSpec('1');
		const image = await writeImage(spec, {format: 'oci-dir', outPath: fresh('layout')});
		const other = await writeImage(buildSpec('2'), {format: 'oci-dir', outPath: fresh('layout')});
		const cache = fresh('cache');
		const otherCache = fresh('cache');
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(cache));
		await ok([image.path, '--json'], cacheEnv(cache));
		await ok([other.path, '--json'], cacheEnv(otherCache));
		const [file] = analysisEntries(cache);
		const good = readFileSync(file!);
		const key = path.basename(file!).replace(/^sha256-/, 'sha256:');
		const flipped = Buffer.from(good);
		flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
		const otherVersion = Buffer.from(good);
		otherVersion.writeUInt32BE(ANALYSIS_FORMAT_VERSION + 1, ANALYSIS_MAGIC_FOR_TESTS.length);
		const damaged: Record<string, Buffer> = {
			'a flipped byte': flipped,
			truncated: good.subarray(0, good.length - 10),
			'another version': otherVersion,
			"another image's entry": readFileSync(analysisEntries(otherCache)[0]!),
			'a payload that is not facts': frameEntry(ANALYSIS_MAGIC_FOR_TESTS, ANALYSIS_FORMAT_VERSION, key, serialize({waste: 1})),
			'facts for another number of layers': frameEntry(ANALYSIS_MAGIC_FOR_TESTS, ANALYSIS_FORMAT_VERSION, key, serialize({...deserialize(unframeEntry(good, ANALYSIS_MAGIC_FOR_TESTS, ANALYSIS_FORMAT_VERSION, key)!), layerChanges: []})),
		};
		for (const [name, bytes] of Object.entries(damaged)) {
			writeFileSync(file!, bytes);
			expect(await ok([image.path, '--json'], cacheEnv(cache)), name).toBe(cold);
			// Made again (from the kept stacking of its layers: nothing is stacked), to the same facts; a number may now be stored as a small integer.
			const facts = (entry: Buffer) => deserialize(unframeEntry(entry, ANALYSIS_MAGIC_FOR_TESTS, ANALYSIS_FORMAT_VERSION, key)!);
			expect(facts(readFileSync(file!)), `${name}: rewritten`).toEqual(facts(good));
		}
	});

	it('--no-verify neither reads nor writes it; a gate on forbidden paths reads the final tree, not the entry', async () => {
		const image = await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		await ok([image.path, '--json', '--no-verify'], cacheEnv(cache));
		expect(analysisEntries(cache)).toEqual([]);
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(cache));
		await ok([image.path, '--json'], cacheEnv(cache));
		await doctorAnalysis(cache, facts => (facts.waste.reclaimableBytes += 4242));
		expect(await ok([image.path, '--json', '--no-verify'], cacheEnv(cache))).toBe(await ok([image.path, '--json', '--no-verify', '--no-cache'], cacheEnv(cache)));
		const gate = [image.path, '--ci', '--forbid-paths', 'app/.git/**', '--highest-reclaimable-bytes', '1B'];
		const gateCold = await runCli([...gate, '--no-cache'], cacheEnv(cache));
		expect(gateCold.code).toBe(1);
		expect(gateCold.stdout).toContain('app/.git/config');
		const gateCached = await runCli(gate, cacheEnv(cache));
		expect(gateCached).toEqual(gateCold);
		expect(JSON.parse(cold).waste.reclaimableBytes).not.toBe(JSON.parse(await ok([image.path, '--json'], cacheEnv(cache))).waste.reclaimableBytes);
	});
});

describe('cache directories that are shared, read-only, full or missing', () => {
	it('two runs writing one cache at once (and evicting, with a small bound) leave only whole entries', async () => {
		const images = [await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar')}), await writeImage(buildSpec('2'), {format: 'oci-archive', outPath: fresh('image.tar')})];
		const colds = await Promise.all(images.map(image => ok([image.path, '--json', '--no-cache'], cacheEnv(fresh('unused')))));
		// What the two images' entries take: half of it is a bound the runs must evict to keep.
		const measured = fresh('cache');
		for (const image of images) await ok([image.path, '--json'], cacheEnv(measured));
		const entrySizes = [...new Set(images.flatMap(image => image.diffIds))].map(diffId => statSync(entryPath(measured, diffId)!).size);
		const half = Math.floor(entrySizes.reduce((sum, size) => sum + size, 0) / 2);
		for (const bound of ['1GiB', String(half)]) {
			const cache = fresh('cache');
			for (let round = 0; round < 3; round++) {
				const env = {LAYERSCOPE_CACHE_DIR: cache, LAYERSCOPE_CACHE_SIZE: bound};
				const runs = await Promise.all([0, 1, 0, 1].map(which => start([images[which]!.path, '--json'], env).then(result => ({which, result}))));
				for (const {which, result} of runs) {
					expect(result.stderr).toBe('');
					expect(result.code).toBe(0);
					expect(result.stdout).toBe(colds[which]);
				}
			}
			const entries = path.dirname(entryPath(cache, images[0]!.diffIds[0]!)!);
			const left = readdirSync(entries);
			expect(left.filter(name => name.startsWith('.tmp-'))).toEqual([]);
			for (const name of left) expect(parseEntry(readFileSync(path.join(entries, name)), name.replace('-', ':')), name).not.toBeNull();
			const distinct = new Set(images.flatMap(image => image.diffIds)).size;
			if (bound === '1GiB') expect(left).toHaveLength(distinct);
			else {
				// The entries do not all fit: the runs evicted while the others read and wrote.
				expect(left.length).toBeLessThan(distinct);
				expect(left.reduce((sum, name) => sum + statSync(path.join(entries, name)).size, 0)).toBeLessThanOrEqual(half);
			}
		}
	});

	it('read-only: reads what it holds, writes nothing, says so once, and the run succeeds', async () => {
		const spec = buildSpec('1');
		const image = await writeImage(spec, {format: 'oci-archive', outPath: fresh('image.tar')});
		chmodSync(image.path, 0o644);
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(fresh('unused')));
		// An empty cache the user cannot write: one warning line, the full report.
		const empty = fresh('cache');
		mkdirSync(empty, {mode: 0o755});
		const unwritable = await runCli([image.path, '--json'], {...cacheEnv(empty), runAs: 'nobody'});
		expect(unwritable.code).toBe(0);
		expect(unwritable.stdout).toBe(cold);
		expect(unwritable.stderr).toMatch(/^layerscope: warning: layer cache .* cannot be written \(EACCES\); this run goes on without storing layers in it\n$/);
		expect(readdirSync(empty)).toEqual([]);
		// A full cache someone else wrote: used as it is, silently.
		const filled = fresh('cache');
		await ok([image.path, '--json'], cacheEnv(filled));
		for (const directory of [filled, path.join(filled, `layers-v${CACHE_FORMAT_VERSION}`)]) chmodSync(directory, 0o755);
		const reader = await runCli([image.path, '--json'], {...cacheEnv(filled), runAs: 'nobody'});
		expect(reader).toEqual({code: 0, stdout: cold, stderr: ''});
	});

	it('missing and impossible to create: one warning line, the full report', async () => {
		const image = await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar')});
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(fresh('unused')));
		const blocker = fresh('a-file');
		writeFileSync(blocker, 'a file where the cache would be');
		const result = await runCli([image.path, '--json'], cacheEnv(path.join(blocker, 'cache')));
		expect(result.code).toBe(0);
		expect(result.stdout).toBe(cold);
		expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^layerscope: warning: layer cache .* cannot be written \(ENOTDIR\)/)]);
	});

	it('full (a 64 KiB filesystem): one warning line, the full report, no temporary file left', async () => {
		const image = await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar')});
		const cold = await ok([image.path, '--json', '--no-cache'], cacheEnv(fresh('unused')));
		const mountPoint = fresh('small-fs');
		mkdirSync(mountPoint);
		const {execFileSync} = await import('node:child_process');
		execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
		try {
			// Something else has filled it, as a full disk would be.
			for (let page = 0; ; page++) {
				try {
					writeFileSync(path.join(mountPoint, `ballast-${page}`), Buffer.alloc(4096));
				} catch {
					break;
				}
			}
			const result = await runCli([image.path, '--json'], cacheEnv(mountPoint));
			expect(result.code).toBe(0);
			expect(result.stdout).toBe(cold);
			expect(result.stderr).toMatch(/^layerscope: warning: layer cache .* cannot be written \(ENOSPC\).*\n$/);
			const entries = path.join(mountPoint, `layers-v${CACHE_FORMAT_VERSION}`);
			expect(readdirSync(entries).filter(name => name.startsWith('.tmp-'))).toEqual([]);
		} finally {
			execFileSync('umount', [mountPoint]);
		}
	});
});

describe('layerscope cache info and cache clear', () => {
	it('say where the cache is and how full, and empty it', async () => {
		const image = await writeImage(buildSpec('1'), {format: 'docker25', outPath: fresh('image.tar')});
		const cache = fresh('cache');
		await ok([image.path, '--json'], cacheEnv(cache));
		// Derived from the layers: the image's facts and its kept stackings (builder-cache.ts: all its layers, and those below its top).
		expect(analysisEntries(cache, [FACTS, BUILDERS])).toHaveLength(3);
		const total = image.diffIds.reduce((sum, diffId) => sum + statSync(entryPath(cache, diffId)!).size, 0);
		const info = await ok(['cache', 'info'], cacheEnv(cache, {LAYERSCOPE_CACHE_SIZE: '2GiB'}));
		expect(info).toMatch(new RegExp(`^directory  ${cache}\\nlayers     4 \\(.+\\), format version ${CACHE_FORMAT_VERSION}\\nanalyses   3 \\(.+\\), format version ${ANALYSIS_FORMAT_VERSION}\\nlimit      2 GiB \\(LAYERSCOPE_CACHE_SIZE\\), .+ used\\n$`));
		expect(total).toBeGreaterThan(0);
		expect(await ok(['cache', 'clear'], cacheEnv(cache))).toMatch(/^removed 4 layers, 3 analyses \(.+\) from /);
		expect(entryNames(cache, image)).toEqual([]);
		expect(await ok(['cache', 'info'], cacheEnv(cache))).toMatch(/\nlayers     0 \(0 B\)/);
		const bad = await runCli(['cache', 'wipe'], cacheEnv(cache));
		expect(bad.code).toBe(2);
		expect(bad.stderr).toBe('layerscope: cache takes info or clear, not "wipe": layerscope cache info|clear\n');
		const size = await runCli([image.path, '--json'], cacheEnv(cache, {LAYERSCOPE_CACHE_SIZE: 'lots'}));
		expect(size.code).toBe(2);
		expect(size.stderr).toBe('layerscope: LAYERSCOPE_CACHE_SIZE must be a positive size (e.g. 1GiB), not "lots"\n');
	});

	it('where it is: LAYERSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/layerscope, else ~/.cache/layerscope', async () => {
		const home = fresh('home');
		const where = async (env: Record<string, string | undefined>) => /^directory  (.*)$/m.exec((await runCli(['cache', 'info'], {env: {LAYERSCOPE_CACHE_DIR: undefined, XDG_CACHE_HOME: undefined, HOME: home, ...env}})).stdout)?.[1];
		expect(await where({})).toBe(path.join(home, '.cache/layerscope'));
		expect(await where({XDG_CACHE_HOME: '/x/cache'})).toBe('/x/cache/layerscope');
		expect(await where({XDG_CACHE_HOME: 'relative/cache'})).toBe(path.join(home, '.cache/layerscope'));
		expect(await where({XDG_CACHE_HOME: '/x/cache', LAYERSCOPE_CACHE_DIR: '/y/lc'})).toBe('/y/lc');
		// cache info only looks: it creates nothing.
		expect(existsSync(home)).toBe(false);
	});
});


