/**
 * Issue 15: the browser's packages list (p) and the selected file's package, in the real Browser
 * (ink-testing-library) at 80×24, on an image with a dpkg database (test/ui/package-image.ts).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadAndAnalyse} from '../../source/cli/load-and-analyse.js';
import {compareImages} from '../../source/compare/comparison.js';
import {loadImage} from '../../source/image/load.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {createStyle} from '../../source/report/style.js';
import {Browser, type BrowserProps} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {columns} from '../../source/ui/columns.js';
import {comparisonSubject} from '../../source/ui/comparison-subject.js';
import {LayerTrees} from '../../source/analysis/layer-trees.js';
import {browserPackages} from '../../source/ui/packages-pane.js';
import {initialState} from '../../source/ui/view-state.js';
import {visibleRows} from '../../source/ui/visible-rows.js';
import {writeAppPair} from '../compare/image-pairs.js';
import {repoRoot} from '../helpers/paths.js';
import {writeImage} from '../fixtures/image-writer.js';
import {file} from '../packages/databases.js';
import {HOSTILE_PACKAGE, JQ_FILES, writePackageImage} from './package-image.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-packages-view-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(await writePackageImage(path.join(scratch, 'packages.tar'))));
});

const KEYS = {down: '\u001B[B', up: '\u001B[A', tab: '\t', enter: '\r', escape: '\u001B', end: '\u001B[F', pageDown: '\u001B[6~'};
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function mount(props: Partial<BrowserProps> = {}, width = 80, height = 24) {
	const app = render(<Browser analysis={analysis} width={width} height={height} style={createStyle(false)} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, layer: 'last'}} {...props} />);
	const frames: string[] = [];
	const frame = () => app.lastFrame() ?? '';
	/** Until the frame stops changing: every render a key asked for is done. */
	const settle = async () => {
		let last = frame();
		for (let quiet = 0; quiet < 3; ) {
			await sleep(30);
			quiet = frame() === last ? quiet + 1 : 0;
			last = frame();
		}
		frames.push(last);
	};
	const press = async (...keys: string[]) => {
		for (const key of keys) {
			app.stdin.write(key);
			await settle();
			// Escape followed at once by a letter reads as Alt+letter.
			if (key === KEYS.escape) await sleep(150);
		}
	};
	const right = () => frame().split('\n').map(line => line.split('│').slice(1).join('│'));
	const title = () => right()[0]!;
	/** The packages list's rows: below the title, the header and the unowned line. */
	const packageRows = () => right().slice(3, height - 1).filter(line => line.trim() !== '');
	const selected = () => right().find(line => line.startsWith('>') || line[1] === '>');
	const leftBottom = () => frame().split('\n')[height - 2]!.split('│')[0]!.trim();
	const statusBar = () => frame().split('\n')[height - 1]!;
	/** Every frame drawn fits the terminal. */
	const fitted = () => {
		for (const drawn of frames) {
			const lines = drawn.split('\n');
			expect(lines).toHaveLength(height);
			for (const line of lines) expect(columns(line), line).toBeLessThanOrEqual(width);
		}
	};
	return {app, press, settle, frame, frames, fitted, title, packageRows, selected, leftBottom, statusBar};
}

/** The tree's leaves as paths, read back from the guides (four columns a level). */
function leafPaths(rows: string[]): string[] {
	const tree = rows.filter(row => /[├└]── /.test(row));
	// The first row is at the top level: its connector's column is depth 0.
	const connector = (row: string) => Math.max(row.indexOf('├── '), row.indexOf('└── '));
	const base = tree.length > 0 ? connector(tree[0]!) : 0;
	const parsed = tree.map(row => ({depth: (connector(row) - base) / 4, name: row.slice(connector(row) + 4).replace(/  ✝ .*$/, '')}));
	const stack: string[] = [];
	const leaves: string[] = [];
	parsed.forEach((row, at) => {
		stack.length = row.depth;
		stack.push(row.name);
		if ((parsed[at + 1]?.depth ?? -1) <= row.depth) leaves.push(`/${stack.join('/')}`);
	});
	return leaves;
}

/** The package's files by the analysis' own owners array: path ids whose first listing package it is. */
function ownedPaths(index: number): string[] {
	const paths: string[] = [];
	analysis.packages.owners.forEach((owner, id) => {
		if (owner === index + 1) paths.push(analysis.history.final.pathOf(id));
	});
	return paths.sort();
}

const label = (index: number) => {
	const record = analysis.packages.packages[index]!;
	return `${escapeForTerminal(record.name)} ${escapeForTerminal(record.version)} (${record.ecosystem})`;
};

describe('the packages list (p)', () => {
	it('lists the packages largest first with their sizes, files and layer, and the unowned bytes; only the rows that fit; every frame fits 80×24', async () => {
		const view = mount();
		await view.settle();
		await view.press('p');
		expect(view.title()).toMatch(new RegExp(`^Packages \\(${analysis.packages.packages.length}\\)`));
		expect(view.frame()).toContain('Package (largest first)');
		expect(view.frame()).toContain('in no package');
		const rows = view.packageRows();
		expect(rows).toHaveLength(24 - 1 - 3);
		// Largest first, as the report orders them: each row names the next package (as far as the pane shows it).
		rows.forEach((row, at) => expect(row, `row ${at}`).toContain(label(at).slice(0, 12)));
		const jq = analysis.packages.packages[0]!;
		expect(rows[0]).toMatch(new RegExp(`^> +34 kB +${jq.files} +${jq.layer}  jq 1\\.6-2\\.1 \\(deb\\) amd64`));
		// The cursor moves; the list scrolls to keep it on screen; End reaches the last package (a removed or upgraded one, which says so).
		await view.press(KEYS.down, KEYS.down);
		expect(view.selected()).toContain(label(2).slice(0, 12));
		await view.press(KEYS.pageDown);
		expect(view.selected()).toContain(label(2 + rows.length).slice(0, 12));
		await view.press(KEYS.end);
		const last = analysis.packages.packages.length - 1;
		expect(view.selected()).toContain(label(last).slice(0, 12));
		expect(view.selected()).toMatch(/^> +(removed|upgraded) +- +0  /);
		expect(view.packageRows()).toHaveLength(rows.length);
		// p again closes the list: the file tree is back.
		await view.press('p');
		expect(view.title()).toMatch(/^Files: filesystem after layer 1/);
		view.fitted();
		view.app.unmount();
	});

	it('filters by name with /, with the match count; Esc clears the filter, then closes the list', async () => {
		const view = mount();
		await view.settle();
		await view.press('p', '/', ...'PKG-1');
		const matching = analysis.packages.packages.filter(record => record.name.includes('pkg-1'));
		expect(matching.length).toBeGreaterThan(1);
		expect(view.title()).toContain(`filter: PKG-1▏ (${matching.length} matches)`);
		expect(view.packageRows().map(row => /pkg-\d+/.exec(row)?.[0])).toEqual(matching.map(record => record.name));
		await view.press(KEYS.enter, KEYS.down);
		expect(view.title()).toContain(`filter: PKG-1 (${matching.length} matches)`);
		expect(view.selected()).toContain(matching[1]!.name);
		await view.press('/', 'z', 'z', 'z', KEYS.enter);
		expect(view.frame()).toContain('no package name holds "PKG-1zzz"');
		await view.press(KEYS.escape);
		expect(view.title()).not.toContain('filter:');
		expect(view.packageRows()[0]).toContain(label(0));
		await view.press(KEYS.escape);
		expect(view.title()).toMatch(/^Files: /);
		view.fitted();
		view.app.unmount();
	});

	it('Enter shows exactly the package\'s files, in the final filesystem, and Esc gives the whole tree back', async () => {
		// Wide enough for the whole title.
		const view = mount({initial: {layer: 0, view: 'layer'}}, 150, 40);
		await view.settle();
		await view.press('p', '/', ...'jq', KEYS.enter, KEYS.enter);
		const index = analysis.packages.packages.findIndex(record => record.name === 'jq');
		expect(view.title()).toMatch(/^Files: files of package jq 1\.6-2\.1 \(deb\) \(3 files\), filesystem after layer 1/);
		const shown = leafPaths(view.frame().split('\n').slice(2, -1).map(line => line.split('│').slice(1).join('│')));
		// The owners array and the package's own list say the same, and the tree shows exactly that.
		expect(ownedPaths(index)).toEqual([...JQ_FILES].sort());
		expect(shown.sort()).toEqual(ownedPaths(index));
		await view.press(KEYS.escape);
		expect(view.title()).toMatch(/^Files: filesystem after layer 1 · by name/);
		expect(leafPaths(view.frame().split('\n').slice(2, -1).map(line => line.split('│').slice(1).join('│'))).length).toBeGreaterThan(JQ_FILES.length);
		view.app.unmount();
	});

	it('says why a removed or upgraded version has no files to show', async () => {
		const view = mount();
		await view.settle();
		await view.press('p', '/', ...'old', KEYS.enter, KEYS.enter);
		expect(view.statusBar()).toContain('old 2 (deb): no files to show in the final filesystem (removed in layer 1)');
		expect(view.title()).toMatch(/^Packages/);
		view.app.unmount();
	});
});

describe('the selected file\'s package', () => {
	it('shows on the left column\'s last line while the file pane has focus', async () => {
		const view = mount({initial: {focus: 'files'}});
		await view.settle();
		await view.press('f', ...'bin/jq', KEYS.enter);
		expect(view.selected()).toMatch(/── jq$/);
		expect(view.leftBottom()).toBe('package: jq 1.6-2.1 (deb)');
		await view.press(KEYS.escape, 'f', ...'app/data', KEYS.enter);
		expect(view.selected()).toMatch(/── data$/);
		expect(view.leftBottom()).toBe('package: no package lists it');
		// A directory names none; an earlier layer's file that the final filesystem lacks says so.
		await view.press(KEYS.up);
		expect(view.leftBottom()).toBe('');
		await view.press(KEYS.tab, KEYS.tab, KEYS.up, KEYS.tab, 'f', ...'bin/old', KEYS.enter);
		expect(view.selected()).toMatch(/── old\b/);
		expect(view.leftBottom()).toBe('package: not in the last layer');
		view.app.unmount();
	});

	it('escapes a hostile package name wherever it is shown', async () => {
		const view = mount({initial: {focus: 'files'}});
		await view.settle();
		await view.press('f', ...'bin/evil', KEYS.enter);
		const escaped = escapeForTerminal(HOSTILE_PACKAGE);
		expect(escaped).not.toBe(HOSTILE_PACKAGE);
		expect(escaped.startsWith('evil\\e]0;pwned')).toBe(true);
		expect(view.leftBottom()).toContain('package: evil\\e]0;pwned');
		await view.press('p', '/', ...'evil', KEYS.enter);
		expect(view.selected()).toContain('evil\\e]0;pwned');
		await view.press(KEYS.enter);
		expect(view.title()).toContain('files of package evil\\e]0;pwned');
		// Nothing of the payload reaches the terminal as a control character (the style is plain: no escapes at all).
		for (const frame of view.frames) expect(frame).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
		view.app.unmount();
	});
});

describe('without packages', () => {
	it('says the image has no package database', async () => {
		const example = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
		expect(example.packages.packages).toEqual([]);
		const view = mount({analysis: example, initial: {focus: 'files'}});
		await view.settle();
		expect(view.leftBottom()).not.toMatch(/^package:/);
		await view.press('p');
		expect(view.title()).toContain('Packages (0)');
		expect(view.frame()).toContain('no package database found in the image');
		await view.press(KEYS.enter);
		expect(view.title()).toContain('Packages (0)');
		view.app.unmount();
	});

	it('shows the report\'s notes: a database that is there but not read', async () => {
		const written = await writeImage({layers: [{entries: [file('var/lib/rpm/Packages', 4096), file('usr/bin/tool', 100)]}]}, {format: 'oci-dir', outPath: path.join(scratch, 'berkeley')});
		const berkeley = analyseImage(await loadImage(written.path));
		expect(berkeley.packages.notes).toHaveLength(1);
		const view = mount({analysis: berkeley}, 150, 30);
		await view.settle();
		await view.press('p');
		expect(view.frame()).toContain('no package database found in the image');
		expect(view.frame()).toContain(escapeForTerminal(berkeley.packages.notes[0]!).slice(0, 60));
		view.app.unmount();
	});

	it('a comparison has no package list: p says so', async () => {
		const pair = await writeAppPair(scratch);
		const comparison = compareImages(await loadAndAnalyse(pair.a.path, {cache: null}), await loadAndAnalyse(pair.b.path, {cache: null}));
		const view = mount({analysis: undefined, subject: comparisonSubject(comparison), initial: {focus: 'files'}});
		await view.settle();
		await view.press('p');
		expect(view.statusBar()).toContain('p: no package list here');
		expect(view.title()).toMatch(/^Files: /);
		view.app.unmount();
	});
});

describe('the package\'s paths in the tree', () => {
	it('keeps exactly the marked paths and the directories to them; a text filter narrows them further', () => {
		const packages = browserPackages(analysis, analysis.trees, true);
		const index = analysis.packages.packages.findIndex(record => record.name === 'jq');
		const {only, count} = packages.filesOf(index);
		expect(count).toBe(JQ_FILES.length);
		const last = analysis.trees.stepCount - 1;
		const rows = visibleRows(analysis.trees, {...initialState(), layer: last, only});
		expect(rows.filter?.matches).toBe(JQ_FILES.length);
		expect(rows.slice().filter(row => !row.isDir).map(row => row.path).sort()).toEqual([...JQ_FILES].sort());
		expect(rows.slice().filter(row => row.isDir).every(row => JQ_FILES.some(file => file.startsWith(`${row.path}/`)))).toBe(true);
		const narrowed = visibleRows(analysis.trees, {...initialState(), layer: last, only, filter: 'man1'});
		expect(narrowed.slice().filter(row => !row.isDir).map(row => row.path)).toEqual(['/usr/share/man/man1/jq.1.gz']);
	});

	it('maps the final filesystem\'s path ids to another tree\'s by path', () => {
		const other = new LayerTrees(analysis.history);
		const packages = browserPackages(analysis, other, false);
		const index = analysis.packages.packages.findIndex(record => record.name === 'jq');
		expect(packages.ownerOf(other.idOf('/usr/bin/jq')!)).toBe(index);
		expect(packages.ownerOf(other.idOf('/app/data')!)).toBe(-1);
		expect(packages.inFinal(other.idOf('/app/data')!)).toBe(true);
		expect(packages.inFinal(other.idOf('/usr/bin/old')!)).toBe(false);
		const {only, count} = packages.filesOf(index);
		expect(count).toBe(JQ_FILES.length);
		expect(JQ_FILES.every(file => only[other.idOf(file)!] === 1)).toBe(true);
	});
});
