/**
 * Issue 10, section 3: bounded work for any input. Each case is a small input built here that
 * once took minutes or gigabytes (the numbers in the comments were measured before the fix, on
 * the 2-core machine); through the built CLI it must now end promptly with one line naming the
 * input and exit 2, or succeed where the input is legitimate, in bounded time and memory, leaving
 * nothing in TMPDIR or beside the input.
 */
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {entryPath} from '../../source/cache/layer-cache.js';
import {expectOneLineError as expectOneLine} from '../helpers/expect-error.js';
import {runMeasured, type MeasuredResult} from '../helpers/measure-cli.js';
import {
	bombsThenBadHeader,
	corruptGzipLayer,
	deepFile,
	doublingSymlinks,
	endlessZeros,
	gzipJsonLookalikes,
	gzipLayer,
	manyFiles,
	ociArchiveOf,
	plainLayer,
	sparseClaiming,
	sparseWithLongMap,
	symlinkChain,
	writeOciDir,
	zstdZerosLayer,
	type BombLayer,
} from '../fixtures/work-bombs.js';

// The bounds asserted below are far tighter than this; it only keeps a slow machine from failing the fixture work.
vi.setConfig({testTimeout: 90_000});

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-bounded-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** A fresh directory for one input, and an empty TMPDIR for the run: both are checked afterwards. */
function place(name: string): {dir: string; tmp: string} {
	const dir = mkdtempSync(path.join(scratch, `${name}-`));
	const tmp = path.join(dir, '.tmp');
	mkdirSync(tmp);
	return {dir, tmp};
}

function layout(name: string, layers: BombLayer[]): {input: string; dir: string; tmp: string} {
	const where = place(name);
	return {...where, input: writeOciDir(path.join(where.dir, 'image'), layers)};
}

/** Runs the CLI with TMPDIR pointed at an empty directory, and checks nothing was left there or beside the input. */
async function run(args: string[], where: {dir: string; tmp: string}, options: Parameters<typeof runMeasured>[1] = {}): Promise<MeasuredResult> {
	const before = readdirSync(where.dir).sort();
	const result = await runMeasured(args, {...options, env: {TMPDIR: where.tmp, ...options.env}});
	expect(result.timedOut, `still running after ${result.seconds.toFixed(1)} s`).toBe(false);
	expect(readdirSync(where.dir).sort()).toEqual(before);
	expect(readdirSync(where.tmp)).toEqual([]);
	return result;
}

/** The shared one-line check, and no sign of a heap or stack giving way. */
function expectOneLineError(result: MeasuredResult, input: string, problem: RegExp): void {
	expect(result.stderr).not.toMatch(/\n\s+at |heap|Maximum call stack/);
	expectOneLine(result, input, problem);
}

function expectBounded(result: MeasuredResult, bounds: {seconds: number; mib: number}): void {
	expect(result.seconds, 'wall time (s)').toBeLessThan(bounds.seconds);
	expect(result.peakMiB, 'peak memory (MiB)').toBeDefined();
	expect(result.peakMiB!, 'peak memory (MiB)').toBeLessThan(bounds.mib);
}

function jsonLines(stdout: string): Array<{path: string; type: string; size: number; linkTarget?: string}> {
	return stdout.trimEnd().split('\n').map(line => JSON.parse(line));
}

describe('symlinks', () => {
	it('links that double the work per level stop after 40 links followed in one lookup (was: over 90 s)', async () => {
		const image = layout('doubling', [plainLayer(doublingSymlinks(35))]);
		const result = await run(['files', image.input], image);
		expectOneLineError(result, image.input, /layer 0: too many levels of symbolic links under \/l35\/file \(more than 40 followed\)/);
		expectBounded(result, {seconds: 5, mib: 200});
	});

	it('a chain of 30 links is followed, as the kernel would', async () => {
		const image = layout('chain', [plainLayer(symlinkChain(30))]);
		const result = await run(['files', '--json', image.input], image);
		expect(result.code, result.stderr).toBe(0);
		expect(jsonLines(result.stdout).find(line => line.path === '/dir/file')).toMatchObject({type: 'file', size: 17});
		expectBounded(result, {seconds: 5, mib: 200});
	});
});

describe('sparse files', () => {
	it.each([
		['10^15', '1000000000000000'],
		['10^308', '1e+308'],
	])('a real size of %s is refused before a hole is hashed (was: never ended)', async (label, realSize) => {
		const image = layout(`sparse-${label}`, [plainLayer([sparseClaiming(realSize)])]);
		const result = await run(['files', image.input], image);
		expectOneLineError(result, image.input, /sparse file "\/huge\.img" declares .* bytes, more than a layer may expand to \(64 GiB; LAYERSCOPE_MAX_LAYER_SIZE raises the limit\)/);
		expectBounded(result, {seconds: 5, mib: 200});
	});

	it('a sparse file within the limit is read, and LAYERSCOPE_MAX_LAYER_SIZE moves the limit', async () => {
		const image = layout('sparse-8mib', [plainLayer([sparseClaiming(String(8 * 2 ** 20))])]);
		const read = await run(['files', '--json', image.input], image);
		expect(read.code, read.stderr).toBe(0);
		expect(jsonLines(read.stdout)).toEqual([expect.objectContaining({path: '/huge.img', size: 8 * 2 ** 20})]);
		const refused = await run(['files', image.input], image, {env: {LAYERSCOPE_MAX_LAYER_SIZE: '1MiB'}});
		expectOneLineError(refused, image.input, /declares 8388608 bytes, more than a layer may expand to \(1 MiB; LAYERSCOPE_MAX_LAYER_SIZE/);
	});

	it('a setting that is not a size is a usage error', async () => {
		const image = layout('bad-setting', [plainLayer([{type: 'file', path: 'a', content: 'a'}])]);
		const result = await run(['files', image.input], image, {env: {LAYERSCOPE_MAX_LAYER_SIZE: 'lots'}});
		expect(result.code).toBe(2);
		expect(result.stderr.trimEnd().split('\n')).toEqual(['layerscope: LAYERSCOPE_MAX_LAYER_SIZE must be a positive size (e.g. 128GiB), not "lots"']);
	});

	it('a PAX 1.0 map of 1 MB is read in one pass (was: 18 s)', async () => {
		const image = layout('sparse-map', [plainLayer([sparseWithLongMap(1_000_000)])]);
		const result = await run(['files', '--json', image.input], image);
		expect(result.code, result.stderr).toBe(0);
		const [file] = jsonLines(result.stdout);
		expect(file).toMatchObject({path: '/map.img', type: 'file'});
		expect(file!.size).toBeGreaterThan(30_000_000);
		expectBounded(result, {seconds: 5, mib: 250});
	});
});

describe('zstd', () => {
	it('a layer of 8 KB that expands to 256 MiB streams through in bounded memory (was: 593 MB)', async () => {
		const image = layout('zstd-bomb', [zstdZerosLayer(256 * 2 ** 20, {diffId: 'compute'})]);
		const result = await run(['files', '--json', image.input], image, {timeoutMs: 60_000});
		expect(result.code, result.stderr).toBe(0);
		expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({path: '/zeros.bin', size: 256 * 2 ** 20})]);
		expectBounded(result, {seconds: 30, mib: 250});
	});

	it('a layer that expands past LAYERSCOPE_MAX_LAYER_SIZE stops there', async () => {
		const image = layout('zstd-limit', [zstdZerosLayer(2 ** 31)]);
		const result = await run(['files', image.input], image, {env: {LAYERSCOPE_MAX_LAYER_SIZE: '64MiB'}});
		expectOneLineError(result, image.input, /layer 0 \(blobs\/sha256\/[0-9a-f]{64}\): layer expands to more than 64 MiB \(the limit; LAYERSCOPE_MAX_LAYER_SIZE raises it\)/);
		expectBounded(result, {seconds: 5, mib: 250});
	});
});

describe('the first fatal error ends the run', () => {
	// Two layers that expand to 2 GiB each (made-up diff_ids: only a full read would find out) and a corrupt one, read first (largest first).
	const image = () => layout('fails-early', [zstdZerosLayer(2 ** 31, {name: 'a.bin'}), zstdZerosLayer(2 ** 31, {name: 'b.bin'}), corruptGzipLayer()]);

	it.each(['0', '2'])('with LAYERSCOPE_WORKERS=%s, nothing keeps reading after the error (inline, it was: 20 s)', async workers => {
		const where = image();
		const result = await run(['files', where.input], where, {env: {LAYERSCOPE_WORKERS: workers}});
		expectOneLineError(result, where.input, /layer 2 \(blobs\/sha256\/[0-9a-f]{64}\): layer is not a valid tar archive/);
		expectBounded(result, {seconds: 5, mib: 250});
	});

	it('the bad layer goes to the one worker first even when the cache answers for it last', async () => {
		const where = image();
		// Garbage under the bad layer's key: the cache reads and rejects 64 MiB for it, and answers "absent" for the others at once.
		const cache = mkdtempSync(path.join(scratch, 'slow-cache-'));
		const file = entryPath(cache, corruptGzipLayer().diffId)!;
		mkdirSync(path.dirname(file), {recursive: true});
		writeFileSync(file, Buffer.alloc(64 * 2 ** 20, 0x5a));
		const result = await run(['files', where.input], where, {env: {LAYERSCOPE_WORKERS: '1', LAYERSCOPE_CACHE_DIR: cache}});
		expectOneLineError(result, where.input, /layer 2 \(blobs\/sha256\/[0-9a-f]{64}\): layer is not a valid tar archive/);
		expectBounded(result, {seconds: 5, mib: 250});
	});

	it('a stream whose archive breaks while workers still read its layers (was: error at 0.6 s, exit at 17.7 s, 8 GB)', async () => {
		const where = place('stream-fails');
		const result = await run(['files', '-'], where, {stdin: bombsThenBadHeader(2 ** 31), env: {LAYERSCOPE_WORKERS: '2'}});
		expectOneLineError(result, '-', /not a tar archive \(bad header\)/);
		expectBounded(result, {seconds: 5, mib: 300});
	});
});

describe('repeated layers and deep trees', () => {
	it('one blob of 1,000 files listed 8,000 times is refused at once (was: 110 s, 4.2 GB)', async () => {
		const layer = gzipLayer(manyFiles(1000));
		const image = layout('repeated', Array.from({length: 8000}, () => layer));
		const result = await run([image.input], image);
		expectOneLineError(result, image.input, /image holds more than 5000000 entries, counting a layer as often as the manifest lists it; blobs\/sha256\/[0-9a-f]{64} is listed 8000 times \(the limit; LAYERSCOPE_MAX_ENTRIES raises it\)/);
		expectBounded(result, {seconds: 5, mib: 300});
	});

	it('LAYERSCOPE_MAX_ENTRIES counts a layer per listing', async () => {
		const layer = gzipLayer(manyFiles(1000));
		const twice = layout('twice', [layer, layer]);
		const thrice = layout('thrice', [layer, layer, layer]);
		const env = {LAYERSCOPE_MAX_ENTRIES: '2500'};
		expect((await run([twice.input], twice, {env})).code).toBe(0);
		expectOneLineError(await run([thrice.input], thrice, {env}), thrice.input, /more than 2500 entries.* is listed 3 times/);
	});

	it.each([
		['files', ['files']],
		['summary', []],
		['--json', ['--json']],
		['--ci', ['--ci']],
	])('a file 5,000 directories deep is fine in %s (was: Maximum call stack size exceeded)', async (mode, args) => {
		const image = layout('deep', [plainLayer(deepFile(5000))]);
		const result = await run([...args, image.input], image);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		if (mode === 'files') expect(result.stdout).toContain(`/${'d/'.repeat(5000)}file`);
		else if (mode === '--json') expect(JSON.parse(result.stdout).layers).toHaveLength(1);
		else expect(result.stdout).toMatch(mode === '--ci' ? /Result: PASS/ : /\S/);
		expectBounded(result, {seconds: 10, mib: 400});
	});

	it('a comparison of two images with a thousand files 5,000 directories deep is bounded by the paths, not their depth times their number', async () => {
		const deep = (tag: string) => plainLayer(Array.from({length: 1000}, (_, i) => ({type: 'file' as const, path: `${'d/'.repeat(5000)}${tag}-${i}`, content: tag})));
		const where = place('deep-diff');
		const a = writeOciDir(path.join(where.dir, 'a'), [deep('a')]);
		const b = writeOciDir(path.join(where.dir, 'b'), [deep('b')]);
		const result = await run(['diff', a, b, '--json'], where);
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout);
		expect(report.files.filter((row: {status: string}) => row.status === 'added')).toHaveLength(1000);
		expect(report.files.filter((row: {status: string}) => row.status === 'removed')).toHaveLength(1000);
		expectBounded(result, {seconds: 20, mib: 600});
	});

	it('a file 100,000 directories deep is refused before any walk', async () => {
		const image = layout('deeper', [plainLayer(deepFile(100_000))]);
		const result = await run(['files', image.input], image);
		expectOneLineError(result, image.input, /an entry is nested 100001 directories deep, more than 8192/);
		expectBounded(result, {seconds: 5, mib: 250});
	});
});

describe('what a reader buffers', () => {
	it('entries that look like JSON are not kept past the document limit (was: 1.3 GB for this 1 MB stream)', async () => {
		const where = place('json-big');
		const result = await run(['files', '-'], where, {stdin: gzipJsonLookalikes(40, 30 * 2 ** 20), timeoutMs: 60_000});
		expectOneLineError(result, '-', /not an OCI image layout or docker archive/);
		expectBounded(result, {seconds: 30, mib: 300});
	});

	it('nor past 16 times the document limit in all', async () => {
		const where = place('json-many');
		const result = await run(['files', '-'], where, {stdin: gzipJsonLookalikes(100, 3 * 2 ** 20)});
		expectOneLineError(result, '-', /archive holds more than 64 MiB of JSON documents \(the limit is 16 times LAYERSCOPE_MAX_DOCUMENT_SIZE, 4 MiB\)/);
		expectBounded(result, {seconds: 10, mib: 300});
	});

	describe('a registry that sends a manifest without end', () => {
		let server: Server;
		afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

		it('is cut off at the document limit (was: 1.7 GB in 10 s, growing)', async () => {
			const chunk = Buffer.alloc(64 * 1024, 0x20);
			server = createServer((request, response) => {
				response.writeHead(200, {'content-type': 'application/vnd.oci.image.manifest.v1+json'});
				response.write('{"schemaVersion":2,"padding":"');
				const pump = () => {
					while (!response.destroyed && response.write(chunk));
				};
				response.on('drain', pump);
				request.on('close', () => response.destroy());
				pump();
			});
			await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
			const input = `registry://127.0.0.1:${(server.address() as AddressInfo).port}/app:1`;
			const result = await run([input, '--insecure'], place('registry'));
			expectOneLineError(result, input, /sent more than 4 MiB for tag "1", the limit for a manifest, index or config \(LAYERSCOPE_MAX_DOCUMENT_SIZE raises it\)/);
			expectBounded(result, {seconds: 10, mib: 250});
		});
	});
});

describe('the end-of-archive marker', () => {
	it('`cat /dev/zero | layerscope -` ends (was: never)', async () => {
		const where = place('zeros');
		const result = await run(['files', '-'], where, {stdin: endlessZeros()});
		expectOneLineError(result, '-', /archive is empty/);
		expectBounded(result, {seconds: 5, mib: 200});
	});

	it('a valid image followed by endless zeros is read (was: never ended)', async () => {
		const where = place('image-then-zeros');
		const archive = ociArchiveOf([gzipLayer([{type: 'file', path: 'hello', content: 'hi'}])], path.join(where.dir, '.build'));
		rmSync(path.join(where.dir, '.build'), {recursive: true});
		const zeros = endlessZeros();
		zeros.unshift(archive);
		const result = await run(['files', '--json', '-'], where, {stdin: zeros});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({path: '/hello', size: 2})]);
		expectBounded(result, {seconds: 5, mib: 200});
	});

	it('a valid archive file followed by zeros is read', async () => {
		const where = place('file-then-zeros');
		const archive = ociArchiveOf([gzipLayer([{type: 'file', path: 'hello', content: 'hi'}])], path.join(where.dir, '.build'));
		rmSync(path.join(where.dir, '.build'), {recursive: true});
		const file = path.join(where.dir, 'image.tar');
		writeFileSync(file, Buffer.concat([archive, Buffer.alloc(4 * 2 ** 20)]));
		const result = await run(['files', file], where);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('/hello');
	});
});
