/**
 * A rule that looks for a few words in a layer's paths (build-context-junk) searches all of them at once
 * (EntryTable.entriesMatching) instead of naming each path: it must find exactly the entries whose own
 * path matches, whatever the words that run from one path into the next, and whatever multibyte names.
 */
import {describe, expect, it} from 'vitest';
import {EntryTable} from '../../source/entry-table.js';
import type {LayerEntry} from '../../source/model.js';
import {prng} from '../fixtures/random.js';

const PATTERN = /\.git|node_modules\/|\.py[co]|\.log|(tests?|__tests__|spec)\//;
/** Pieces whose joins make words across paths: a path ending `.g` before one starting `it/`, `tes` before `ts/`. */
const PIECES = ['.g', 'it', '/', 'tes', 'ts', 'test', 's/', '.log', 'lo', 'g', 'node_modules', '.py', 'c', 'spec', 'é', '日本', '\u0130', 'a', '.', '__tests__'];

function table(paths: string[]): EntryTable {
	return EntryTable.from(paths.map((path): LayerEntry => ({path, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: 0})));
}

describe('the entries whose path holds a match', () => {
	it('are those whose own path matches, over random paths made of pieces that join into the words', () => {
		let found = 0;
		for (let seed = 1; seed <= 3000; seed++) {
			const random = prng(seed);
			const paths = Array.from({length: Math.floor(random() * 12)}, () => '/' + Array.from({length: 1 + Math.floor(random() * 5)}, () => PIECES[Math.floor(random() * PIECES.length)]).join(''));
			const expected = paths.flatMap((path, index) => (PATTERN.test(path) ? [index] : []));
			expect(table(paths).entriesMatching(PATTERN), `seed ${seed}: ${JSON.stringify(paths)}`).toEqual(expected);
			found += expected.length;
		}
		expect(found).toBeGreaterThan(2000);
	});

	it('a word that runs across two paths is in neither, and the next path is still searched from its start', () => {
		expect(table(['/x.g', 'it/.git/config', '/tes', 'ts/a', '/ok']).entriesMatching(PATTERN)).toEqual([1]);
		expect(table([]).entriesMatching(PATTERN)).toEqual([]);
	});
});
