import {createHash} from 'node:crypto';
import {serialize} from 'node:v8';
import {describe, expect, it} from 'vitest';
import {chainId, decodeStack, encodeStack, stackKey} from '../../source/cache/stack-cache.js';
import {EntryTable} from '../../source/entry-table.js';
import type {Layer, LayerEntry} from '../../source/model.js';
import {FileSystem, walkTree} from '../../source/tree/filesystem.js';

const file = (path: string, content: string): LayerEntry => ({path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 1, digest: `digest-of-${content}`});
const dir = (path: string): LayerEntry => ({path, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1});
const layer = (index: number, entries: LayerEntry[], whiteouts: string[] = []) => ({index, diffId: `sha256:${String(index).repeat(64)}`, entries: EntryTable.from(entries), whiteouts, opaqueDirs: []}) as unknown as Layer;
const seen = (fs: FileSystem) => [...walkTree(fs)].map(([path, node]) => [path, node.type, node.size, node.digest, node.layer]);

describe('stacks kept by ChainID', () => {
	const layers = [layer(0, [dir('/etc'), file('/etc/a', 'one'), file('/etc/b', 'two')]), layer(1, [file('/etc/a', 'rewritten'), dir('/srv'), file('/srv/x', 'x')], ['/etc/b'])];
	const stacked = () => {
		const fs = new FileSystem();
		for (const each of layers) fs.apply(each, each.index);
		return fs;
	};

	it('chains diff_ids as the image spec says, and keys on the chain and the code', () => {
		const [first, second] = layers.map(each => each.diffId);
		expect(chainId([first!])).toBe(first);
		expect(chainId([first!, second!])).toBe(`sha256:${createHash('sha256').update(`${first} ${second}`).digest('hex')}`);
		expect(stackKey(layers)).toMatch(/^sha256:[a-f0-9]{64}$/);
		expect(stackKey(layers)).not.toBe(stackKey(layers.slice(0, 1)));
		expect(stackKey(layers)).not.toBe(chainId(layers.map(each => each.diffId)));
	});

	it('is made back into the same filesystem over the same layers, and stacks on from there as the original does', () => {
		const kept = decodeStack(encodeStack(stacked()), layers)!;
		expect(seen(kept)).toEqual(seen(stacked()));
		const next = layer(2, [file('/srv/y', 'new'), file('/etc/a', 'again')]);
		kept.apply(next, 2);
		const fresh = stacked();
		fresh.apply(next, 2);
		expect(seen(kept)).toEqual(seen(fresh));
		expect(kept.lookupId('/etc/b')).toBeUndefined();
	});

	it('is refused for other layers, and when its arrays cannot be a stack', () => {
		const state = stacked().exportState();
		const other = [layers[0]!, layer(1, [file('/etc/a', 'rewritten')])];
		expect(decodeStack(encodeStack(stacked()), other)).toBeNull();
		expect(decodeStack(encodeStack(stacked()), layers.slice(0, 1))).toBeNull();
		const spoiled = (edit: (copy: typeof state) => void) => {
			const copy = structuredClone(state);
			edit(copy);
			return decodeStack(serialize(copy), layers);
		};
		expect(spoiled(() => {})).not.toBeNull();
		expect(spoiled(copy => (copy.own[1] = 999))).toBeNull();
		expect(spoiled(copy => (copy.firstChild[0] = copy.own.length))).toBeNull();
		expect(spoiled(copy => (copy.attr = new Int32Array(3)))).toBeNull();
		expect(spoiled(copy => (copy.paths.parents[2] = 5))).toBeNull();
		expect(spoiled(copy => (copy.paths.slots = new Int32Array(6)))).toBeNull();
		expect(spoiled(copy => (copy.entryCounts = [3]))).toBeNull();
		expect(decodeStack(Buffer.from('not a stack'), layers)).toBeNull();
		expect(decodeStack(serialize({paths: null}), layers)).toBeNull();
	});
});
