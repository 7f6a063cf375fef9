import {describe, expect, it} from 'vitest';
import {FinalFiles} from '../../source/analysis/final-files.js';
import type {LayerEntry} from '../../source/model.js';
import {FileSystem} from '../../source/tree/filesystem.js';
import {modelLayer} from './layers.js';

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
		}
	});
});
