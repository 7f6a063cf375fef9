import {describe, expect, it} from 'vitest';
import {readLayer} from '../../source/layer/read-layer.js';
import {buildTar, paxHeader} from '../fixtures/tar-writer.js';

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
		expect(whole.entries.map(entry => entry.path)).toEqual(['/a.txt', '/long/nnnnnnnnnnnnn/file', '/dir']);
		expect(whole.entries[1]).toMatchObject({size: 700});
	});

	it('reads no data after header-only types whatever their size field says, as Go (and so containerd) does', async () => {
		const tar = buildTar([
			{name: 'link', typeflag: '2', linkname: 'target', size: 1024},
			{name: 'after', data: Buffer.from('still here')},
		]);
		const result = await readLayer(chunks(tar, 4096));
		expect(result.entries.map(entry => [entry.path, entry.type])).toEqual([['/link', 'symlink'], ['/after', 'file']]);
	});

	it('calls a tar cut inside an entry truncated, and one cut between entries complete', async () => {
		const tar = buildTar([{name: 'a', data: Buffer.alloc(2000, 1)}, {name: 'b', data: Buffer.from('b')}]);
		await expect(readLayer(chunks(tar.subarray(0, 1500), 512))).rejects.toThrow('layer tar is truncated');
		const atBoundary = await readLayer(chunks(tar.subarray(0, 512 + 2048), 512));
		expect(atBoundary.entries.map(entry => entry.path)).toEqual(['/a']);
	});
});
