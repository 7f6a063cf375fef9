import {describe, expect, it} from 'vitest';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import {LayerTrees} from '../../source/analysis/layer-trees.js';
import {loadImage} from '../../source/image/load.js';
import type {Layer, LayerEntry} from '../../source/model.js';
import {ApplyError, FileSystem, walkTree} from '../../source/tree/filesystem.js';
import {knownAnswers, sampleImage, SIZES} from '../interop/sample-image.js';
import {modelLayer} from './layers.js';

/** The obvious, slow way: stack layers 0..N into a fresh filesystem. */
function stackedAt(layers: Layer[], upTo: number): FileSystem {
	const fs = new FileSystem();
	for (const layer of layers.slice(0, upTo + 1)) fs.apply(layer, layer.index);
	return fs;
}

function visibleBytes(fs: FileSystem, id: number): number {
	const type = fs.typeOf(id);
	if (type === 'file' || type === 'hardlink') return fs.sizeOf(id);
	let bytes = 0;
	if (type === 'dir') for (const child of fs.childIds(id)) bytes += visibleBytes(fs, child);
	return bytes;
}

/** Checks every layer's aggregated tree against a freshly stacked filesystem, node by node. */
function expectSameAsStacking(layers: Layer[]): void {
	const trees = new LayerTrees(buildLayerHistory(layers));
	for (let layer = 0; layer < layers.length; layer++) {
		const fs = stackedAt(layers, layer);
		const expected = [...walkTree(fs)].map(([p, node]) => [p, node.type, node.mode, node.size, visibleBytes(fs, node.id)]);
		const actual: unknown[] = [];
		const visit = (id: number) => {
			for (const child of trees.children(id)) {
				const state = trees.stateAt(child, layer);
				expect(trees.typeAt(child, layer)).toBe(state?.type ?? null);
				if (!state) continue;
				actual.push([trees.pathOf(child), state.type, state.mode, state.size, trees.sizeAt(child, layer)]);
				visit(child);
			}
		};
		visit(trees.root);
		expect(actual, `layer ${layer}`).toEqual(expected);
		expect(trees.sizeAt(trees.root, layer), `root size at ${layer}`).toBe(visibleBytes(fs, 0));
	}
}

/** Checks every layer's changes against the layer history's own list: statuses, counts, and the bytes each change weighs. */
function expectChangesAsRecorded(layers: Layer[]): void {
	const history = buildLayerHistory(layers);
	const trees = new LayerTrees(history);
	const contentOf = (state: {type: string; size: number} | null) => (state && (state.type === 'file' || state.type === 'hardlink') ? state.size : 0);
	history.changes.forEach((list, layer) => {
		const counts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
		const recorded = new Map<number, number>();
		const changes = [...list];
		for (const change of changes) {
			const id = trees.idOf(change.path)!;
			// The tree's ids are the analysis' own.
			expect(history.final.paths.pathOf(id), change.path).toBe(change.path);
			expect(trees.changeAt(id, layer), change.path).toEqual({status: change.status, metadataOnly: change.metadataOnly});
			// A path weighs what the layer's changes below it weigh, or when there are none, its own new (or removed) bytes.
			const below = changes.filter(other => other.path.startsWith(`${change.path === '/' ? '' : change.path}/`));
			const weight = below.length > 0 ? below.reduce((sum, other) => sum + contentOf(other.after ?? other.before), 0) : contentOf(change.after ?? change.before);
			expect(trees.changeSize(id, layer), change.path).toBe(weight);
			if (change.status === 'removed') expect(trees.stateAt(id, layer - 1), change.path).toMatchObject({type: change.before!.type, size: change.before!.size});
			if (change.status === 'modified') counts[change.metadataOnly ? 'metadataOnly' : 'modified']++;
			else if (change.status === 'added' || change.status === 'removed') counts[change.status]++;
			recorded.set(id, 1);
		}
		expect([...trees.changedPaths(layer)].sort()).toEqual([...recorded.keys()].sort());
		expect(trees.changeCounts(layer)).toEqual(counts);
		// What the layer did not touch, it did not change.
		for (let id = 1; id < trees.pathCount; id++) if (!recorded.has(id) && trees.idOf(trees.pathOf(id)) === id) expect(trees.changeAt(id, layer)).toBeUndefined();
	});
}

describe('LayerTrees', () => {
	it('gives every layer\'s filesystem as stacking would, directory sizes included', async () => {
		const image = await loadImage(sampleImage('sample.oci'));
		expectSameAsStacking(image.layers);
		expectChangesAsRecorded(image.layers);
	});

	it('shows a layer\'s changes with removed paths still visible at the size they had', async () => {
		const image = await loadImage(sampleImage('sample.oci'));
		const trees = new LayerTrees(buildLayerHistory(image.layers));
		const names = (id: number, layer: number) => trees.changedChildren(id, layer).map(child => trees.nameOf(child));
		const blob = trees.idOf('/var/cache/tool/blob')!;
		expect(names(trees.root, 4)).toEqual(['var']);
		expect(names(trees.idOf('/var/cache/tool')!, 4)).toEqual(['blob']);
		expect(trees.changeAt(blob, 4)).toEqual({status: 'removed', metadataOnly: false});
		expect(trees.changeSize(blob, 4)).toBe(SIZES.cacheBlob);
		expect(trees.stateAt(blob, 4)).toBeNull();
		expect(trees.stateAt(blob, 3)).toMatchObject({size: SIZES.cacheBlob});
		expect(trees.changeSize(trees.idOf('/var')!, 4)).toBe(SIZES.cacheBlob);
		expect(trees.changeAt(trees.idOf('/app/data.bin')!, 2)).toMatchObject({status: 'modified', metadataOnly: true});
		expect(trees.changeSize(trees.root, 2)).toBe(knownAnswers().duplicateBytes);
	});

	it('matches stacking on random layer stacks', () => {
		let checked = 0;
		for (let seed = 1; seed <= 300; seed++) {
			const layers = randomLayers(seed);
			try {
				stackedAt(layers, layers.length - 1);
			} catch (error) {
				if (error instanceof ApplyError) continue;
				throw error;
			}
			expectSameAsStacking(layers);
			expectChangesAsRecorded(layers);
			checked++;
		}
		expect(checked).toBeGreaterThan(100);
	});
});

function randomLayers(seed: number): Layer[] {
	let state = seed;
	const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
	const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
	const names = ['/a', '/d', '/d/x', '/d/e/y', '/d/e/z', '/s', '/s/t/u'];
	return Array.from({length: 1 + Math.floor(random() * 4)}, (_, index) => {
		const entries: Array<Partial<LayerEntry> & {path: string}> = [];
		for (let i = Math.floor(random() * 5); i > 0; i--) {
			const at = pick(names);
			const kind = random();
			if (kind < 0.6) entries.push({path: at, size: Math.floor(random() * 5) * 10, mode: pick([0o644, 0o600])});
			else if (kind < 0.8) entries.push({path: at, type: 'dir'});
			else entries.push({path: at, type: 'hardlink', linkTarget: pick(names)});
		}
		return modelLayer(index, entries, random() < 0.3 ? [pick(names)] : [], random() < 0.15 ? ['/d'] : []);
	});
}
