import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Analysis} from '../../source/analysis/analyse.js';
import {loadAndAnalyse} from '../../source/cli/load-and-analyse.js';
import type {ComparisonTree} from '../../source/compare/comparison-tree.js';
import {compareImages, type Comparison} from '../../source/compare/comparison.js';
import {walkTree, type FsNode} from '../../source/tree/filesystem.js';
import {writeAppPair} from './image-pairs.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-comparison-tree-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let a: Analysis;
let b: Analysis;
let comparison: Comparison;
let tree: ComparisonTree;

beforeAll(async () => {
	const pair = await writeAppPair(scratch);
	[a, b] = [await loadAndAnalyse(pair.a.path, {cache: null}), await loadAndAnalyse(pair.b.path, {cache: null})];
	comparison = compareImages(a, b);
	tree = comparison.tree;
});

/** Every path of a filesystem with its node, worked out by walking it. */
const listing = (analysis: Analysis) => new Map<string, FsNode>([...walkTree(analysis.finalFiles.fs)]);
const bytes = (node: FsNode | undefined) => (node && (node.type === 'file' || node.type === 'hardlink') ? node.size : 0);

describe('ComparisonTree: two images as a TreeView of two steps', () => {
	it('lists the union of both sides, each path under its parent, children in name order', () => {
		const union = [...new Set([...listing(a).keys(), ...listing(b).keys()])];
		expect(tree.pathCount).toBe(union.length);
		for (const p of union) {
			const id = tree.idOf(p)!;
			expect(tree.pathOf(id)).toBe(p);
			expect(tree.pathOf(tree.parentOf(id))).toBe(p.slice(0, p.lastIndexOf('/')) || '/');
			const names = Array.from(tree.children(id), child => tree.nameOf(child));
			expect(names).toEqual([...names].sort());
		}
	});

	it('step 0 is image A and step 1 image B, node for node, with directory sizes the sums of what lies below', () => {
		for (const [step, analysis] of [[0, a], [1, b]] as const) {
			const nodes = listing(analysis);
			for (let id = 1; id <= tree.pathCount; id++) {
				const node = nodes.get(tree.pathOf(id));
				const state = tree.stateAt(id, step);
				expect(state === null ? null : {type: state.type, mode: state.mode, uid: state.uid, linkTarget: state.linkTarget}, tree.pathOf(id)).toEqual(node ? {type: node.type, mode: node.mode, uid: node.uid, linkTarget: node.linkTarget} : null);
				expect(tree.typeAt(id, step)).toBe(node?.type ?? null);
				const prefix = `${tree.pathOf(id)}/`;
				const expected = node?.type === 'dir' ? [...nodes].filter(([p]) => p.startsWith(prefix)).reduce((sum, [, n]) => sum + bytes(n), 0) : bytes(node);
				expect(tree.sizeAt(id, step), `${tree.pathOf(id)} at ${step}`).toBe(expected);
			}
		}
	});

	it('step 1 changes exactly what the comparison lists, and leads the browser to them', () => {
		const {files} = comparison;
		const listed = new Map(Array.from({length: files.length}, (_, i) => [files.path(i), {status: files.status(i), metadataOnly: files.metadataOnly(i)}]));
		for (let id = 1; id <= tree.pathCount; id++) expect(tree.changeAt(id, 1), tree.pathOf(id)).toEqual(listed.get(tree.pathOf(id)));
		expect(Array.from(tree.changedPaths(1), id => tree.pathOf(id)).sort()).toEqual([...listed.keys()].sort());
		// A child is on the way to a change when it is changed or something below it is.
		for (let id = 0; id <= tree.pathCount; id++) {
			const onTheWay = Array.from(tree.children(id)).filter(child => [...listed.keys()].some(p => p === tree.pathOf(child) || p.startsWith(`${tree.pathOf(child)}/`)));
			expect(Array.from(tree.changedChildren(id, 1))).toEqual(onTheWay);
		}
		const counts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
		for (const {status, metadataOnly} of listed.values()) counts[status === 'modified' && metadataOnly ? 'metadataOnly' : status]++;
		expect(tree.changeCounts(1)).toEqual(counts);
		// What a difference weighs: how much the bytes at or below the path changed, grown or shrunk.
		for (let id = 0; id <= tree.pathCount; id++) expect(tree.changeSize(id, 1)).toBe(Math.abs(tree.sizeAt(id, 1) - tree.sizeAt(id, 0)));
		expect(tree.changeSize(tree.root, 1)).toBe(Math.abs([...listing(b).values()].reduce((sum, n) => sum + bytes(n), 0) - [...listing(a).values()].reduce((sum, n) => sum + bytes(n), 0)));
	});
});
