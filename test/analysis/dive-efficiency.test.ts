import {describe, expect, it} from 'vitest';
import {DiveTally, diveEfficiency} from '../../source/analysis/dive-efficiency.js';
import {loadImage} from '../../source/image/load.js';
import {knownAnswers, sampleImage} from '../interop/sample-image.js';
import {modelLayer} from './layers.js';

describe('dive-compatible efficiency', () => {
	it('keys paths as written, empty components included, whatever the entry before had as parent', () => {
		// Each path in both layers: every one is a key of its own, counted twice.
		const written = ['/a/b', '//b', '/a//b', '/a/b/', '/a/b/c', '/x/b', '/a/b'];
		const layer = (index: number) => modelLayer(index, written.map(path => ({path, size: 1})));
		// The tally alone: no runtime could stack these paths, but dive keys what the tar says.
		const tally = new DiveTally();
		tally.add(layer(0), []);
		tally.add(layer(1), []);
		const result = tally.result();
		// "/a/b" is the parent of "/a/b/c" and of "/a/b/" (a name "" below it): not a leaf.
		expect(result.inefficientFiles.map(file => file.path).sort()).toEqual(['//b', '/a//b', '/a/b/', '/a/b/c', '/x/b']);
		expect(result.inefficientFiles.every(file => file.count === 2)).toBe(true);
	});

	it('gives dive\'s own check case 0.75', () => {
		const layers = [
			modelLayer(0, [{path: '/etc/nginx/nginx.conf', size: 2000}, {path: '/etc/nginx/public', size: 3000}]),
			modelLayer(1, [{path: '/etc/nginx/nginx.conf', size: 5000}, {path: '/etc/athing', size: 10000}]),
			modelLayer(2, [], ['/etc/nginx']),
		];
		const result = diveEfficiency(layers);
		expect(result.score).toBe(0.75);
		// The whiteout deletes an implied directory: dive weighs it 0, and it is seen once.
		expect(result.inefficientFiles).toEqual([{path: '/etc/nginx/nginx.conf', count: 2, cumulativeBytes: 7000}]);
		expect(result.wastedBytes).toBe(7000);
	});

	it('weighs a whiteout of a real directory by the files it held', () => {
		const layers = [
			modelLayer(0, [{path: '/d', type: 'dir'}, {path: '/d/a', size: 100}, {path: '/d/sub/b', size: 50}]),
			modelLayer(1, [], ['/d', '/gone-file']),
		];
		const result = diveEfficiency(layers);
		expect(result.inefficientFiles).toEqual([]);
		// Keys: /d/a 100, /d/sub/b 50, whiteout /d 150, whiteout of a missing file 0.
		expect(result.score).toBe(1);
		expect(result.sizeBytes).toBe(150);
		expect(result.userSizeBytes).toBe(0);
		expect(result.userWastedPercent).toBe(0);
	});

	it('counts empty directories, symlinks and links as keys of size 0, not parents with children', () => {
		const layers = [
			modelLayer(0, [{path: '/empty', type: 'dir'}, {path: '/l', type: 'symlink', linkTarget: 'x'}, {path: '/full', type: 'dir'}, {path: '/full/f', size: 10}]),
			modelLayer(1, [{path: '/empty', type: 'dir'}, {path: '/l', type: 'symlink', linkTarget: 'y'}, {path: '/full', type: 'dir', mode: 0o700}]),
		];
		const result = diveEfficiency(layers);
		expect(result.inefficientFiles.map(f => f.path).sort()).toEqual(['/empty', '/l']);
		expect(result.wastedBytes).toBe(0);
		expect(result.score).toBe(1);
	});

	it('is 1 for an image with no bytes at all', () => {
		expect(diveEfficiency([modelLayer(0, [{path: '/d', type: 'dir'}])]).score).toBe(1);
	});

	it('matches what dive reports for the real sample image', async () => {
		const image = await loadImage(sampleImage('sample.oci'));
		// Worked out from the sizes the Containerfile writes (sample-image.ts), as dive weighs them.
		expect(diveEfficiency(image.layers)).toEqual(knownAnswers().dive);
	});
});
