import {describe, expect, it} from 'vitest';
import {readLayer} from '../../source/layer/read-layer.js';
import {buildTar, paxHeader} from '../fixtures/tar-writer.js';
import {buildLayerTar} from '../fixtures/layer-builder.js';
import {createHash} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import {openRange, openRangeReusing, REUSES_BUFFERS} from '../../source/layer/file-range.js';

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('the tar walker', () => {
	it('reads the same entries whatever the chunk boundaries (headers and PAX split across chunks)', async () => {
		const tar = buildTar([
			{name: 'a.txt', data: Buffer.from('hello')},
			paxHeader({path: `long/${'n'.repeat(13)}/file`}),
			{name: 'ignored', data: Buffer.alloc(700, 7)},
			{name: 'dir/', typeflag: '5'},
		]);
		const whole = await readLayer(chunks(tar, tar.length));
		for (const size of [1, 7, 511, 512, 513, 4096]) {
			const split = await readLayer(chunks(tar, size));
			expect(split.entries, `chunks of ${size}`).toEqual(whole.entries);
			expect(split.diffId).toBe(whole.diffId);
		}
		expect([...whole.entries].map(entry => entry.path)).toEqual(['/a.txt', '/long/nnnnnnnnnnnnn/file', '/dir']);
		expect(whole.entries.at(1)).toMatchObject({size: 700});
	});

	it('reads no data after header-only types whatever their size field says, as Go (and so containerd) does', async () => {
		const tar = buildTar([
			{name: 'link', typeflag: '2', linkname: 'target', size: 1024},
			{name: 'after', data: Buffer.from('still here')},
		]);
		const result = await readLayer(chunks(tar, 4096));
		expect([...result.entries].map(entry => [entry.path, entry.type])).toEqual([['/link', 'symlink'], ['/after', 'file']]);
	});

	it('calls a tar cut inside an entry truncated, and one cut between entries complete', async () => {
		const tar = buildTar([{name: 'a', data: Buffer.alloc(2000, 1)}, {name: 'b', data: Buffer.from('b')}]);
		await expect(readLayer(chunks(tar.subarray(0, 1500), 512))).rejects.toThrow('layer tar is truncated');
		const atBoundary = await readLayer(chunks(tar.subarray(0, 512 + 2048), 512));
		expect([...atBoundary.entries].map(entry => entry.path)).toEqual(['/a']);
	});

	it('records where every file\'s bytes sit in the uncompressed tar, so they can be read back (PAX, long names, sparse, gzip)', async () => {
		const tar = buildTar([
			{name: 'a.txt', data: Buffer.from('hello')},
			paxHeader({path: `long/${'n'.repeat(120)}/file`}),
			{name: 'ignored', data: Buffer.alloc(700, 7)},
			{name: 'dir/', typeflag: '5'},
			{name: 'empty', data: Buffer.alloc(0)},
			{name: 'last', data: Buffer.from('the end')},
		]);
		for (const size of [1, 511, 513, 65536]) {
			const {entries} = await readLayer(chunks(tar, size));
			for (let i = 0; i < entries.length; i++) {
				if (entries.typeOf(i) !== 'file') {
					expect(entries.dataSizeOf(i), entries.pathOf(i)).toBe(0);
					continue;
				}
				const bytes = tar.subarray(entries.dataOffsetOf(i), entries.dataOffsetOf(i) + entries.dataSizeOf(i));
				expect(bytes.length, entries.pathOf(i)).toBe(entries.sizeOf(i));
				expect(createHash('sha256').update(bytes).digest('hex'), `${entries.pathOf(i)} in chunks of ${size}`).toBe(entries.digestOf(i));
			}
		}
		const {entries} = await readLayer(chunks(tar, 4096));
		expect(entries.dataOffsetOf(0)).toBe(512);
		expect(entries.dataSizeOf(1)).toBe(700);
	});

	it('gives a sparse file the place of its stored segments, and a gzip layer offsets in its uncompressed tar', async () => {
		const tar = buildLayerTar([
			{type: 'file', path: 'plain', content: 'plain bytes'},
			{type: 'sparse', path: 'holes', realSize: 1 << 20, segments: [{offset: 4096, data: Buffer.from('data')}], format: 'pax-0.1'},
		]);
		const {entries} = await readLayer(chunks(gzipSync(tar), 1000));
		const plain = [...Array(entries.length).keys()].find(i => entries.pathOf(i) === '/plain')!;
		expect(tar.subarray(entries.dataOffsetOf(plain), entries.dataOffsetOf(plain) + entries.dataSizeOf(plain)).toString()).toBe('plain bytes');
		const holes = [...Array(entries.length).keys()].find(i => entries.pathOf(i) === '/holes')!;
		expect(entries.sizeOf(holes)).toBe(1 << 20);
		expect(entries.dataSizeOf(holes)).toBeLessThan(1 << 20);
		expect(tar.subarray(entries.dataOffsetOf(holes), entries.dataOffsetOf(holes) + entries.dataSizeOf(holes)).includes('data')).toBe(true);
	});
});

describe('sources that reuse their buffers', () => {
	/** Hands out every chunk in one buffer, overwritten by the next: what openRangeReusing allows, at its harshest. */
	function reusing(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
		const buffer = Buffer.alloc(size);
		const chunks = (async function* () {
			for (let at = 0; at < bytes.length; at += size) {
				const length = bytes.copy(buffer, 0, at, Math.min(at + size, bytes.length));
				yield buffer.subarray(0, length);
			}
		})();
		return Object.assign(chunks, {[REUSES_BUFFERS]: true});
	}

	it('read the same layer, plain or gzip, whatever the chunk size (headers and PAX records cut by chunk boundaries)', async () => {
		const tar = buildTar([
			{name: 'a.txt', data: Buffer.from('hello')},
			paxHeader({path: `long/${'n'.repeat(3000)}/file`, comment: 'x'.repeat(5000)}),
			{name: 'ignored', data: Buffer.alloc(70_000, 7)},
			{name: 'dir/', typeflag: '5'},
			{name: 'last', data: Buffer.from('the end')},
		]);
		const expected = await readLayer(chunks(tar, tar.length));
		const gzip = gzipSync(tar);
		for (const size of [1, 7, 511, 513, 4096, 65536]) {
			expect((await readLayer(reusing(tar, size))).entries, `plain, chunks of ${size}`).toEqual(expected.entries);
			// (The compression is sniffed from the first chunk: it needs the magic bytes whole.)
			if (size < 7) continue;
			const unpacked = await readLayer(reusing(gzip, size));
			expect(unpacked.entries, `gzip, chunks of ${size}`).toEqual(expected.entries);
			expect(unpacked.diffId).toBe(expected.diffId);
		}
	});

	it('openRangeReusing reads exactly the bytes of its range, as openRange does', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'layerscope-range-'));
		try {
			const file = path.join(dir, 'blob');
			const bytes = Buffer.alloc(3 * 1024 * 1024 + 123);
			for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
			writeFileSync(file, bytes);
			for (const range of [{file, start: 0, end: bytes.length - 1}, {file, start: 1000, end: 2_500_000}, {file, start: 5, end: 4}]) {
				const seen: Array<[number, string]> = [];
				for (const open of [openRange, openRangeReusing]) {
					const hash = createHash('sha256');
					let length = 0;
					for await (const chunk of open(range)) {
						hash.update(chunk);
						length += chunk.byteLength;
					}
					seen.push([length, hash.digest('hex')]);
				}
				expect(seen[1], JSON.stringify(range)).toEqual(seen[0]);
				expect(seen[0]![0]).toBe(Math.max(0, range.end - range.start + 1));
				expect(seen[0]![1]).toBe(createHash('sha256').update(bytes.subarray(range.start, range.end + 1)).digest('hex'));
			}
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
