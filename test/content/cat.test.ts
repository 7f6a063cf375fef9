/**
 * `cat` on fixture images: every kind of entry a path can show (files, hard links, symlinks in and out of
 * the root, loops, devices, FIFOs, whiteouts, sparse files in every tar dialect), every format and layer
 * compression, streams (their blobs kept in TMPDIR meanwhile), a registry, a cached layer altered since, and a file at the end of a large gzip layer.
 */
import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeSync, closeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FORMATS, writeImage, type Format} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {expandSparse, type SparseFormat} from '../fixtures/tar-writer.js';
import {runMeasured} from '../helpers/measure-cli.js';
import {RegistryServer} from '../helpers/servers/registry-server.js';
import {fingerprint, openForReading} from './read-back.js';
import {runBinary, type BinaryResult} from './run-binary.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cat-test-'));
/** TMPDIR of the CLI runs: whatever cat keeps on the way must be gone when it ends. */
const tmp = path.join(scratch, 'tmp');

/** Bytes no text decoding would keep: every byte value, a NUL, an escape, invalid UTF-8. */
const BINARY = Buffer.concat([Buffer.from([0, 0x1b, 0xff, 0xfe, 0x80]), Buffer.from(Array.from({length: 256}, (_, i) => i)), Buffer.from('\n\r\n')]);
const SPARSE_FORMATS: SparseFormat[] = ['gnu-old', 'pax-0.0', 'pax-0.1', 'pax-1.0'];
const SPARSE_SEGMENTS = [
	{offset: 4096, data: Buffer.alloc(1024, 'a')},
	{offset: 20_000, data: Buffer.from('the end of the data\n')},
];
const SPARSE_SIZE = 70_000;

const LAYER_0: EntrySpec[] = [
	{type: 'dir', path: 'etc'},
	{type: 'file', path: 'etc/hosts', content: '127.0.0.1 localhost\n'},
	{type: 'file', path: 'etc/gone', content: 'removed in layer 1\n'},
	{type: 'file', path: 'etc/empty', content: ''},
	{type: 'file', path: 'bin/data', content: BINARY},
	{type: 'file', path: 'data/target', content: 'the target as layer 0 wrote it\n'},
	{type: 'hardlink', path: 'data/link', target: 'data/target'},
	{type: 'symlink', path: 'data/relative', target: 'target'},
	{type: 'symlink', path: 'data/absolute', target: '/etc/hosts'},
	{type: 'symlink', path: 'data/chain', target: 'relative'},
	{type: 'symlink', path: 'data/up', target: '../etc/hosts'},
	{type: 'symlink', path: 'etcdir', target: 'etc'},
	{type: 'symlink', path: 'data/out', target: '../../../../etc/hosts'},
	{type: 'symlink', path: 'data/loop-a', target: 'loop-b'},
	{type: 'symlink', path: 'data/loop-b', target: 'loop-a'},
	{type: 'symlink', path: 'data/dangling', target: 'nothing-here'},
	{type: 'char', path: 'dev/null', devmajor: 1, devminor: 3},
	{type: 'fifo', path: 'run/fifo'},
	...SPARSE_FORMATS.map((format): EntrySpec => ({type: 'sparse', path: `sparse/${format}`, realSize: SPARSE_SIZE, segments: SPARSE_SEGMENTS, format})),
];
const LAYER_1: EntrySpec[] = [
	{type: 'whiteout', path: 'etc/gone'},
	{type: 'file', path: 'data/target', content: 'the target as layer 1 rewrote it\n'},
];

/** What cat must give, after the last layer and after layer 0. */
const EXPECTED: Array<[string, string | Buffer, number?]> = [
	['/etc/hosts', '127.0.0.1 localhost\n'],
	['/etc/empty', ''],
	['/bin/data', BINARY],
	['/data/target', 'the target as layer 1 rewrote it\n'],
	['/data/target', 'the target as layer 0 wrote it\n', 0],
	// A hard link keeps what its target held when it was linked.
	['/data/link', 'the target as layer 0 wrote it\n'],
	['/data/relative', 'the target as layer 1 rewrote it\n'],
	['/data/chain', 'the target as layer 1 rewrote it\n'],
	['/data/absolute', '127.0.0.1 localhost\n'],
	['/data/up', '127.0.0.1 localhost\n'],
	['/etcdir/hosts', '127.0.0.1 localhost\n'],
	['etc//./hosts', '127.0.0.1 localhost\n'],
	['/etc/gone', 'removed in layer 1\n', 0],
	...SPARSE_FORMATS.map((format): [string, Buffer] => [`/sparse/${format}`, expandSparse(SPARSE_SIZE, SPARSE_SEGMENTS)]),
];

let registry: RegistryServer | undefined;

function write(name: string, format: Format, compression: 'none' | 'gzip' | 'zstd', layers = [LAYER_0, LAYER_1]) {
	return writeImage({layers: layers.map(entries => ({entries}))}, {format, compression, outPath: path.join(scratch, name)});
}

function cat(args: string[], options: {stdin?: Buffer; env?: Record<string, string>} = {}): Promise<BinaryResult> {
	return runBinary(['cat', ...args], {...options, env: {TMPDIR: tmp, ...options.env}});
}

function expectOneLine(result: BinaryResult, pattern: RegExp): void {
	expect(result.stdout.length, result.stdout.toString()).toBe(0);
	expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
	expect(result.stderr.trimEnd()).toMatch(pattern);
	expect(result.code).toBe(2);
	expect(readdirSync(tmp)).toEqual([]);
}

beforeAll(() => mkdirSync(tmp, {recursive: true}));

afterAll(async () => {
	await registry?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

describe('cat: what a path shows', () => {
	const cases = FORMATS.flatMap(format => (format === 'docker-legacy' ? [[format, 'none']] : (['none', 'gzip', 'zstd'] as const).map(compression => [format, compression]))) as Array<[Format, 'none' | 'gzip' | 'zstd']>;
	it.each(cases)('%s, %s layers: files, hard links, symlinks inside the root, sparse files, --layer', async (format, compression) => {
		const written = await write(`kinds-${format}-${compression}`, format, compression);
		const opened = await openForReading(written.path);
		try {
			expect(opened.image.layers.map(layer => layer.compression)).toEqual(format === 'docker-legacy' ? ['none', 'none'] : [compression, compression]);
			for (const [file, content, layer] of EXPECTED) expect(fingerprint(await opened.cat(file, layer)), `${file} after layer ${layer ?? 1}`).toBe(fingerprint(Buffer.from(content)));
		} finally {
			await opened.close();
		}
	});

	it('follows at most 40 links in one lookup, as Linux does', async () => {
		const chain: EntrySpec[] = [{type: 'file', path: 'f', content: 'end of the chain\n'}, ...Array.from({length: 41}, (_, i): EntrySpec => ({type: 'symlink', path: `c${i + 1}`, target: i === 0 ? 'f' : `c${i}`}))];
		const written = await writeImage({layers: [{entries: chain}]}, {format: 'oci-dir', outPath: path.join(scratch, 'chain')});
		const opened = await openForReading(written.path);
		try {
			expect((await opened.cat('/c40')).toString()).toBe('end of the chain\n');
			await expect(opened.cat('/c41')).rejects.toThrow(/too many levels of symbolic links \(more than 40 followed/);
		} finally {
			await opened.close();
		}
	});

	it('writes exactly the bytes to stdout, and nothing else', async () => {
		const written = await write('cli', 'oci-dir', 'gzip');
		const binary = await cat([written.path, '/bin/data']);
		expect(binary.stderr).toBe('');
		expect(binary.code).toBe(0);
		expect(binary.stdout.equals(BINARY)).toBe(true);
		const before = await cat([written.path, '/data/target', '--layer', '0']);
		expect(before.stdout.toString()).toBe('the target as layer 0 wrote it\n');
		const sparse = await cat([written.path, '/sparse/pax-1.0']);
		expect(sparse.stdout.equals(expandSparse(SPARSE_SIZE, SPARSE_SEGMENTS))).toBe(true);
	});

	it.each([
		['/etc', /: "\/etc" is a directory$/],
		['/', /: "\/" is a directory$/],
		['/etc/missing', /: "\/etc\/missing": no such file or directory$/],
		['/etc/gone', /: "\/etc\/gone": no such file or directory$/],
		['/dev/null', /: "\/dev\/null" is a character device, which has no content to read$/],
		['/run/fifo', /: "\/run\/fifo" is a FIFO, which has no content to read$/],
		['/data/out', /: "\/data\/out" leads out of the image root \(a "\.\." above \/\)$/],
		['/../etc/hosts', /leads out of the image root/],
		['/data/loop-a', /: "\/data\/loop-a": too many levels of symbolic links \(more than 40 followed; a loop\?\)$/],
		['/data/dangling', /: "\/data\/dangling": no such file or directory/],
		['/etc/hosts/x', /: "\/etc\/hosts\/x": "\/etc\/hosts" is a file, not a directory$/],
	])('%s: one line naming the input, exit 2', async (file, pattern) => {
		const written = await write('errors', 'oci-dir', 'gzip');
		const result = await cat([written.path, file]);
		expectOneLine(result, pattern);
		expect(result.stderr.startsWith(`layerscope: ${written.path}: `)).toBe(true);
	});

	it('refuses a bad --layer, a missing path argument and a report flag as usage errors', async () => {
		const written = await write('usage', 'oci-dir', 'gzip');
		expectOneLine(await cat([written.path, '/etc/hosts', '--layer', '2']), /--layer must be between 0 and 1 for this image, not 2/);
		expectOneLine(await cat([written.path]), /cat needs an image and one path/);
		expectOneLine(await cat([written.path, '/etc/hosts', '--json']), /cat writes the file's bytes to standard output; --json does not apply to it/);
	});
});

describe('cat: sources', () => {
	it('a stream is read once, its layer blobs kept meanwhile in TMPDIR and gone after: stdin, a compressed archive', async () => {
		const archive = await writeImage({layers: [{entries: LAYER_0}, {entries: LAYER_1}]}, {format: 'docker25', outPath: path.join(scratch, 'stream.tar')});
		const gzipped = await writeImage({layers: [{entries: LAYER_0}, {entries: LAYER_1}]}, {format: 'docker25', compression: 'gzip', outerGzip: true, outPath: path.join(scratch, 'stream.tar.gz')});
		for (const [file, content, layer] of EXPECTED) {
			const layerArgs = layer === undefined ? [] : ['--layer', String(layer)];
			const fromStdin = await cat(['-', file, ...layerArgs], {stdin: readFileSync(archive.path)});
			expect(fromStdin.stderr, file).toBe('');
			expect(fingerprint(fromStdin.stdout), file).toBe(fingerprint(Buffer.from(content)));
			const fromGzip = await cat([gzipped.path, file, ...layerArgs]);
			expect(fromGzip.stderr, file).toBe('');
			expect(fingerprint(fromGzip.stdout), file).toBe(fingerprint(Buffer.from(content)));
			expect(readdirSync(tmp)).toEqual([]);
		}
		expectOneLine(await cat(['-', '/data/loop-a'], {stdin: readFileSync(archive.path)}), /too many levels of symbolic links/);
	}, 120_000);

	it('a registry: the blob is fetched again and checked before a byte is written', async () => {
		registry = await RegistryServer.start();
		const layout = await write('for-registry', 'oci-dir', 'zstd');
		await registry.push(`oci:${layout.path}:1`, 'fixture:1', ['--preserve-digests']);
		const image = `registry://${registry.host}/fixture:1`;
		for (const [file, content, layer] of EXPECTED) {
			const result = await cat([image, file, '--insecure', ...(layer === undefined ? [] : ['--layer', String(layer)])]);
			expect(result.stderr, file).toBe('');
			expect(fingerprint(result.stdout), file).toBe(fingerprint(Buffer.from(content)));
		}
		expect(readdirSync(tmp)).toEqual([]);
		expectOneLine(await cat([image, '/data/loop-a', '--insecure']), /too many levels of symbolic links/);
	}, 60_000);

	it('a layer the cache gave is checked again: altered since (same size, same time), nothing is written', async () => {
		const written = await write('cached', 'oci-dir', 'none');
		const cache = path.join(scratch, 'cache');
		const env = {LAYERSCOPE_CACHE_DIR: cache};
		const first = await cat([written.path, '/etc/hosts'], {env});
		expect(first.stdout.toString()).toBe('127.0.0.1 localhost\n');
		// From the cache now: the read-back hashes the layer whole before letting the bytes out.
		const cached = await cat([written.path, '/bin/data'], {env});
		expect(cached.stderr).toBe('');
		expect(cached.stdout.equals(BINARY)).toBe(true);
		// The cache takes a blob of the same name and size for the one it read: alter a byte of /etc/hosts's content in place.
		const blob = path.join(written.path, written.where.layers[0]!);
		const bytes = readFileSync(blob);
		const at = bytes.indexOf('127.0.0.1 localhost');
		const times = statSync(blob);
		const fd = openSync(blob, 'r+');
		writeSync(fd, Buffer.from('6'), 0, 1, at);
		closeSync(fd);
		utimesSync(blob, times.atime, times.mtime);
		expectOneLine(await cat([written.path, '/etc/hosts'], {env}), /layer 0 no longer matches its diff_id sha256:[0-9a-f]{64} \(read again: sha256:[0-9a-f]{64}\); nothing was written$/);
		// Without the cache the load itself refuses the layer.
		expectOneLine(await cat([written.path, '/etc/hosts', '--no-cache']), /does not match its (digest|diff_id)/);
	});
});

describe('cat: an image that changes under it', () => {
	it('a layer read in this run and altered before its file is read back: the bytes do not match the recorded digest, exit 2', async () => {
		const written = await write('altered', 'oci-dir', 'none');
		const opened = await openForReading(written.path);
		try {
			expect((await opened.cat('/etc/hosts')).toString()).toBe('127.0.0.1 localhost\n');
			// The layout's blob is read back through the descriptor the load opened: alter it in place.
			const blob = path.join(written.path, written.where.layers[0]!);
			const at = readFileSync(blob).indexOf('127.0.0.1 localhost');
			const fd = openSync(blob, 'r+');
			writeSync(fd, Buffer.from('6'), 0, 1, at);
			closeSync(fd);
			await expect(opened.cat('/etc/hosts')).rejects.toThrow(/layer 0, "\/etc\/hosts": the bytes read back do not match the digest the load recorded \(sha256:[0-9a-f]{64}\); the image changed since it was read$/);
		} finally {
			await opened.close();
		}
	});
});

describe('cat: a file at the end of a large gzip layer', () => {
	it('streams it: the output equals the file, memory stays far below its size', async () => {
		const letters = (size: number, seed: number) => {
			const bytes = Buffer.alloc(size);
			let state = seed;
			for (let i = 0; i < size; i++) {
				state = (state * 1103515245 + 12345) >>> 0;
				bytes[i] = 97 + (state >>> 24) % 26;
			}
			return bytes;
		};
		const big = letters(96 * 1024 * 1024, 7);
		const written = await writeImage({layers: [{entries: [{type: 'file', path: 'filler', content: letters(16 * 1024 * 1024, 3)}, {type: 'file', path: 'last', content: big}, {type: 'file', path: 'small', content: 'small\n'}]}]}, {format: 'oci-dir', compression: 'gzip', outPath: path.join(scratch, 'large')});
		const small = await runMeasured(['cat', written.path, '/small'], {timeoutMs: 120_000, env: {TMPDIR: tmp, LAYERSCOPE_CACHE_DIR: path.join(scratch, 'large-cache-1')}});
		expect(small.stdout).toBe('small\n');
		const result = await runMeasured(['cat', written.path, '/last'], {timeoutMs: 120_000, env: {TMPDIR: tmp, LAYERSCOPE_CACHE_DIR: path.join(scratch, 'large-cache-2')}});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(createHash('sha256').update(result.stdout).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
		// The file is 96 MiB: holding it would add that much to the peak of a run that reads a 6-byte file.
		expect(result.peakMiB! - small.peakMiB!).toBeLessThan(48);
	}, 180_000);
});
