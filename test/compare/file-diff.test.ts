import {describe, expect, it} from 'vitest';
import {EntryTable} from '../../source/entry-table.js';
import type {LayerEntry} from '../../source/model.js';
import {FinalFiles} from '../../source/analysis/final-files.js';
import {compareTreeOrder, diffFilesystems} from '../../source/compare/file-diff.js';
import {directoryChanges} from '../../source/compare/directory-changes.js';
import {stackFinals} from '../../source/compare/final-stacks.js';
import type {Image} from '../../source/model.js';
import {FileSystem, walkTree} from '../../source/tree/filesystem.js';
import {prng} from '../fixtures/random.js';

const file = (path: string, content: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 1, digest: `digest-of-${content}`, ...extra});
const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({path, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1, ...extra});

function filesystem(entries: LayerEntry[]): FileSystem {
	const fs = new FileSystem();
	fs.apply({entries: EntryTable.from(entries), whiteouts: [], opaqueDirs: []}, 0);
	return fs;
}

/** Random trees whose names share prefixes and use characters that sort around "/" ("-", ".", digits, non-ASCII). */
function randomTree(random: () => number, count: number): LayerEntry[] {
	const letters = ['a', 'b', '-', '.', '0', 'é', 'Z', '~'];
	const name = () => Array.from({length: 1 + Math.floor(random() * 3)}, () => letters[Math.floor(random() * letters.length)]).join('');
	const dirs = ['/'];
	const entries: LayerEntry[] = [];
	const seen = new Set<string>();
	for (let i = 0; i < count; i++) {
		const parent = dirs[Math.floor(random() * dirs.length)]!;
		const own = name();
		const path = `${parent === '/' ? '' : parent}/${own}`;
		if (seen.has(path) || /^\.+$/.test(own)) continue;
		seen.add(path);
		if (random() < 0.3) {
			dirs.push(path);
			entries.push(dir(path, {mode: random() < 0.1 ? 0o700 : 0o755}));
		} else entries.push(file(path, `c${Math.floor(random() * 6)}`.repeat(1 + Math.floor(random() * 3)), {uid: random() < 0.1 ? 1000 : 0}));
	}
	return entries;
}

describe('compareTreeOrder', () => {
	it('orders paths exactly as the filesystem walk visits them', () => {
		const random = prng(7);
		for (let round = 0; round < 20; round++) {
			const walked = [...walkTree(filesystem(randomTree(random, 80)))].map(([path]) => path);
			const shuffled = [...walked].sort(() => random() - 0.5);
			expect(shuffled.sort(compareTreeOrder)).toEqual(walked);
		}
	});
});

describe('diffFilesystems', () => {
	it('finds what a comparison by path finds, on random pairs of trees', () => {
		const random = prng(11);
		for (let round = 0; round < 30; round++) {
			const a = filesystem(randomTree(random, 60));
			const b = filesystem(randomTree(random, 60));
			const nodes = (fs: FileSystem) => new Map([...walkTree(fs)]);
			const [before, after] = [nodes(a), nodes(b)];
			const expected: Array<[string, string, boolean]> = [];
			for (const path of new Set([...before.keys(), ...after.keys()])) {
				const [x, y] = [before.get(path), after.get(path)];
				if (!x || !y) expected.push([path, x ? 'removed' : 'added', false]);
				else {
					const content = x.type === y.type && x.digest === y.digest;
					const metadata = x.mode === y.mode && x.uid === y.uid && x.gid === y.gid;
					if (!content || !metadata) expected.push([path, 'modified', content]);
				}
			}
			const diff = diffFilesystems(new FinalFiles(a), new FinalFiles(b));
			const found = Array.from({length: diff.length}, (_, i) => [diff.path(i), diff.status(i), diff.metadataOnly(i)] as [string, string, boolean]);
			expect(found).toEqual(expected.sort((x, y) => compareTreeOrder(x[0], y[0])));
		}
	});

	it("describes a change as a layer's change is described: a file become a hard link is modified, and a type change below a directory is removals", () => {
		const a = filesystem([file('/data', 'same bytes'), dir('/etc'), file('/etc/conf', 'x'), file('/orig', 'same bytes')]);
		const b = filesystem([file('/orig', 'same bytes'), {path: '/data', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, linkTarget: '/orig'}, {path: '/etc', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 1, linkTarget: '/usr/etc'}]);
		const diff = diffFilesystems(new FinalFiles(a), new FinalFiles(b));
		expect(Array.from({length: diff.length}, (_, i) => [diff.path(i), diff.status(i), diff.metadataOnly(i)])).toEqual([
			['/data', 'modified', false],
			['/etc', 'modified', false],
			['/etc/conf', 'removed', false],
		]);
	});

	it('pairs a move only when one file left with that content and one arrived', () => {
		const a = filesystem([file('/old', 'moving'), file('/twin-a', 'twin'), file('/twin-b', 'twin'), file('/empty-a', '')]);
		const b = filesystem([file('/new', 'moving'), file('/twin-c', 'twin'), file('/empty-b', '')]);
		const diff = diffFilesystems(new FinalFiles(a), new FinalFiles(b));
		const moved = Array.from({length: diff.length}, (_, i) => [diff.path(i), diff.movedWith(i) === undefined ? null : diff.path(diff.movedWith(i)!)]);
		expect(Object.fromEntries(moved)).toEqual({'/empty-a': null, '/empty-b': null, '/new': '/old', '/old': '/new', '/twin-a': null, '/twin-b': null, '/twin-c': null});
	});
});

describe('directoryChanges', () => {
	/** Every directory's total on one side by the definition: a walk of all its paths, each file and hard link added to every directory above it. */
	function totalsByWalk(order: FinalFiles): Map<string, number> {
		const totals = new Map<string, number>([['/', 0]]);
		for (const [path, id] of order.paths()) {
			const type = order.fs.typeOf(id);
			if (type === 'dir') totals.set(path, totals.get(path) ?? 0);
			if (type !== 'file' && type !== 'hardlink') continue;
			const size = order.fs.sizeOf(id);
			for (let at = path.lastIndexOf('/'); at >= 0; at = path.lastIndexOf('/', at - 1)) {
				const above = at === 0 ? '/' : path.slice(0, at);
				totals.set(above, (totals.get(above) ?? 0) + size);
				if (at === 0) break;
			}
		}
		return totals;
	}

	it('names exactly the directories whose totals differ, with both totals, on random trees and a replaced directory', () => {
		const random = prng(11);
		for (let round = 0; round < 40; round++) {
			const base = randomTree(random, 60);
			// B: some of A's paths changed in content or size, some dropped, some added; a directory replaced by a file now and then.
			const changed = base.filter(() => random() > 0.2).map(entry => (entry.type === 'file' && random() < 0.3 ? {...entry, size: entry.size + 1 + Math.floor(random() * 5), digest: `${entry.digest}+`} : entry));
			const replaced = changed.find(entry => entry.type === 'dir' && random() < 0.5);
			const after = [...changed.filter(entry => !replaced || !entry.path.startsWith(`${replaced.path}/`)).map(entry => (entry === replaced ? file(entry.path, 'now a file') : entry)), dir('/added'), ...randomTree(random, 15).map(entry => ({...entry, path: `/added${entry.path}`}))];
			const seen = new Set<string>();
			const orderA = new FinalFiles(filesystem(base));
			const orderB = new FinalFiles(filesystem(after.filter(entry => !seen.has(entry.path) && seen.add(entry.path))));
			const [before, now] = [totalsByWalk(orderA), totalsByWalk(orderB)];
			const expected = [...new Set([...before.keys(), ...now.keys()])]
				.map(path => ({path, before: before.get(path) ?? 0, after: now.get(path) ?? 0}))
				.filter(change => change.before !== change.after)
				.map(change => ({...change, delta: change.after - change.before}))
				.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
			expect(directoryChanges(diffFilesystems(orderA, orderB)), `round ${round}`).toEqual(expected);
		}
	});

	it('reads a symlinked directory as the link it is, not the directory it leads to', () => {
		const a = new FinalFiles(filesystem([dir('/real'), file('/real/x', 'abc'), {path: '/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 1, linkTarget: 'real'}]));
		const b = new FinalFiles(filesystem([dir('/real'), file('/real/x', 'abcdef'), dir('/link'), file('/link/y', 'zz')]));
		expect(directoryChanges(diffFilesystems(a, b))).toEqual([
			{path: '/', before: 3, after: 8, delta: 5},
			{path: '/real', before: 3, after: 6, delta: 3},
			{path: '/link', before: 0, after: 2, delta: 2},
		]);
	});
});

describe('a comparison over one shared stack', () => {
	const changeset = (entries: LayerEntry[], whiteouts: string[] = [], opaqueDirs: string[] = []) => ({entries: EntryTable.from(entries), whiteouts, opaqueDirs});
	const image = (layers: ReturnType<typeof changeset>[], ids: string[]) => ({layers: layers.map((changes, index) => ({...changes, index, diffId: ids[index]!}))}) as unknown as Image;
	const rows = (diff: ReturnType<typeof diffFilesystems>) => Array.from({length: diff.length}, (_, index) => [diff.path(index), diff.status(index), diff.metadataOnly(index), diff.idInA(index) === -1, diff.idInB(index) === -1]);

	it('finds what the walk of every path finds, passing over what neither side changed, on random stacks', () => {
		const random = prng(23);
		for (let round = 0; round < 40; round++) {
			const base = randomTree(random, 80);
			const paths = base.map(entry => entry.path);
			const pick = () => paths[Math.floor(random() * paths.length)]!;
			// Each side's own layer: rewrites, new paths (some the same on both sides), whiteouts, now and then an opaque directory.
			const own = (tag: string) => {
				const entries = [...randomTree(random, 12).map(entry => ({...entry, path: `/new${entry.path}`})), ...base.filter(() => random() < 0.1).filter(entry => entry.type === 'file').map(entry => ({...entry, digest: `${entry.digest}-${tag}`}))];
				const seen = new Set<string>();
				const unique = [dir('/new'), ...entries].filter(entry => !seen.has(entry.path) && seen.add(entry.path));
				const dirs = base.filter(entry => entry.type === 'dir').map(entry => entry.path);
				return changeset(unique, random() < 0.5 ? [pick()] : [], random() < 0.2 && dirs.length > 0 ? [dirs[Math.floor(random() * dirs.length)]!] : []);
			};
			const shared = changeset(base);
			const {a, b, shared: stack} = stackFinals(image([shared, own('a')], ['s', 'a']), image([shared, own('b')], ['s', 'b']));
			const [orderA, orderB] = [new FinalFiles(a), new FinalFiles(b)];
			expect(rows(diffFilesystems(orderA, orderB, stack)), `round ${round}`).toEqual(rows(diffFilesystems(orderA, orderB)));
		}
	});
});
