/**
 * Issue 13: the compare view. The comparison of image-pairs.ts' v1 and v2, in the real Browser
 * (ink-testing-library): the differences with their markers and A → B sizes, largest change first, the
 * aligned layers and config beside them, B's and A's whole trees a step away, filtering, and the details
 * pane opening a change in the tree.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import prettyBytes from 'pretty-bytes';
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadAndAnalyse} from '../../source/cli/load-and-analyse.js';
import {compareImages, type Comparison} from '../../source/compare/comparison.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {comparisonSubject} from '../../source/ui/comparison-subject.js';
import {HOSTILE_LABEL, writeAppPair} from '../compare/image-pairs.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-compare-view-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let comparison: Comparison;
beforeAll(async () => {
	const pair = await writeAppPair(scratch);
	comparison = compareImages(await loadAndAnalyse(pair.a.path, {cache: null}), await loadAndAnalyse(pair.b.path, {cache: null}));
});

const plain = (app: {lastFrame: () => string | undefined}) => stripVTControlCharacters(app.lastFrame() ?? '');
const tick = () => new Promise(resolve => setTimeout(resolve, 40));
const KEYS = {down: '\u001B[B', up: '\u001B[A', tab: '\t', enter: '\r', ctrlA: '\u0001', ctrlL: '\u000C', escape: '\u001B'};

function open(width = 150, height = 45) {
	return render(<Browser subject={comparisonSubject(comparison)} width={width} height={height} style={createStyle(false)} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, fold: 'none'}} initial={{layer: 1, view: 'layer', sort: 'size', focus: 'files'}} />);
}

/** The file pane's rows: the text right of the rule, from the third line on. */
const treeRows = (frame: string) => frame.split('\n').slice(2).map(line => line.split('│').slice(1).join('│')).filter(line => /[├└]── /.test(line));
const row = (frame: string, name: string) => treeRows(frame).find(line => line.endsWith(`── ${name}`) || line.includes(`── ${name} `));

describe('the compare view', () => {
	it('shows the differences with markers, both sizes and the change, largest change first', async () => {
		const app = open();
		await tick();
		const frame = app.lastFrame()!;
		expect(frame).toContain('Files: differences A → B · by size');
		expect(frame).toMatch(/A {12}B {5}change {2}Name/);
		expect(row(frame, 'libnew.so')).toMatch(new RegExp(`^\\+ .*0 B →  +${prettyBytes(20_000)} +\\+${prettyBytes(20_000)}`));
		expect(row(frame, 'fixture.json')).toMatch(new RegExp(`^- .*${prettyBytes(800)} →  +0 B +−${prettyBytes(800)}`));
		expect(row(frame, 'main.js')).toMatch(/^~ /);
		expect(row(frame, 'os-release')).toMatch(/^\* /);
		expect(frame).toContain('(mode, owner: no room)');
		// Unchanged paths are not differences.
		expect(row(frame, 'libc.so')).toBeUndefined();
		// Largest change first, at the top level: /usr (+20 kB), /app (+10.2 kB), /opt (−7 kB), /srv (−6.5 kB).
		const top = treeRows(frame).filter(line => line.split(/[├└]── /)[0]!.trimEnd().endsWith('B')).map(line => line.split(/[├└]── /)[1]);
		expect(top.slice(0, 4)).toEqual(['usr', 'app', 'opt', 'srv']);
		// Beside it: the two images, the aligned layers, the config.
		expect(frame).toMatch(/A {2}.*app-v1 · 2 layers/);
		expect(frame).toMatch(/B {2}example\.test\/app:2 · 3 layers · .*\(\+/);
		expect(frame).toMatch(/= {3}0 .*RUN step 1/);
		expect(frame).toMatch(/A {3}1 .*RUN step 2/);
		expect(frame).toMatch(/B {3}2 .*RUN step 3/);
		expect(frame).toContain('user: "root" → "app"');
		expect(frame).toContain(`labels ${escapeForTerminal(HOSTILE_LABEL.key)}`);
		expect(frame).not.toMatch(/\u001B\]|\u0007/);
		app.unmount();
	});

	it('shows B whole with the differences marked, and A a step away', async () => {
		const app = open();
		await tick();
		// The images pane: Ctrl+A shows the whole of the step, with its differences marked.
		app.stdin.write(KEYS.tab);
		await tick();
		app.stdin.write(KEYS.tab);
		await tick();
		app.stdin.write(KEYS.ctrlA);
		await tick();
		let frame = app.lastFrame()!;
		expect(frame).toContain('Files: image B, differences marked');
		expect(row(frame, 'libc.so')).toMatch(new RegExp(`^  .*${prettyBytes(50_000)} →  +${prettyBytes(50_000)} +0 B`));
		expect(row(frame, 'libnew.so')).toMatch(/^\+ /);
		// Up in the images pane: image A.
		app.stdin.write(KEYS.up);
		await tick();
		frame = app.lastFrame()!;
		expect(frame).toContain('Files: image A');
		expect(row(frame, 'fixture.json')).toBeDefined();
		expect(row(frame, 'libnew.so')).toBeUndefined();
		app.unmount();
	});

	it('says that w has no waste to walk in a comparison, rather than that the image has none', async () => {
		const app = open();
		await tick();
		app.stdin.write('w');
		await tick();
		expect(plain(app)).toContain('a comparison has no waste of its own');
		expect(plain(app)).not.toContain('every stored byte is in the final filesystem');
		app.unmount();
	});

	it('filters the differences as the browser filters a layer', async () => {
		const app = open();
		await tick();
		for (const key of ['/', 't', 'w', 'i', 'n']) {
			app.stdin.write(key);
			await tick();
		}
		const frame = plain(app);
		expect(frame).toContain('filter: twin▏ (3 matches)');
		expect(treeRows(frame).map(line => line.split(/[├└]── /)[1]).filter(name => name?.startsWith('twin'))).toEqual(['twin-1', 'twin-2', 'twin-3']);
		expect(row(frame, 'libnew.so')).toBeUndefined();
		app.unmount();
	});

	it('lists every change in the details pane, and Enter opens one in the tree', async () => {
		const app = open(100, 30);
		await tick();
		app.stdin.write(KEYS.tab);
		await tick();
		expect(app.lastFrame()).toMatch(/Details · 1 of \d+/);
		// The first stop is the largest change.
		expect(app.lastFrame()).toContain('/usr/lib/libnew.so');
		app.stdin.write(KEYS.enter);
		await tick();
		await tick();
		const frame = app.lastFrame()!;
		expect(frame.split('\n').find(line => /│[ +~*-]>/.test(line))).toMatch(/└── libnew\.so$/);
		app.unmount();
	});
});
