import {render} from 'ink-testing-library';
import prettyBytes from 'pretty-bytes';
import React from 'react';
import {describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import {createStyle} from '../../source/report/style.js';
import type {ChangeCounts, TreeChange, TreeEntryType, TreeNodeState, TreeView} from '../../source/tree/tree-view.js';
import {Browser} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {modelLayer} from '../analysis/layers.js';
import {modelImage} from './model-image.js';

/**
 * A second TreeView, not LayerTrees: two steps written out by hand, the way a
 * comparison of two images would give them (step 0: image A, step 1: image
 * B), every answer worked out naively from the two lists. The browser must
 * show it without knowing it is not an image's layers.
 */
type Entry = {type: TreeEntryType; size?: number; mode?: number};
const STEPS: Array<Record<string, Entry>> = [
	{
		'/bin': {type: 'dir'},
		'/bin/tool': {type: 'file', size: 5_000},
		'/etc': {type: 'dir'},
		'/etc/app.conf': {type: 'file', size: 1_000},
		'/etc/hosts': {type: 'file', size: 300, mode: 0o644},
	},
	{
		'/bin': {type: 'dir'},
		'/etc': {type: 'dir'},
		'/etc/app.conf': {type: 'file', size: 2_000},
		'/etc/hosts': {type: 'file', size: 300, mode: 0o600},
		'/srv': {type: 'dir'},
		'/srv/data': {type: 'file', size: 30_000},
	},
];

class TwoImages implements TreeView {
	readonly root = 0;
	readonly stepCount = STEPS.length;
	private readonly paths = ['/', ...new Set(STEPS.flatMap(step => Object.keys(step)))].sort();
	readonly pathCount = this.paths.length - 1;

	idOf(path: string) {
		const id = this.paths.indexOf(path);
		return id === -1 ? undefined : id;
	}

	pathOf(id: number) {
		return this.paths[id]!;
	}

	nameOf(id: number) {
		return id === 0 ? '' : this.paths[id]!.split('/').at(-1)!;
	}

	parentOf(id: number) {
		if (id === 0) return -1;
		const path = this.paths[id]!;
		return this.idOf(path.slice(0, path.lastIndexOf('/')) || '/')!;
	}

	children(id: number) {
		return this.paths.map((_, child) => child).filter(child => child !== 0 && this.parentOf(child) === id);
	}

	private entry(id: number, step: number): Entry | undefined {
		return id === 0 ? {type: 'dir'} : STEPS[step]?.[this.paths[id]!];
	}

	stateAt(id: number, step: number): TreeNodeState | null {
		const entry = this.entry(id, step);
		return entry ? {type: entry.type, mode: entry.mode ?? 0o755, uid: 0, gid: 0, size: entry.size ?? 0, layer: step} : null;
	}

	typeAt(id: number, step: number) {
		return this.entry(id, step)?.type ?? null;
	}

	sizeAt(id: number, step: number): number {
		const entry = this.entry(id, step);
		if (!entry) return 0;
		return entry.type === 'dir' ? this.children(id).reduce((sum, child) => sum + this.sizeAt(child, step), 0) : (entry.size ?? 0);
	}

	changeAt(id: number, step: number): TreeChange | undefined {
		if (id === 0) return undefined;
		const before = step === 0 ? undefined : this.entry(id, step - 1);
		const after = this.entry(id, step);
		if (!before && !after) return undefined;
		if (!before) return {status: 'added', metadataOnly: false};
		if (!after) return {status: 'removed', metadataOnly: false};
		if (before.type === after.type && before.size === after.size && before.mode === after.mode) return undefined;
		return {status: 'modified', metadataOnly: before.type === after.type && before.size === after.size};
	}

	changedPaths(step: number) {
		return this.paths.map((_, id) => id).filter(id => this.changeAt(id, step));
	}

	changedChildren(id: number, step: number) {
		return this.children(id).filter(child => this.changeAt(child, step) || this.changedChildren(child, step).length > 0);
	}

	changeSize(id: number, step: number): number {
		const below = this.changedChildren(id, step);
		if (below.length > 0) return below.reduce((sum, child) => sum + this.changeSize(child, step), 0);
		const change = this.changeAt(id, step);
		if (!change) return 0;
		return change.status === 'removed' ? this.sizeAt(id, step - 1) : this.sizeAt(id, step);
	}

	changeCounts(step: number): ChangeCounts {
		const counts = {added: 0, modified: 0, metadataOnly: 0, removed: 0};
		for (const id of this.changedPaths(step)) {
			const change = this.changeAt(id, step)!;
			if (change.status === 'modified') counts[change.metadataOnly ? 'metadataOnly' : 'modified']++;
			else if (change.status === 'added' || change.status === 'removed') counts[change.status]++;
		}
		return counts;
	}
}

/** The panes beside the tree still come from an analysis: one of two layers whose own files are not in the tree. */
function twoLayerAnalysis() {
	const image = modelImage([modelLayer(0, [{path: '/elsewhere/a', size: 10}]), modelLayer(1, [{path: '/elsewhere/b', size: 20}])], 'a-vs-b:1');
	image.history.forEach((step, index) => (step.createdBy = `image ${index === 0 ? 'A' : 'B'}`));
	return analyseImage(image);
}

const tick = () => new Promise(resolve => setTimeout(resolve, 40));
const KEYS = {down: '\u001B[B', up: '\u001B[A', tab: '\t', ctrlL: '\u000C', ctrlA: '\u0001'};

describe('the browser reads trees through a TreeView', () => {
	it('browses a hand-made two-step tree: rows, sizes, change marks, a step switch and the layer view', async () => {
		const tree = new TwoImages();
		const app = render(<Browser analysis={twoLayerAnalysis()} tree={tree} width={120} height={30} style={createStyle(false)} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, fold: 'none'}} />);
		await tick();
		const treeRows = () =>
			(app.lastFrame() ?? '')
				.split('\n')
				.map(line => line.slice(line.indexOf('│') + 1))
				.filter(line => /[├└]── /.test(line))
				.map(line => line.trimEnd());
		const row = (name: string) => treeRows().find(line => line.endsWith(` ${name}`)) ?? '';

		// Step 0, the first image: everything it holds is added, directories weigh what is below them.
		expect(app.lastFrame()).toContain('Files: filesystem after layer 0');
		expect(treeRows().map(line => line.split(/[├└]── /)[1])).toEqual(['bin', 'tool', 'etc', 'app.conf', 'hosts']);
		expect(row('bin')).toMatch(/^\+ d/);
		expect(row('bin')).toContain(prettyBytes(5_000));
		expect(row('etc')).toContain(prettyBytes(1_300));
		expect(row('hosts')).toMatch(/^\+ -rw-r--r--/);
		expect(app.lastFrame()).not.toContain('elsewhere');

		// The next step: what changed is marked, what went is still shown as it was, sizes are the new ones.
		app.stdin.write(KEYS.down);
		await tick();
		expect(app.lastFrame()).toContain('Files: filesystem after layer 1');
		expect(app.lastFrame()).toContain('+2 added  ~1 modified  *1 mode/owner  -1 removed');
		expect(row('tool')).toMatch(new RegExp(`^- .*${prettyBytes(5_000)}`));
		expect(row('app.conf')).toMatch(new RegExp(`^~ .*${prettyBytes(2_000)}`));
		expect(row('hosts')).toMatch(/^\* -rw------- /);
		expect(row('data')).toMatch(new RegExp(`^\\+ .*${prettyBytes(30_000)}`));
		expect(row('srv')).toContain(prettyBytes(30_000));
		expect(row('etc')).toContain(prettyBytes(2_300));

		// Only what the step changed, each directory weighing its changes.
		app.stdin.write(KEYS.ctrlL);
		await tick();
		expect(app.lastFrame()).toContain('Files: changes in layer 1');
		expect(treeRows().map(line => line.split(/[├└]── /)[1])).toEqual(['bin', 'tool', 'etc', 'app.conf', 'hosts', 'srv', 'data']);
		expect(row('bin')).toContain(prettyBytes(5_000));
		expect(row('etc')).toContain(prettyBytes(2_300));

		// And back to the first step, whose changes are its whole content.
		app.stdin.write(KEYS.up);
		await tick();
		expect(app.lastFrame()).toContain('Files: changes in layer 0');
		expect(treeRows().map(line => line.split(/[├└]── /)[1])).toEqual(['bin', 'tool', 'etc', 'app.conf', 'hosts']);
		app.unmount();
	});

	it('filters and finds in it as in an image', async () => {
		const tree = new TwoImages();
		const app = render(<Browser analysis={twoLayerAnalysis()} tree={tree} width={120} height={30} style={createStyle(false)} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, layer: 'last', fold: 'none'}} />);
		await tick();
		for (const key of ['/', 'c', 'o', 'n', 'f']) {
			app.stdin.write(key);
			await tick();
		}
		expect(app.lastFrame()).toContain('filter: conf');
		expect(app.lastFrame()).toContain('(1 match)');
		expect(app.lastFrame()).toContain('app.conf');
		expect(app.lastFrame()).not.toContain('hosts');
		// Find leaves the tree whole and puts the cursor on the match.
		for (const key of ['\u001B', 'f', 'd', 'a', 't', 'a', '\r']) {
			app.stdin.write(key);
			await tick();
		}
		expect(app.lastFrame()).toContain('hosts');
		expect((app.lastFrame() ?? '').split('\n').find(line => /│[ +~*-]>/.test(line))).toMatch(/└── data$/);
		app.unmount();
	});
});
