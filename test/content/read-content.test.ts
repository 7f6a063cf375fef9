/**
 * readContent: a file's first bytes, bounded; for a layer this run verified the read stops at the bound
 * (measured by counting what the layer source gives), a cached layer is still checked whole. classifyContent
 * and hexDump on bytes whose answer is known.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {findFile} from '../../source/content/find-file.js';
import {skip, type LayerSource} from '../../source/content/layer-source.js';
import {classifyContent, hexDump, readContent} from '../../source/content/read-content.js';
import {filesystemAt} from '../../source/cli/files-command.js';
import {openLayerCache} from '../../source/cache/cache-settings.js';
import {writeImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {expandSparse} from '../fixtures/tar-writer.js';
import {openForReading} from './read-back.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-read-content-test-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** Letters from a fixed seed: 16 MiB of them do not compress to nothing, so a read past them costs. */
function letters(size: number, seed: number): Buffer {
	const bytes = Buffer.alloc(size);
	let state = seed;
	for (let i = 0; i < size; i++) {
		state = (state * 1103515245 + 12345) >>> 0;
		bytes[i] = 97 + ((state >>> 24) % 26);
	}
	return bytes;
}

const BIG = letters(16 * 1024 * 1024, 5);
const AFTER = letters(4 * 1024 * 1024, 9);
const SEGMENTS = [
	{offset: 4096, data: Buffer.alloc(1024, 'a')},
	{offset: 9_000_000, data: Buffer.from('far into the file\n')},
];
const ENTRIES: EntrySpec[] = [
	{type: 'file', path: 'big', content: BIG},
	{type: 'file', path: 'small', content: 'small\n'},
	{type: 'file', path: 'empty', content: ''},
	{type: 'sparse', path: 'sparse', realSize: 10_000_000, segments: SEGMENTS, format: 'pax-0.1'},
	{type: 'file', path: 'after', content: AFTER},
];

/**
 * The source, counting the uncompressed bytes a read cost: those it gives from the offset for an
 * uncompressed layer (one seek there), every byte decompressed from the layer's start for a compressed one.
 */
function counting(source: LayerSource): {source: LayerSource; given: () => number} {
	let given = 0;
	const counted = async function* (chunks: AsyncIterable<Uint8Array>) {
		for await (const chunk of chunks) {
			given += chunk.length;
			yield chunk;
		}
	};
	return {
		given: () => given,
		source: {
			verifiedInThisRun: layer => source.verifiedInThisRun(layer),
			close: () => source.close(),
			uncompressed: (layer, from = 0) => (layer.compression === 'none' ? counted(source.uncompressed(layer, from)) : skip(counted(source.uncompressed(layer, 0)), from)),
		},
	};
}

async function opened(name: string, compression: 'none' | 'gzip' | 'zstd', options: Parameters<typeof openForReading>[1] = {}) {
	const written = await writeImage({layers: [{entries: ENTRIES}]}, {format: 'oci-dir', compression, outPath: path.join(scratch, name)});
	const image = await openForReading(written.path, options);
	const fs = filesystemAt(image.image);
	const {source, given} = counting(image.source);
	const read = (file: string, limit: number) => readContent(image.image, source, findFile(fs, file, image.image.input), {limit, verify: true});
	return {written, image, read, given};
}

describe('readContent', () => {
	it.each(['none', 'gzip', 'zstd'] as const)('%s layer: the first bytes, the full size, truncated or not', async compression => {
		const {image, read} = await opened(`bounded-${compression}`, compression);
		try {
			const head = await read('/big', 1000);
			expect(head.truncated).toBe(true);
			expect(head.size).toBe(BIG.length);
			expect(head.bytes.equals(BIG.subarray(0, 1000))).toBe(true);
			const whole = await read('/small', 1000);
			expect(whole).toEqual({bytes: Buffer.from('small\n'), size: 6, truncated: false});
			expect(await read('/small', 6)).toEqual({bytes: Buffer.from('small\n'), size: 6, truncated: false});
			expect(await read('/small', 5)).toEqual({bytes: Buffer.from('small'), size: 6, truncated: true});
			expect(await read('/empty', 10)).toEqual({bytes: Buffer.alloc(0), size: 0, truncated: false});
			expect(await read('/big', 0)).toEqual({bytes: Buffer.alloc(0), size: BIG.length, truncated: true});
			const sparse = await read('/sparse', 6000);
			expect(sparse.truncated).toBe(true);
			expect(sparse.size).toBe(10_000_000);
			expect(sparse.bytes.equals(expandSparse(10_000_000, SEGMENTS).subarray(0, 6000))).toBe(true);
			const after = await read('/after', 70_000);
			expect(after.bytes.equals(AFTER.subarray(0, 70_000))).toBe(true);
		} finally {
			await image.close();
		}
	});

	it('uncompressed layer: a small bound reads far less than the layer (one seek to the file, one read)', async () => {
		const {image, read, given, written} = await opened('early-none', 'none');
		try {
			const layerSize = written.layerSizes[0]!.uncompressed;
			const before = given();
			const head = await read('/after', 4096);
			expect(head.bytes.equals(AFTER.subarray(0, 4096))).toBe(true);
			// One read of the file's start (openRange reads 1 MiB at a time), not the 16 MiB before it nor the 4 MiB of it.
			expect(given() - before).toBeLessThanOrEqual(1024 * 1024);
			expect(given() - before).toBeLessThan(layerSize / 16);
		} finally {
			await image.close();
		}
	});

	it('gzip layer: decompressed from its start up to the bound, not on to the end of the file or the layer', async () => {
		const {image, read, given, written} = await opened('early-gzip', 'gzip');
		try {
			const layerSize = written.layerSizes[0]!.uncompressed;
			const head = await read('/big', 4096);
			expect(head.bytes.equals(BIG.subarray(0, 4096))).toBe(true);
			expect(given()).toBeLessThan(2 * 1024 * 1024);
			const before = given();
			await read('/after', 4096);
			// Decompressed up to /after's start (past the 16 MiB of /big), a chunk past it, not on through its 4 MiB to the layer's end.
			expect(given() - before).toBeGreaterThan(BIG.length);
			expect(given() - before).toBeLessThan(layerSize - 2 * 1024 * 1024);
		} finally {
			await image.close();
		}
	});

	it('a layer the cache gave is read and checked whole, the bytes kept still bounded', async () => {
		const written = await writeImage({layers: [{entries: ENTRIES}]}, {format: 'oci-dir', compression: 'none', outPath: path.join(scratch, 'cached')});
		const env = {LAYERSCOPE_CACHE_DIR: path.join(scratch, 'cache')};
		const first = await openForReading(written.path, {cache: openLayerCache(env, () => {})});
		await first.close();
		const image = await openForReading(written.path, {cache: openLayerCache(env, () => {})});
		try {
			expect(image.source.verifiedInThisRun(image.image.layers[0]!)).toBe(false);
			const {source, given} = counting(image.source);
			const head = await readContent(image.image, source, findFile(filesystemAt(image.image), '/big', image.image.input), {limit: 100, verify: true});
			expect(head.bytes.equals(BIG.subarray(0, 100))).toBe(true);
			expect(head.truncated).toBe(true);
			expect(given()).toBe(written.layerSizes[0]!.uncompressed);
		} finally {
			await image.close();
		}
	});
});

describe('classifyContent', () => {
	it.each([
		['plain text', Buffer.from('hello\nworld\n'), 'text'],
		['empty', Buffer.alloc(0), 'text'],
		['UTF-8 beyond ASCII', Buffer.from('grüße, 日本語 🙂\n'), 'text'],
		['escapes are text (shown escaped)', Buffer.from('\u001b]52;c;aGk=\u0007\u001b[2J'), 'text'],
		['a NUL', Buffer.from('abc\0def'), 'binary'],
		['invalid UTF-8', Buffer.from([0x61, 0xff, 0x62]), 'binary'],
		['a NUL after 8 KiB is not looked at', Buffer.concat([Buffer.alloc(8192, 'a'), Buffer.from([0])]), 'text'],
		['a character cut by the 8 KiB boundary', Buffer.concat([Buffer.alloc(8191, 'a'), Buffer.from('é')]), 'text'],
	] as const)('%s', (_name, bytes, expected) => {
		expect(classifyContent(bytes)).toBe(expected);
	});

	it('a character cut by a truncated read is text only when the read says it was truncated', () => {
		const cut = Buffer.from('abcé').subarray(0, 4);
		expect(classifyContent(cut)).toBe('binary');
		expect(classifyContent(cut, true)).toBe('text');
	});
});

describe('hexDump', () => {
	it("hexdump -C's layout: offset, two groups of eight, printable ASCII", () => {
		const bytes = Buffer.concat([Buffer.from('Hello, world!\n'), Buffer.from([0, 0x1b, 0x7f, 0xff, 0x41])]);
		expect(hexDump(bytes, 0x20)).toEqual([
			'00000020  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 1b  |Hello, world!...|',
			'00000030  7f ff 41                                          |..A|',
		]);
		expect(hexDump(Buffer.alloc(0))).toEqual([]);
		expect(hexDump(Buffer.from('x'), 2 ** 32)[0]!.startsWith('100000000  78 ')).toBe(true);
	});
});
