import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {cacheMaxBytes, DEFAULT_CACHE_BYTES} from '../../source/cache/cache-settings.js';
import {ANALYSIS_FORMAT_VERSION, buildEntry, cacheInfo, clearCache, entryPath, evict, frameEntry, frameParts, LayerCache, parseEntry, unframeEntry} from '../../source/cache/layer-cache.js';
import {CACHE_FORMAT_VERSION, decodeLayer, encodeLayer} from '../../source/cache/layer-codec.js';
import {serialize} from 'node:v8';
import {readLayer, type LayerReadResult} from '../../source/layer/read-layer.js';
import {buildLayerTar, compressLayer, type EntrySpec} from '../fixtures/layer-builder.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cache-entries-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

let directories = 0;
const freshDirectory = () => path.join(scratch, `cache-${directories++}`);

async function* chunks(bytes: Buffer): AsyncGenerator<Uint8Array> {
	yield bytes;
}

/** A real layer read: every kind of entry the changeset records. */
async function readFixture(seed: string): Promise<LayerReadResult> {
	const entries: EntrySpec[] = [
		{type: 'dir', path: 'etc'},
		{type: 'file', path: 'etc/hosts', content: `127.0.0.1 ${seed}\n`},
		{type: 'file', path: 'etc/empty', content: ''},
		{type: 'symlink', path: 'etc/link', target: '../usr/bin/sh'},
		{type: 'hardlink', path: 'etc/hosts2', target: 'etc/hosts'},
		{type: 'char', path: 'dev/null', devmajor: 1, devminor: 3},
		{type: 'fifo', path: 'run/pipe'},
		{type: 'whiteout', path: 'var/gone'},
		{type: 'opaque', path: 'opt'},
		{type: 'file', path: `data/${seed}.bin`, content: Buffer.alloc(70_000, seed), mode: 0o4755},
	];
	return readLayer(chunks(compressLayer(buildLayerTar(entries), 'gzip')));
}

async function cached(directory: string, result: LayerReadResult): Promise<string> {
	const cache = new LayerCache(directory, 2 ** 30);
	cache.put(result);
	await cache.finish();
	return entryPath(directory, result.diffId)!;
}

describe('a cache entry', () => {
	it('gives back every field of the layer read, as it was read', async () => {
		const result = await readFixture('a');
		const directory = freshDirectory();
		const file = await cached(directory, result);
		expect(existsSync(file)).toBe(true);
		const back = await new LayerCache(directory, 2 ** 30).get(result.diffId);
		expect(back).toStrictEqual(result);
		expect([...back!.entries].find(entry => entry.path === '/dev/null')).toMatchObject({type: 'char', devMajor: 1, devMinor: 3});
	});

	it('is refused when any byte of it is flipped: header, key, payload or checksum', async () => {
		const result = await readFixture('b');
		const bytes = buildEntry(result);
		expect(parseEntry(bytes, result.diffId)).toStrictEqual(result);
		const positions = [0, 7, 8, 12, 20, 90, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1];
		for (const position of positions) {
			const flipped = Buffer.from(bytes);
			flipped[position] ^= 0x01;
			expect(parseEntry(flipped, result.diffId), `byte ${position}`).toBeNull();
		}
	});

	it('framed from parts is the entry framed from their bytes in one, parts over empty buffers included', () => {
		const magic = Buffer.from('LSTEST\n\n');
		const views = [Buffer.from('head'), new Uint8Array(new ArrayBuffer(0)), new Uint8Array(new ArrayBuffer(16), 16, 0), new Int32Array([1, -2, 3]), new Uint8Array(0), Buffer.from('tail')];
		const parts = [Buffer.from('head'), ...views.map(view => new Uint8Array(view.buffer, view.byteOffset, view.byteLength))];
		const framed = Buffer.concat(frameParts(magic, 1, 'key', parts).map(part => new Uint8Array(part.buffer, part.byteOffset, part.byteLength)));
		expect(framed).toEqual(frameEntry(magic, 1, 'key', Buffer.concat(parts)));
		expect(unframeEntry(framed, magic, 1, 'key')).toEqual(Buffer.concat(parts));
	});

	it('puts its payload at a multiple of 8 of the entry, whatever the key, and refuses padding that is not zeros', () => {
		const magic = Buffer.from('LSTEST\n\n');
		for (const key of ['', 'k', 'sha256:' + 'a'.repeat(64), 'é'.repeat(5)]) {
			const framed = frameEntry(magic, 1, key, Buffer.from('payload'));
			const payload = unframeEntry(framed, magic, 1, key)!;
			expect(payload.toString()).toBe('payload');
			expect((payload.byteOffset - framed.byteOffset) % 8, key).toBe(0);
			const padding = magic.length + 8 + Buffer.byteLength(key) + 8;
			if (padding % 8 === 0) continue;
			const spoiled = Buffer.from(framed);
			spoiled[padding] = 1;
			expect(unframeEntry(spoiled, magic, 1, key), key).toBeNull();
		}
	});

	it('is refused when truncated anywhere, or longer than it says', async () => {
		const result = await readFixture('c');
		const bytes = buildEntry(result);
		for (const length of [0, 1, 10, 30, 100, bytes.length - 33, bytes.length - 32, bytes.length - 1]) {
			expect(parseEntry(bytes.subarray(0, length), result.diffId), `${length} bytes`).toBeNull();
		}
		expect(parseEntry(Buffer.concat([bytes, Buffer.from([0])]), result.diffId)).toBeNull();
	});

	it('looks whole from its head (holds) when it is this version’s, under this key, as long as it says; only its checksum is left to get', async () => {
		const [result, other] = [await readFixture('h'), await readFixture('i')];
		const directory = freshDirectory();
		const file = await cached(directory, result);
		const cache = new LayerCache(directory, 2 ** 30);
		const bytes = readFileSync(file);
		expect(cache.holds(result.diffId)).toBe(true);
		expect(cache.holds(other.diffId)).toBe(false);
		const holdsAs = (content: Buffer) => {
			writeFileSync(file, content);
			return cache.holds(result.diffId);
		};
		expect(holdsAs(bytes.subarray(0, bytes.length - 1)), 'truncated').toBe(false);
		expect(holdsAs(Buffer.concat([bytes, Buffer.from([0])])), 'longer').toBe(false);
		expect(holdsAs(buildEntry(result, CACHE_FORMAT_VERSION + 1)), 'another version').toBe(false);
		expect(holdsAs(buildEntry({...other, diffId: other.diffId})), 'another key').toBe(false);
		expect(holdsAs(Buffer.alloc(bytes.length, 0x5a)), 'garbage').toBe(false);
		expect(holdsAs(Buffer.alloc(0)), 'empty').toBe(false);
		// A byte flipped in the payload: the head cannot tell, the checksum does.
		const flipped = Buffer.from(bytes);
		flipped[bytes.length - 100]! ^= 1;
		expect(holdsAs(flipped), 'flipped').toBe(true);
		expect(await cache.get(result.diffId)).toBeNull();
	});

	it('of another format version is refused, though whole and checksummed', async () => {
		const result = await readFixture('d');
		expect(parseEntry(buildEntry(result, CACHE_FORMAT_VERSION + 1), result.diffId)).toBeNull();
		expect(parseEntry(buildEntry(result, CACHE_FORMAT_VERSION), result.diffId)).not.toBeNull();
	});

	it('whose entry table does not hold together is refused, whatever its checksum says', async () => {
		const result = await readFixture('c');
		expect(decodeLayer(encodeLayer(result))).toStrictEqual(result);
		const {parts} = result.entries;
		// A build that laid the columns out otherwise: one short column is enough to refuse it.
		const short = {...parts, numbers: parts.numbers.subarray(0, parts.numbers.length - 1)};
		const longPaths = {...parts, pathBytes: new Uint8Array(parts.pathBytes.length + 1)};
		for (const entries of [short, longPaths, {...parts, count: parts.count + 1}, {...parts, devices: new Float64Array(2)}]) expect(decodeLayer(serialize({...result, entries}))).toBeNull();
	});

	it('of another layer is refused under this layer’s name', async () => {
		const [a, b] = [await readFixture('e'), await readFixture('f')];
		const directory = freshDirectory();
		await cached(directory, a);
		const fileB = await cached(directory, b);
		copyFileSync(fileB, entryPath(directory, a.diffId)!);
		expect(await new LayerCache(directory, 2 ** 30).get(a.diffId)).toBeNull();
		expect(await new LayerCache(directory, 2 ** 30).get(b.diffId)).toStrictEqual(b);
		// Even when the name and the key inside were both changed, the diff_id the payload holds is checked.
		const relabelled = {...b, diffId: a.diffId};
		const forged = buildEntry(relabelled);
		expect(parseEntry(forged, a.diffId)).toStrictEqual(relabelled);
		expect(parseEntry(forged, b.diffId)).toBeNull();
	});

	it('is rewritten whole by the next put after it was found damaged', async () => {
		const result = await readFixture('g');
		const directory = freshDirectory();
		const file = await cached(directory, result);
		const damaged = readFileSync(file);
		damaged[damaged.length >> 1] ^= 0xff;
		writeFileSync(file, damaged);
		const cache = new LayerCache(directory, 2 ** 30);
		expect(await cache.get(result.diffId)).toBeNull();
		expect(cache.stats.rejected).toBe(1);
		cache.put(result);
		await cache.finish();
		expect(parseEntry(readFileSync(file), result.diffId)).toStrictEqual(result);
		// No temporary file is left behind.
		expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
	});
});

describe('the cache directory', () => {
	it('stays within its bound, least recently used out first; a hit counts as a use', async () => {
		const results = [await readFixture('h'), await readFixture('i'), await readFixture('j'), await readFixture('k')];
		const directory = freshDirectory();
		const files: string[] = [];
		for (const result of results.slice(0, 3)) files.push(await cached(directory, result));
		const size = statSync(files[0]!).size;
		// Oldest first: h, i, j; then a hit on h makes i the least recently used.
		files.forEach((file, index) => utimesSync(file, 1_000_000 + index, 1_000_000 + index));
		const cache = new LayerCache(directory, Math.floor(size * 3.5));
		expect(await cache.get(results[0]!.diffId)).not.toBeNull();
		cache.put(results[3]!);
		await cache.finish();
		expect(files.map(file => existsSync(file))).toEqual([true, false, true]);
		expect(existsSync(entryPath(directory, results[3]!.diffId)!)).toBe(true);
	});

	it('never holds an entry larger than the whole bound', async () => {
		const result = await readFixture('l');
		const directory = freshDirectory();
		const cache = new LayerCache(directory, 100);
		cache.put(result);
		await cache.finish();
		expect(existsSync(entryPath(directory, result.diffId)!)).toBe(false);
	});

	it('drops temporary files a dead run left, once they are old, and keeps fresh ones (a live run’s)', async () => {
		const directory = freshDirectory();
		const entries = path.dirname(entryPath(directory, `sha256:${'0'.repeat(64)}`)!);
		mkdirSync(entries, {recursive: true});
		writeFileSync(path.join(entries, '.tmp-1-old'), 'x');
		writeFileSync(path.join(entries, '.tmp-2-new'), 'y');
		utimesSync(path.join(entries, '.tmp-1-old'), 1_000_000, 1_000_000);
		await evict(directory, 2 ** 30);
		expect(readdirSync(entries)).toEqual(['.tmp-2-new']);
	});

	it('is described by cache info and emptied by cache clear, which leaves what is not its own', async () => {
		const results = [await readFixture('m'), await readFixture('n')];
		const directory = freshDirectory();
		for (const result of results) await cached(directory, result);
		mkdirSync(path.join(directory, 'layers-v0'), {recursive: true});
		writeFileSync(path.join(directory, 'layers-v0', 'sha256-old'), 'old entry');
		writeFileSync(path.join(directory, 'notes.txt'), 'mine');
		const analyses = new LayerCache(directory, 2 ** 30);
		analyses.putAnalysis(`sha256:${'ab'.repeat(32)}`, Buffer.from('facts'));
		await analyses.finish();
		mkdirSync(path.join(directory, 'analyses-v0'), {recursive: true});
		writeFileSync(path.join(directory, 'analyses-v0', 'sha256-old'), 'older facts');
		const analysisBytes = statSync(path.join(directory, `analyses-v${ANALYSIS_FORMAT_VERSION}`, `sha256-${'ab'.repeat(32)}`)).size;
		const info = await cacheInfo(directory, 2 ** 30);
		const sizes = results.map(result => statSync(entryPath(directory, result.diffId)!).size);
		expect(info).toEqual({directory, maxBytes: 2 ** 30, formatVersion: CACHE_FORMAT_VERSION, entries: 2, bytes: sizes[0]! + sizes[1]!, analyses: 1, analysisBytes, otherVersionEntries: 2, otherVersionBytes: 9 + 11});
		expect(await analyses.getAnalysis(`sha256:${'ab'.repeat(32)}`)).toEqual(Buffer.from('facts'));
		expect(await clearCache(directory)).toEqual({entries: 3, analyses: 2, bytes: sizes[0]! + sizes[1]! + 9 + 11 + analysisBytes});
		expect(readdirSync(directory)).toEqual(['notes.txt']);
		expect(await cacheInfo(directory, 2 ** 30)).toMatchObject({entries: 0, bytes: 0});
	});

	it('that cannot be written turns writing off with one warning, and the run goes on', async () => {
		const blocker = path.join(scratch, 'a-file');
		writeFileSync(blocker, 'not a directory');
		const warnings: string[] = [];
		const cache = new LayerCache(path.join(blocker, 'cache'), 2 ** 30, line => warnings.push(line));
		for (const seed of ['o', 'p', 'q']) cache.put(await readFixture(seed));
		await cache.finish();
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/^warning: layer cache .*a-file\/cache cannot be written \(ENOTDIR\)/);
		expect(await cache.get((await readFixture('o')).diffId)).toBeNull();
	});

	it('is bounded by LAYERSCOPE_CACHE_SIZE: a size with a unit, or bytes', () => {
		expect(cacheMaxBytes({})).toBe(DEFAULT_CACHE_BYTES);
		expect(DEFAULT_CACHE_BYTES).toBe(2 ** 30);
		expect(cacheMaxBytes({LAYERSCOPE_CACHE_SIZE: '5000'})).toBe(5000);
		expect(cacheMaxBytes({LAYERSCOPE_CACHE_SIZE: '2GiB'})).toBe(2 * 2 ** 30);
		expect(cacheMaxBytes({LAYERSCOPE_CACHE_SIZE: '500MB'})).toBe(500_000_000);
		expect(() => cacheMaxBytes({LAYERSCOPE_CACHE_SIZE: '0'})).toThrow(/LAYERSCOPE_CACHE_SIZE must be a positive size/);
	});
});
