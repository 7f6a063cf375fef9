/**
 * A finding names its largest paths (topPaths): largest first, then by path, at most TOP_PATHS. They are
 * chosen in one pass, and by path id a path is named only for a file that may be kept; the choice must be
 * exactly that of sorting the whole list.
 */
import {describe, expect, it} from 'vitest';
import {TOP_PATHS, topFiles, topPaths} from '../../source/analysis/findings/finding.js';
import type {FileSystem} from '../../source/tree/filesystem.js';
import {prng} from '../fixtures/random.js';

const sorted = (items: Array<{path: string; bytes: number}>) =>
	[...items]
		.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
		.slice(0, TOP_PATHS)
		.map(({path, bytes}) => ({path, bytes}));

/** A filesystem of which topFiles reads only path names, counting them. */
function namer(names: string[]): {fs: FileSystem; asked: () => number} {
	let asked = 0;
	const fs = {paths: {pathOf: (id: number) => (asked++, names[id]!)}} as unknown as FileSystem;
	return {fs, asked: () => asked};
}

describe('the largest paths of a finding', () => {
	it('are those of the whole list sorted, whatever the ties and repeats, by path or by path id', () => {
		for (let seed = 1; seed <= 3000; seed++) {
			const random = prng(seed);
			const names = Array.from({length: 1 + Math.floor(random() * 30)}, (_, i) => `/p/${String.fromCharCode(97 + Math.floor(random() * 4))}${i % 7}`);
			const files = Array.from({length: Math.floor(random() * 40)}, () => ({id: Math.floor(random() * names.length), bytes: Math.floor(random() * 4) * 10}));
			const named = Array.from({length: Math.floor(random() * 6)}, () => ({path: names[Math.floor(random() * names.length)]!, bytes: Math.floor(random() * 4) * 10}));
			const withPaths = files.map(file => ({path: names[file.id]!, bytes: file.bytes}));
			expect(topPaths(withPaths), `seed ${seed}`).toEqual(sorted(withPaths));
			expect(topFiles(namer(names).fs, files, named), `seed ${seed}`).toEqual(sorted([...withPaths, ...named]));
		}
	});

	it('name only the files that may be among them', () => {
		const random = prng(5);
		const names = Array.from({length: 20_000}, (_, i) => `/usr/share/doc/p${i}/copyright`);
		const files = names.map((_, id) => ({id, bytes: Math.floor(random() * 1e9)}));
		const {fs, asked} = namer(names);
		expect(topFiles(fs, files)).toEqual(sorted(files.map(file => ({path: names[file.id]!, bytes: file.bytes}))));
		expect(asked()).toBeLessThan(200);
	});
});
