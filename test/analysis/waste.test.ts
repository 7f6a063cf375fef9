import {describe, expect, it} from 'vitest';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import {wasteReport} from '../../source/analysis/waste.js';
import {FinalFiles} from '../../source/analysis/final-files.js';
import {loadImage} from '../../source/image/load.js';
import type {Image, Layer, LayerEntry} from '../../source/model.js';
import {ApplyError, walkTree, type FsNode} from '../../source/tree/filesystem.js';
import {knownAnswers, sampleImage, SIZES} from '../interop/sample-image.js';
import {modelLayer, randomStack} from './layers.js';
import {prng} from '../fixtures/random.js';

function imageOf(layers: Layer[]): Image {
	return {layers} as Image;
}

function report(layers: Layer[]) {
	const history = buildLayerHistory(layers);
	return {history, waste: wasteReport(imageOf(layers), history)};
}

describe('reclaimable bytes', () => {
	it('attributes each cause of waste to the layer that stored it and the layer that killed it', () => {
		const {waste} = report([
			modelLayer(0, [
				{path: '/rm-me', size: 100, digest: 'a'},
				{path: '/rewrite', size: 200, digest: 'b'},
				{path: '/chmod', size: 300, digest: 'c'},
				{path: '/becomes-dir', size: 400, digest: 'd'},
				{path: '/opq/x', size: 500, digest: 'e'},
				{path: '/parent/child', size: 600, digest: 'f'},
			]),
			modelLayer(1, [
				{path: '/rewrite', size: 250, digest: 'b2'},
				{path: '/chmod', size: 300, digest: 'c', mode: 0o755},
				{path: '/becomes-dir', type: 'dir'},
				{path: '/opq/new', size: 1, digest: 'g'},
			], ['/rm-me', '/parent'], ['/opq']),
		]);
		expect(waste.byCause).toEqual({removed: 100 + 500 + 600, overwritten: 200, duplicate: 300, replaced: 400});
		expect(waste.reclaimableBytes).toBe(2100);
		expect(waste.byLayer).toEqual([
			{layer: 0, storedDeadBytes: 2100, killedBytes: 0, killedBy: [1], kills: []},
			{
				layer: 1,
				storedDeadBytes: 0,
				killedBytes: 2100,
				killedBy: [],
				kills: expect.arrayContaining([
					{cause: 'removed', bytes: 1200, storedIn: [0]},
					{cause: 'overwritten', bytes: 200, storedIn: [0]},
					{cause: 'duplicate', bytes: 300, storedIn: [0]},
					{cause: 'replaced', bytes: 400, storedIn: [0]},
				]),
			},
		]);
		expect(waste.files[0]).toMatchObject({path: '/parent/child', size: 600, storedIn: 0, killedBy: 1, cause: 'removed'});
	});

	it('counts the earlier of repeated entries in one layer as killed by that layer', () => {
		const {waste} = report([modelLayer(0, [{path: '/f', size: 10, digest: 'x'}, {path: '/f', size: 20, digest: 'y'}])]);
		expect(waste.files).toEqual([{path: '/f', size: 10, digest: 'x', storedIn: 0, killedBy: 0, cause: 'overwritten'}]);
	});

	it('keeps bytes alive while a hard link still shows them', () => {
		const {waste, history} = report([
			modelLayer(0, [{path: '/a', size: 1000, digest: 'a'}]),
			modelLayer(1, [{path: '/b', type: 'hardlink', linkTarget: '/a'}]),
			modelLayer(2, [], ['/a']),
		]);
		expect(waste.reclaimableBytes).toBe(0);
		expect(history.liveBytes).toBe(1000);
		const {waste: gone} = report([
			modelLayer(0, [{path: '/a', size: 1000, digest: 'a'}]),
			modelLayer(1, [{path: '/b', type: 'hardlink', linkTarget: '/a'}]),
			modelLayer(2, [], ['/a', '/b']),
		]);
		expect(gone.files).toEqual([{path: '/b', size: 1000, digest: 'a', storedIn: 0, killedBy: 2, cause: 'removed'}]);
	});

	it('reports identical content at several final paths as copies, hard links excepted', () => {
		const {waste} = report([
			modelLayer(0, [
				{path: '/one', size: 70, digest: 'same'},
				{path: '/two', size: 70, digest: 'same'},
				{path: '/three', size: 70, digest: 'same'},
				{path: '/link', type: 'hardlink', linkTarget: '/one'},
				{path: '/other', size: 5, digest: 'other'},
			]),
		]);
		expect(waste.copies).toEqual([{digest: 'same', size: 70, paths: ['/one', '/three', '/two'], extraBytes: 140}]);
		expect(waste.reclaimableBytes).toBe(0);
	});

	it('gives the known answer for the real sample image', async () => {
		const image = await loadImage(sampleImage('sample.docker.tar'));
		const waste = wasteReport(image, buildLayerHistory(image.layers));
		const known = knownAnswers();
		expect(waste).toMatchObject({reclaimableBytes: known.reclaimableBytes, storedBytes: known.storedBytes, finalBytes: known.finalBytes});
		expect(known.reclaimableBytes).toBe(known.duplicateBytes + known.removedBytes);
		expect(waste.byCause).toEqual({removed: known.removedBytes, overwritten: 0, duplicate: known.duplicateBytes, replaced: 0});
		const [duplicate, removed] = [known.duplicateBytes, known.removedBytes];
		expect(waste.byLayer.map(l => [l.storedDeadBytes, l.killedBytes])).toEqual([[0, 0], [duplicate, 0], [0, duplicate], [removed, 0], [0, removed]]);
		expect(waste.copies).toEqual([expect.objectContaining({paths: ['/app/data.bin', '/app/data.link'], extraBytes: SIZES.dataBin})]);
	});
});


describe('the reclaimable identity on random layer stacks', () => {
	it('Σ stored − final = Σ dead bytes, and final bytes are the unique content left', () => {
		let checked = 0;
		for (let seed = 1; seed <= 2000; seed++) {
			const layers = randomStack(prng(seed));
			let result;
			try {
				result = report(layers);
			} catch (error) {
				if (error instanceof ApplyError) continue; // a stack no runtime would apply
				throw error;
			}
			const {history, waste} = result;
			const stored = layers.reduce((sum, layer) => sum + layer.contentSize, 0);
			const unique = new Map<number, number>();
			for (const [, node] of walkTree(history.final)) if (node.content !== undefined) unique.set(node.content, node.size);
			const finalBytes = [...unique.values()].reduce((sum, size) => sum + size, 0);
			const dead = history.deaths.reduce((sum, death) => sum + death.size, 0);
			expect(history.storedBytes, `seed ${seed}`).toBe(stored);
			expect(history.liveBytes, `seed ${seed}`).toBe(finalBytes);
			expect(waste.reclaimableBytes, `seed ${seed}`).toBe(stored - finalBytes);
			expect(dead, `seed ${seed}`).toBe(waste.reclaimableBytes);
			expect(Object.values(waste.byCause).reduce((a, b) => a + b, 0), `seed ${seed}`).toBe(dead);
			checked++;
		}
		expect(checked).toBeGreaterThan(500);
	});

	it('finds the same copies over the compact walk as over one node per path, digests whose first 32 bits collide told apart', () => {
		// Contents 0 and 1 share their digests' first four bytes (one key in the first pass); every third seed uses non-hex digests.
		const hex = (n: number) => (n < 2 ? 'ab12cd34' : 'ef56ab78') + String(n).repeat(56);
		let withCopies = 0;
		let collided = 0;
		for (let seed = 1; seed <= 12_000; seed++) {
			const layers = randomStack(prng(seed), seed % 3 === 0 ? undefined : hex);
			let history;
			try {
				history = buildLayerHistory(layers);
			} catch (error) {
				if (error instanceof ApplyError) continue;
				throw error;
			}
			const compact = wasteReport(imageOf(layers), history, new FinalFiles(history.final)).copies;
			const nodes = wasteReport(imageOf(layers), history, [...walkTree(history.final)]).copies;
			expect(compact, `seed ${seed}`).toEqual(nodes);
			if (compact.length > 0) withCopies++;
			if (new Set(compact.map(group => group.digest.slice(0, 8))).size < compact.length) collided++;
		}
		expect(withCopies).toBeGreaterThan(300);
		expect(collided, `${collided} of ${withCopies}`).toBeGreaterThan(1);
	});
});
