import {describe, expect, it} from 'vitest';
import {FinalFiles} from '../../source/analysis/final-files.js';
import {stackFinals, StackError} from '../../source/compare/final-stacks.js';
import type {Image, LayerEntry} from '../../source/model.js';
import {prng} from '../fixtures/random.js';
import {FileSystem} from '../../source/tree/filesystem.js';
import {modelLayer, randomLayer} from './layers.js';

function finalFiles(...layers: Array<Array<Partial<LayerEntry> & {path: string}>>): FinalFiles {
	const fs = new FileSystem();
	layers.forEach((entries, index) => fs.apply(modelLayer(index, entries), index));
	return new FinalFiles(fs);
}

/** What below() must give: the walk's own paths under a directory, filtered as a prefix test would. */
function walkedBelow(files: FinalFiles, matches: (path: string) => boolean): string[] {
	return [...files.paths()].map(([path]) => path).filter(matches);
}

describe('FinalFiles', () => {
	it('gives the paths below directories in walk order, each once, however the directories nest or are listed', () => {
		const files = finalFiles([
			{path: '/usr/share/doc/b/copyright', size: 1},
			{path: '/usr/share/doc/a/README', size: 2},
			{path: '/usr/share/man/man1/ls.1', size: 3},
			{path: '/usr/bin/gcc', size: 4},
			{path: '/usr/sharex/doc/not-below', size: 5},
			{path: '/var/cache/apt/pkgcache.bin', size: 6},
			{path: '/usr/share/empty', type: 'dir'},
		]);
		const below = (dirs: string[]) => [...files.below(dirs)].map(([path]) => path);
		expect(below(['/usr/share/man', '/usr/share/doc'])).toEqual(walkedBelow(files, path => path.startsWith('/usr/share/doc/') || path.startsWith('/usr/share/man/')));
		expect(below(['/usr/share/doc', '/usr/share'])).toEqual(walkedBelow(files, path => path.startsWith('/usr/share/')));
		expect(below(['/usr/share/empty', '/nowhere', '/usr/bin/gcc'])).toEqual([]);
		expect(below(['/'])).toEqual(walkedBelow(files, () => true));
		// Ids and paths agree.
		for (const [path, id] of files.below(['/usr'])) expect(files.fs.pathOf(id)).toBe(path);
	});

	it('takes "*" as every directory at that place, and never follows a symlink', () => {
		const files = finalFiles(
			[
				{path: '/home/ann/.cache/pip/wheel', size: 1},
				{path: '/home/bob/.cache/pip/http/x', size: 2},
				{path: '/home/bob/.cache/other', size: 3},
				{path: '/home/file', size: 4},
				{path: '/root/.cache/pip/y', size: 5},
				{path: '/real/.cache/pip/z', size: 6},
			],
			[{path: '/home/link', type: 'symlink', linkTarget: '/real'}],
		);
		const below = [...files.below(['/root/.cache/pip', '/home/*/.cache/pip'])].map(([path]) => path);
		expect(below).toEqual(walkedBelow(files, path => /^\/(root|home\/[^/]+)\/\.cache\/pip\//.test(path)));
		expect(below).toEqual(['/home/ann/.cache/pip/wheel', '/home/bob/.cache/pip/http', '/home/bob/.cache/pip/http/x', '/root/.cache/pip/y']);
	});

	it('matches a prefix filter of the whole walk on random trees', () => {
		let state = 7;
		const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
		const names = ['a', 'b', 'c', 'é', 'a.b'];
		for (let round = 0; round < 200; round++) {
			const entries = Array.from({length: 1 + Math.floor(random() * 30)}, () => ({path: '/' + Array.from({length: 1 + Math.floor(random() * 4)}, () => names[Math.floor(random() * names.length)]).join('/'), size: 1}));
			// A file entry whose path is another's parent replaces that directory: keep the tree well formed by dropping those.
			const kept = entries.filter(entry => !entries.some(other => other.path.startsWith(entry.path + '/')));
			const files = finalFiles(kept);
			const dirs = Array.from({length: 1 + Math.floor(random() * 3)}, () => '/' + Array.from({length: 1 + Math.floor(random() * 2)}, () => (random() < 0.2 ? '*' : names[Math.floor(random() * names.length)])).join('/'));
			const pattern = new RegExp(`^(${dirs.map(dir => dir.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]+')).join('|')})/`);
			expect([...files.below(dirs)].map(([path]) => path)).toEqual(walkedBelow(files, path => pattern.test(path)));
			// As runs of walk positions: in walk order, none empty, none overlapping, the same paths.
			const runs = files.runsBelow(dirs);
			runs.forEach(([start, end], i) => expect(start < end && (i === 0 || runs[i - 1]![1] <= start)).toBe(true));
			expect(runs.flatMap(([start, end]) => Array.from(files.ids.subarray(start, end), id => files.fs.pathOf(id)))).toEqual(walkedBelow(files, path => pattern.test(path)));
		}
	});
});

describe('FinalFiles over a shared stack', () => {
	it('copies the runs of directories neither side touched from the other walk, and is the walk it would make itself, on random stacks', () => {
		let checked = 0;
		let copies = 0;
		for (let seed = 1; seed <= 2000; seed++) {
			const random = prng(seed);
			const shared = 1 + Math.floor(random() * 3);
			const base = Array.from({length: shared}, (_, index) => randomLayer(random, index));
			// Each side's own layers carry diff_ids of their own: only the base is shared.
			const own = (side: string) => Array.from({length: Math.floor(random() * 3)}, (_, i) => ({...randomLayer(random, shared + i), diffId: `sha256:${side}${shared + i}`}));
			const [a, b] = [{layers: [...base, ...own('a')]} as Image, {layers: [...base, ...own('b')]} as Image];
			let stacks;
			try {
				stacks = stackFinals(a, b);
			} catch (error) {
				if (error instanceof StackError) continue;
				throw error;
			}
			const {below, touchedA, touchedB} = stacks.shared;
			const orderA = new FinalFiles(stacks.a);
			const unchanged = (id: number) => id < below && !touchedA.has(id) && !touchedB.has(id) && ++copies > 0;
			const copied = new FinalFiles(stacks.b, {order: orderA, unchanged});
			const walked = new FinalFiles(stacks.b);
			expect([...copied.ids], `seed ${seed}`).toEqual([...walked.ids]);
			for (let at = 0; at < walked.length; at++) {
				expect(copied.endOf(at), `seed ${seed} at ${at}`).toBe(walked.endOf(at));
				expect(copied.isDirectoryAt(at)).toBe(walked.isDirectoryAt(at));
			}
			checked++;
		}
		expect(checked).toBeGreaterThan(300);
		// The runs copied are many: the test sees the copy, not only the walk.
		expect(copies).toBeGreaterThan(150);
	});
});

describe('a kept walk', () => {
	const tree = () => {
		const fs = new FileSystem();
		fs.apply(modelLayer(0, [{path: '/a/b/c', size: 1}, {path: '/a/d', size: 2}, {path: '/e', type: 'dir'}, {path: '/e/f', size: 3}, {path: '/g', size: 4}]), 0);
		return fs;
	};

	it('is taken back as the walk it was', () => {
		const fs = tree();
		const walk = new FinalFiles(fs).exportWalk();
		const back = FinalFiles.fromWalk(fs, walk)!;
		expect([...back.paths()].map(([path]) => path)).toEqual(['/a', '/a/b', '/a/b/c', '/a/d', '/e', '/e/f', '/g']);
		for (let at = 0; at < back.length; at++) expect(back.endOf(at)).toBe(new FinalFiles(fs).endOf(at));
	});

	it('is refused when it cannot be a walk of the table: a path twice or out of it, in the wrong directory, a subtree past its parent’s, a file with a subtree', () => {
		const fs = tree();
		const good = new FinalFiles(fs).exportWalk();
		const copy = () => ({ids: good.ids.slice(), ends: good.ends.slice(), isDir: good.isDir.slice()});
		expect(FinalFiles.fromWalk(fs, copy())).not.toBeNull();
		const spoiled: Array<[string, (walk: ReturnType<typeof copy>) => void]> = [
			['a path twice', walk => (walk.ids[6] = walk.ids[0]!)],
			['a path out of the table', walk => (walk.ids[6] = fs.paths.size)],
			['the root', walk => (walk.ids[0] = 0)],
			['in another directory', walk => ([walk.ids[2], walk.ids[5]] = [walk.ids[5]!, walk.ids[2]!])],
			['past its parent', walk => (walk.ends[1] = walk.ends[0]! + 1)],
			['a file with a subtree', walk => (walk.ends[6] = 8)],
			['a directory flag of 2', walk => (walk.isDir[0] = 2)],
			['an end before itself', walk => (walk.ends[3] = 3)],
			['lengths that differ', walk => (walk.ends = walk.ends.subarray(1))],
		];
		for (const [name, spoil] of spoiled) {
			const walk = copy();
			spoil(walk);
			expect(FinalFiles.fromWalk(fs, walk), name).toBeNull();
		}
	});
});
