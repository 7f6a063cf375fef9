import {describe, expect, it} from 'vitest';
import type {Image, LayerChangeset, LayerEntry} from '../../source/model.js';
import {EntryTable} from '../../source/entry-table.js';
import {ApplyError, FileSystem, walkTree} from '../../source/tree/filesystem.js';
import {stackFinals, StackError} from '../../source/compare/final-stacks.js';

function file(path: string, content: string, extra: Partial<LayerEntry> = {}): LayerEntry {
	return {path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 1, digest: `digest-of-${content}`, ...extra};
}
function dir(path: string, extra: Partial<LayerEntry> = {}): LayerEntry {
	return {path, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1, ...extra};
}
function symlink(path: string, target: string): LayerEntry {
	return {path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 1, linkTarget: target};
}
function hardlink(path: string, target: string): LayerEntry {
	return {path, type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, linkTarget: target};
}
function layer(entries: LayerEntry[], whiteouts: string[] = [], opaqueDirs: string[] = []): LayerChangeset {
	return {entries: EntryTable.from(entries), whiteouts, opaqueDirs};
}
function stack(...layers: LayerChangeset[]): FileSystem {
	const fs = new FileSystem();
	layers.forEach((changes, index) => fs.apply(changes, index));
	return fs;
}
function paths(fs: FileSystem): string[] {
	return [...walkTree(fs)].map(([path]) => path);
}

describe('FileSystem', () => {
	it('walks to each entry\'s parent again after a removal or a replacement, even when the last entry had the same parent', () => {
		// The parent of /a/b/y is the parent of /a/b/x, but /a/b became a symlink between them.
		const throughLink = stack(layer([file('/a/b/x', 'x'), dir('/c'), symlink('/a/b', '/c'), file('/a/b/y', 'y')]));
		expect(paths(throughLink)).toEqual(['/a', '/a/b', '/c', '/c/y']);
		// An ancestor replaced by a symlink: the rest of the path is walked through it.
		const ancestor = stack(layer([file('/a/b/x', 'x'), symlink('/a', '/z'), file('/a/b/y', 'y')]));
		expect(paths(ancestor)).toEqual(['/a', '/z', '/z/b', '/z/b/y']);
		// A parent replaced by a file: the next entry below it cannot be placed.
		expect(() => stack(layer([file('/d/e/f', 'f'), file('/d/e', 'now a file'), file('/d/e/g', 'g')]))).toThrow(ApplyError);
		// A whiteout of the last parent, in the next layer: its entries make it again.
		const again = stack(layer([file('/p/q', 'q')]), layer([file('/p/r', 'r')], ['/p']));
		expect(paths(again)).toEqual(['/p', '/p/r']);
		expect(again.lookup('/p')).toMatchObject({layer: -1});
		// A symlink the last parent was reached through, whited out: the next entry's parent is made, not followed.
		const unlinked = stack(layer([file('/real/x', 'x'), symlink('/l', '/real'), file('/l/y', 'y')]), layer([file('/l/z', 'z')], ['/l']));
		expect(paths(unlinked)).toEqual(['/l', '/l/z', '/real', '/real/x', '/real/y']);
		// Files replaced in the last parent change nothing about it; whiteouts there find it too.
		const rewritten = stack(layer([file('/d/a', '1'), file('/d/b', '2')]), layer([file('/d/a', '3'), file('/d/b', '4'), file('/d/c', '5')]), layer([], ['/d/a', '/d/c']));
		expect(paths(rewritten)).toEqual(['/d', '/d/b']);
		expect(rewritten.lookup('/d/b')).toMatchObject({digest: 'digest-of-4', layer: 1});
	});

	it('creates implied parent directories owned by root with mode 0755', () => {
		const fs = stack(layer([file('/a/b/c.txt', 'x', {uid: 1000, gid: 1000})]));
		expect(paths(fs)).toEqual(['/a', '/a/b', '/a/b/c.txt']);
		expect(fs.lookup('/a')).toMatchObject({type: 'dir', mode: 0o755, uid: 0, gid: 0, layer: -1});
		expect(fs.lookup('/a/b/c.txt')).toMatchObject({uid: 1000, gid: 1000, layer: 0});
	});

	it('lets the last of repeated entries for one path win', () => {
		const fs = stack(layer([file('/f', 'first'), file('/f', 'second', {mode: 0o600})]));
		expect(fs.lookup('/f')).toMatchObject({digest: 'digest-of-second', mode: 0o600, size: 6});
	});

	it('removes a file and a whole directory subtree with whiteouts', () => {
		const fs = stack(layer([file('/keep', 'k'), file('/gone', 'g'), file('/d/x', 'x'), file('/d/sub/y', 'y')]), layer([], ['/gone', '/d']));
		expect(paths(fs)).toEqual(['/keep']);
	});

	it('ignores a whiteout of a path that does not exist', () => {
		const fs = stack(layer([file('/a', 'a')]), layer([], ['/nope/deeper', '/b']));
		expect(paths(fs)).toEqual(['/a']);
	});

	it('applies whiteouts to lower layers only: an entry of the same layer survives', () => {
		const fs = stack(layer([file('/f', 'old')]), layer([file('/f', 'new')], ['/f']));
		expect(fs.lookup('/f')).toMatchObject({digest: 'digest-of-new', layer: 1});
	});

	it('empties an opaque directory of lower content but keeps what its own layer adds', () => {
		const fs = stack(
			layer([file('/etc/a', 'a'), file('/etc/sub/b', 'b'), file('/other', 'o')]),
			layer([dir('/etc', {mode: 0o700}), file('/etc/c', 'c')], [], ['/etc']),
		);
		expect(paths(fs)).toEqual(['/etc', '/etc/c', '/other']);
		expect(fs.lookup('/etc')).toMatchObject({mode: 0o700, layer: 1});
	});

	it('merges a directory entry over an existing directory, updating its attributes', () => {
		const fs = stack(layer([dir('/d'), file('/d/x', 'x')]), layer([dir('/d', {mode: 0o700, uid: 5})]));
		expect(paths(fs)).toEqual(['/d', '/d/x']);
		expect(fs.lookup('/d')).toMatchObject({mode: 0o700, uid: 5, layer: 1});
	});

	it('replaces a file by a directory and the directory by a file again', () => {
		const fs = stack(layer([file('/p', 'file')]), layer([dir('/p'), file('/p/child', 'c')]));
		expect(paths(fs)).toEqual(['/p', '/p/child']);
		fs.apply(layer([file('/p', 'file again')]), 2);
		expect(paths(fs)).toEqual(['/p']);
		expect(fs.lookup('/p')).toMatchObject({type: 'file', digest: 'digest-of-file again'});
	});

	it('resolves a parent that is a symlink inside the image (relative, absolute, with ..)', () => {
		const fs = stack(
			layer([dir('/usr/lib'), symlink('/lib', 'usr/lib'), dir('/opt/real'), symlink('/opt/link', '/opt/real'), symlink('/usr/share', '../opt/real')]),
			layer([file('/lib/libc.so', 'libc'), file('/opt/link/a', 'a'), file('/usr/share/b', 'b')]),
		);
		expect(fs.lookup('/usr/lib/libc.so')).toMatchObject({digest: 'digest-of-libc'});
		expect(fs.lookup('/opt/real/a')).toMatchObject({digest: 'digest-of-a'});
		expect(fs.lookup('/opt/real/b')).toMatchObject({digest: 'digest-of-b'});
		expect(fs.lookup('/lib')).toMatchObject({type: 'symlink', linkTarget: 'usr/lib'});
		expect(paths(fs)).not.toContain('/lib/libc.so');
	});

	it('keeps symlink resolution inside the image root: ".." stops at "/"', () => {
		const fs = stack(layer([symlink('/up', '../../../../tmp')]), layer([file('/up/x', 'x')]));
		expect(fs.lookup('/tmp/x')).toMatchObject({digest: 'digest-of-x'});
	});

	it('applies a whiteout through a symlinked parent', () => {
		const fs = stack(layer([dir('/real'), file('/real/f', 'f'), symlink('/alias', 'real')]), layer([], ['/alias/f']));
		expect(fs.lookup('/real/f')).toBeUndefined();
	});

	it('refuses symlink loops instead of hanging', () => {
		const fs = stack(layer([symlink('/a', 'b'), symlink('/b', 'a')]));
		expect(() => fs.apply(layer([file('/a/x', 'x')]), 1)).toThrow(ApplyError);
	});

	it('gives a hard link the content its target had when the link was applied', () => {
		const fs = stack(
			layer([file('/bin/tool', 'v1', {mode: 0o755})]),
			layer([hardlink('/bin/alias', '/bin/tool')]),
			layer([file('/bin/tool', 'v2-longer')]),
		);
		expect(fs.lookup('/bin/alias')).toMatchObject({type: 'hardlink', digest: 'digest-of-v1', size: 2, mode: 0o755, linkTarget: '/bin/tool'});
		fs.apply(layer([], ['/bin/tool']), 3);
		expect(fs.lookup('/bin/alias')).toMatchObject({digest: 'digest-of-v1', size: 2});
	});

	it('refuses a hard link into the very path it replaces, as extraction would', () => {
		expect(() => stack(layer([file('/s/q', 'q')]), layer([hardlink('/s', '/s/q')]))).toThrow(/does not exist/);
		expect(() => stack(layer([file('/x', 'x')]), layer([hardlink('/x', '/x')]))).toThrow(/does not exist/);
	});

	it('refuses a hard link to a missing target', () => {
		expect(() => stack(layer([hardlink('/a', '/missing')]))).toThrow(/does not exist/);
	});

	it('refuses an entry whose parent is a regular file, as a runtime would', () => {
		expect(() => stack(layer([file('/f', 'f')]), layer([file('/f/x', 'x')]))).toThrow(/not a directory/);
	});

	it('keeps device nodes and fifos with their numbers', () => {
		const fs = stack(layer([{path: '/dev/null', type: 'char', mode: 0o666, uid: 0, gid: 0, size: 0, mtime: 0, devMajor: 1, devMinor: 3}, {path: '/run/p', type: 'fifo', mode: 0o600, uid: 0, gid: 0, size: 0, mtime: 0}]));
		expect(fs.lookup('/dev/null')).toMatchObject({type: 'char', devMajor: 1, devMinor: 3, mode: 0o666});
		expect(fs.lookup('/run/p')).toMatchObject({type: 'fifo'});
	});

	it('takes the root entry ("./") as the root directory\'s attributes', () => {
		const fs = stack(layer([dir('/', {mode: 0o700}), file('/a', 'a')]));
		expect(fs.root).toMatchObject({mode: 0o700, type: 'dir'});
		expect(paths(fs)).toEqual(['/a']);
	});
});

describe('FileSystem.clone', () => {
	const base = [
		layer([dir('/etc'), file('/etc/a', 'one'), file('/etc/b', 'two'), symlink('/etc/link', 'a'), dir('/opt'), file('/opt/tool', 'tool')]),
		layer([file('/etc/a', 'one, again'), hardlink('/etc/hard', '/etc/b')], ['/opt/tool']),
	];
	const onA = layer([file('/etc/c', 'only in A'), file('/etc/zz-new', 'A')], ['/etc/link']);
	const onB = layer([dir('/srv'), file('/srv/x', 'only in B'), file('/etc/zz-new', 'B, longer')], [], ['/etc']);
	const seen = (fs: FileSystem) => [...walkTree(fs)].map(([path, node]) => [path, node.type, node.size, node.digest, node.layer, node.linkTarget]);

	it('stacks on apart from the original: each copy ends as a stack of its own layers from nothing does', () => {
		const shared = stack(...base);
		const before = seen(shared);
		const copy = shared.clone();
		expect(seen(copy)).toEqual(before);
		copy.apply(onB, 2);
		expect(seen(shared)).toEqual(before);
		shared.apply(onA, 2);
		expect(seen(shared)).toEqual(seen(stack(...base, onA)));
		expect(seen(copy)).toEqual(seen(stack(...base, onB)));
		// Both copies interned /etc/zz-new on their own: each finds its own.
		expect(shared.node(shared.lookupId('/etc/zz-new')!).size).toBe(1);
		expect(copy.node(copy.lookupId('/etc/zz-new')!).size).toBe('B, longer'.length);
		expect(copy.lookupId('/etc/c')).toBeUndefined();
		expect(shared.lookupId('/srv/x')).toBeUndefined();
	});
});

describe('stackFinals', () => {
	const image = (layers: LayerChangeset[], ids: string[]) => ({layers: layers.map((changes, index) => ({...changes, index, diffId: ids[index]!}))}) as unknown as Image;
	const base = layer([dir('/etc'), file('/etc/a', 'one')]);
	const broken = layer([file('/etc/a/below-a-file', 'x')]);

	it('stacks the shared bottom layers once and gives each image its own final filesystem', () => {
		const {a, b, shared} = stackFinals(image([base, layer([file('/etc/b', 'A')])], ['s', 'a1']), image([base, layer([file('/etc/c', 'B')])], ['s', 'b1']));
		expect(paths(a)).toEqual(['/etc', '/etc/a', '/etc/b']);
		expect(paths(b)).toEqual(['/etc', '/etc/a', '/etc/c']);
		// What each image's own layer changed, with its directories; /etc/a is as the shared layer left it on both.
		expect([...shared.touchedA].map(id => a.pathOf(id)).sort()).toEqual(['/', '/etc', '/etc/b']);
		expect([...shared.touchedB].map(id => b.pathOf(id)).sort()).toEqual(['/', '/etc', '/etc/c']);
		expect(shared.touchedA.has(a.lookupId('/etc/a')!)).toBe(false);
	});

	it('names the image whose layer cannot be stacked: the first for a shared layer', () => {
		const fail = (a: Image, b: Image) => {
			try {
				stackFinals(a, b);
			} catch (error) {
				return error instanceof StackError ? error.image : -1;
			}
			return null;
		};
		expect(fail(image([base], ['s']), image([base, broken], ['s', 'b1']))).toBe(1);
		expect(fail(image([base, broken], ['s', 'a1']), image([base], ['s']))).toBe(0);
		expect(fail(image([base, broken], ['s', 'x']), image([base, broken], ['s', 'x']))).toBe(0);
	});
});
