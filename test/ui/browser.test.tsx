import path from 'node:path';
import {readFileSync} from 'node:fs';
import {render} from 'ink-testing-library';
import React from 'react';
import {beforeAll, describe, expect, it} from 'vitest';
import {EntryTable} from '../../source/entry-table.js';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {LayerTrees} from '../../source/analysis/layer-trees.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {columns} from '../../source/ui/columns.js';
import {commandFor, KEYMAP, keymapMarkdown, PANES} from '../../source/ui/keymap.js';
import {initialState, reduce, type ViewContext} from '../../source/ui/view-state.js';
import {prepareFlatRows, visibleRows} from '../../source/ui/visible-rows.js';
import {repoRoot} from '../helpers/paths.js';
import {sampleImage, SIZES} from '../interop/sample-image.js';

let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(sampleImage('sample.oci')));
});

const plain = createStyle(false);
const tick = () => new Promise(resolve => setTimeout(resolve, 30));
const KEYS = {down: '\u001B[B', up: '\u001B[A', tab: '\t', escape: '\u001B', ctrlL: '\u000C', ctrlA: '\u0001', pageDown: '\u001B[6~', end: '\u001B[F'};

function mount(width = 120, height = 30) {
	let quit = false;
	// These tests start where dive users look first for waste: the last layer (the browser opens on the first).
	const app = render(<Browser analysis={analysis} width={width} height={height} style={plain} onQuit={() => (quit = true)} config={{...DEFAULT_BROWSER_CONFIG, layer: 'last'}} />);
	const press = async (...keys: string[]) => {
		for (const key of keys) {
			app.stdin.write(key);
			await tick();
		}
	};
	return {app, press, frame: () => app.lastFrame() ?? '', quit: () => quit};
}

describe('the keymap is data', () => {
	it('drives input per pane: Ctrl+A means aggregated in the layers pane, toggle added in the files pane', () => {
		expect(commandFor({name: 'a', ctrl: true}, 'layers')).toBe('aggregated-view');
		expect(commandFor({name: 'a', ctrl: true}, 'files')).toBe('toggle-added');
		expect(commandFor({name: 'j', ctrl: false}, 'files')).toBe('down');
		expect(commandFor({name: 'x', ctrl: false}, 'files')).toBe('extract');
		expect(commandFor({name: 'x', ctrl: false}, 'layers')).toBeUndefined();
	});

	it('has no key bound twice in one pane', () => {
		for (const pane of PANES) {
			const seen = new Map<string, string>();
			for (const binding of KEYMAP.filter(b => b.pane === undefined || b.pane === pane)) {
				for (const press of binding.presses) {
					const id = `${press.ctrl ? 'ctrl+' : ''}${press.name}`;
					expect(seen.get(id), `${pane}: ${id}`).toBeUndefined();
					seen.set(id, binding.command);
				}
			}
		}
	});

	it('generates the README\'s key table', () => {
		expect(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain(keymapMarkdown());
	});
});

describe('the view model', () => {
	const context = (rows = visibleRows(analysis.trees, {...initialState(), layer: 4})): ViewContext => ({layerCount: 5, rows, pageSize: 5});

	it('moves the cursor within the rows and scrolls only to keep it on screen', () => {
		let state = {...initialState(), focus: 'files' as const, layer: 4};
		const ctx = context();
		for (let i = 0; i < 7; i++) state = reduce(state, 'down', ctx);
		expect([state.cursor, state.scroll]).toEqual([7, 3]);
		state = reduce(state, 'home', ctx);
		expect([state.cursor, state.scroll]).toEqual([0, 0]);
		state = reduce(state, 'end', ctx);
		expect(state.cursor).toBe(ctx.rows.length - 1);
		state = reduce(state, 'down', ctx);
		expect(state.cursor).toBe(ctx.rows.length - 1);
	});

	it('folds a directory and goes to the parent with ←', () => {
		const base = {...initialState(), focus: 'files' as const, layer: 4};
		const rows = visibleRows(analysis.trees, base).slice();
		const app = rows.findIndex(row => row.name === 'app');
		const folded = reduce({...base, cursor: app}, 'toggle-dir', context());
		const after = visibleRows(analysis.trees, folded).slice();
		expect(after.length).toBeLessThan(rows.length);
		expect(after.find(row => row.name === 'data.bin')).toBeUndefined();
		const runSh = rows.findIndex(row => row.name === 'run.sh');
		expect(reduce({...base, cursor: runSh}, 'collapse', context()).cursor).toBe(app);
	});

	it('switches between the layer\'s changes and the aggregated filesystem', () => {
		const changes = visibleRows(analysis.trees, {...initialState(), layer: 4, view: 'layer'}).slice();
		expect(changes.map(row => row.name)).toEqual(['var', 'cache', 'tool', 'blob']);
		expect(changes.at(-1)).toMatchObject({status: 'removed', size: SIZES.cacheBlob});
		const all = visibleRows(analysis.trees, {...initialState(), layer: 4, view: 'aggregated'}).slice();
		expect(all.length).toBeGreaterThan(30);
		expect(all.find(row => row.name === 'blob')).toMatchObject({status: 'removed'});
	});

	it('filters by regular expression or substring and hides statuses', () => {
		const regex = visibleRows(analysis.trees, {...initialState(), layer: 4, filter: 'bin/(sh|cat)$'}).slice();
		expect(regex.filter(row => !row.isDir).map(row => row.name)).toEqual(['cat', 'sh']);
		// Guides are redrawn for what is left: bin is now the only (so the last) entry at the top.
		expect(regex.map(row => row.guide + row.name)).toEqual(['└── bin', '    ├── cat', '    └── sh']);
		const substring = visibleRows(analysis.trees, {...initialState(), layer: 4, filter: 'data.bin('}).slice();
		expect(substring).toEqual([]);
		const noUnmodified = visibleRows(analysis.trees, {...initialState(), layer: 2, view: 'aggregated', hidden: {added: false, removed: false, modified: false, unmodified: true}}).slice();
		expect(noUnmodified.filter(row => !row.isDir).every(row => row.status !== 'unmodified')).toBe(true);
		expect(noUnmodified.some(row => row.metadataOnly)).toBe(true);
	});

	it('shows matches inside folded directories while filtering, and folds again after', () => {
		const folded = {...initialState(), layer: 4, foldAll: true};
		expect(visibleRows(analysis.trees, folded).slice().map(row => row.name)).toEqual(['app', 'bin', 'dev', 'etc', 'proc', 'run', 'sys', 'var']);
		expect(visibleRows(analysis.trees, {...folded, filter: 'pkgs'}).slice().map(row => row.name)).toEqual(['var', 'lib', 'apt', 'lists', 'pkgs']);
	});

	it('lays out an unfolded tree from the flat tree exactly as walking the folded one does', () => {
		for (const view of ['layer', 'aggregated'] as const) {
			for (let layer = 0; layer < 5; layer++) {
				const dirs = visibleRows(analysis.trees, {...initialState(), layer, view}).slice().filter(row => row.isDir).map(row => row.id);
				const closed = dirs.filter((_, index) => index % 3 === 1);
				const fromTable = visibleRows(analysis.trees, {...initialState(), layer, view, collapsed: new Set(closed)}).slice();
				const walked = visibleRows(analysis.trees, {...initialState(), layer, view, foldAll: true, collapsed: new Set(dirs.filter(id => !closed.includes(id)))}).slice();
				expect(fromTable, `${view} ${layer}`).toEqual(walked);
			}
		}
	});

	it('matches a filter once for every layer: after other layers, each layer shows what a first look at it shows', () => {
		const seen = [4, 0, 2, 4, 1, 3];
		for (const filter of ['app', 'data\\.', 'var/']) {
			for (const layer of seen) {
				const reused = visibleRows(analysis.trees, {...initialState(), layer, filter}).slice();
				// A fresh tree for the caches (tree order, tables, matches): the same layers as if never filtered before.
				const fresh = visibleRows(new LayerTrees(analysis.history), {...initialState(), layer, filter}).slice();
				expect(reused, `${filter} at layer ${layer}`).toEqual(fresh);
			}
		}
	});

	it('keeps a layer\'s whole open tree for the next visit, and it shows what a first look shows', () => {
		const fresh = new LayerTrees(analysis.history);
		const whole = (layer: number) => ({...initialState(), layer});
		for (const layer of [4, 0, 4, 2, 4, 1, 3]) {
			const rows = visibleRows(analysis.trees, whole(layer));
			expect(rows.slice(), `layer ${layer}`).toEqual(visibleRows(fresh, whole(layer)).slice());
			expect(visibleRows(analysis.trees, whole(layer))).toBe(rows);
		}
		// Laid out ahead (the browser does it for the layer shown and its neighbours), a switch only reads it.
		const ahead = new LayerTrees(analysis.history);
		prepareFlatRows(ahead, {layer: 2, view: 'aggregated', sort: 'name'});
		expect(visibleRows(ahead, whole(2))).toBe(visibleRows(ahead, whole(2)));
		expect(visibleRows(ahead, whole(2)).slice()).toEqual(visibleRows(fresh, whole(2)).slice());
	});

	it('narrows a plain filter from what a shorter one matched, as a full scan would', () => {
		const rowsFor = (filter: string) => visibleRows(analysis.trees, {...initialState(), layer: 4, filter}).slice();
		const typed = ['a', 'ap', 'app', 'app/', 'app/d', 'app/da', 'app/data', 'app/da', 'APP/D'];
		for (const filter of typed) {
			// A group makes the filter a regular expression: always a scan of the whole tree.
			const scanned = rowsFor(`(?:${filter})`);
			expect(rowsFor(filter), filter).toEqual(scanned);
		}
		expect(rowsFor('app/data').map(row => row.name)).toEqual(['app', 'data.bin', 'data.link']);
		expect(rowsFor('a').length).toBeGreaterThan(10);
	});

	it('makes row objects only for the rows asked for', () => {
		const rows = visibleRows(analysis.trees, {...initialState(), layer: 4, filter: 'a'});
		expect(rows.at(1)).toBe(rows.at(1));
		expect(rows.at(rows.length)).toBeUndefined();
		expect(rows.depthAt(1)).toBe(rows.at(1)!.depth);
		expect(rows.indexOfId(rows.at(2)!.id)).toBe(2);
	});

	it('sorts by size', () => {
		const rows = visibleRows(analysis.trees, {...initialState(), layer: 4, sort: 'size'}).slice();
		expect(rows[0]!.name).toBe('bin');
	});
});

describe('the rendered browser', () => {
	it('fits the terminal exactly: never taller or wider', async () => {
		for (const [width, height] of [[150, 45], [80, 24], [60, 16]] as const) {
			const {frame, app} = mount(width, height);
			await tick();
			const lines = frame().split('\n');
			expect(lines.length, `${width}x${height}`).toBe(height);
			for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(width);
			app.unmount();
		}
	});

	it('switches panes, layers and views with the keys dive users know', async () => {
		const {frame, press, app} = mount();
		await tick();
		expect(frame()).toContain('Files: filesystem after layer 4');
		expect(frame()).toContain('Layer 4');
		await press(KEYS.up);
		expect(frame()).toContain('Layer 3');
		expect(frame()).toContain('Files: filesystem after layer 3');
		await press(KEYS.ctrlL);
		expect(frame()).toContain('Files: changes in layer 3');
		expect(frame()).toMatch(/\+ .*data\.link/);
		await press(KEYS.ctrlA);
		expect(frame()).toContain('Files: filesystem after layer 3');
		await press(KEYS.tab, KEYS.down, KEYS.down);
		expect(frame()).toContain('Tab switch pane');
		app.unmount();
	});

	it('filters live as you type, and Esc clears', async () => {
		const {frame, press, app} = mount();
		await tick();
		await press('/', 'p', 'k', 'g', 's');
		expect(frame()).toContain('filter: pkgs');
		expect(frame()).toContain('pkgs');
		expect(frame()).not.toContain('busybox');
		await press(KEYS.escape);
		expect(frame()).toContain('busybox');
		app.unmount();
	});

	it('jumps to the largest waste with w, and opens help with ?', async () => {
		const {frame, press, app} = mount();
		await tick();
		await press('w');
		await tick();
		expect(frame()).toContain('Files: filesystem after layer 3');
		expect(frame()).toContain('Layer 3');
		await press('?');
		expect(frame()).toContain('Keys (? closes)');
		// More keys than lines: help scrolls, and says where it is.
		// 30 rows: the status bar and the title leave 28 for keys.
		expect(frame()).toContain(`Keys (? closes) · 1–28 of ${KEYMAP.length}, ↑↓ scroll`);
		expect(frame()).not.toMatch(/q Ctrl\+C +quit/);
		await press(KEYS.end);
		expect(frame()).toMatch(/q Ctrl\+C +quit/);
		expect(frame()).toContain('largest waste');
		app.unmount();
	});

	it('marks changes with characters as well as colors, metadata-only ones apart', async () => {
		const {frame, press, app} = mount();
		await tick();
		await press(KEYS.up, KEYS.up, KEYS.ctrlL);
		expect(frame()).toContain('Files: changes in layer 2');
		expect(frame()).toMatch(/^.*│\* -rwxr-xr-x .*data\.bin/m);
		app.unmount();
	});

	it('scrolls the pane under the mouse wheel', async () => {
		const {frame, press, app} = mount(120, 30);
		await tick();
		await press('\u001B[<64;5;5M');
		expect(frame()).toContain('Layer 3');
		await press('\u001B[<65;5;5M', '\u001B[<65;100;10M');
		expect(frame()).toContain('Layer 4');
		app.unmount();
	});

	it('keeps the frame whole when file names have wide characters', async () => {
		const entry = (path: string, type: 'file' | 'dir' = 'file') => ({path, type, mode: 0o644, uid: 0, gid: 0, size: type === 'file' ? 10 : 0, mtime: 0, ...(type === 'file' ? {digest: 'd'} : {})});
		const entries = [entry('/データ', 'dir'), entry(`/データ/${'日本語のファイル名'.repeat(8)}.txt`), entry('/データ/short.txt')];
		const layer = {index: 0, entries: EntryTable.from(entries), whiteouts: [], opaqueDirs: [], digest: null, diffId: 'sha256:0', mediaType: null, compression: 'none' as const, compressedSize: 0, size: 0, contentSize: 20, historyIndex: null};
		const wide = analyseImage({input: 'wide', format: 'oci-layout', compressedArchive: false, repoTags: [], id: 'sha256:1', manifestDigest: null, platform: {os: 'linux', architecture: 'amd64'}, created: null, config: {env: [], cmd: null, entrypoint: null, workingDir: '', user: '', exposedPorts: [], volumes: [], labels: {}, healthcheck: null, stopSignal: null}, history: [], layers: [layer]});
		const app = render(<Browser analysis={wide} width={120} height={20} style={plain} onQuit={() => {}} />);
		await tick();
		const lines = (app.lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(20);
		for (const line of lines) expect(columns(line), line).toBeLessThanOrEqual(120);
		expect(lines.some(line => line.includes('データ') && line.includes('│'))).toBe(true);
		// Cut to the pane with an ellipsis, not left to spill into the next line.
		expect(lines.some(line => /└── 日本語.*…$/.test(line.trimEnd()))).toBe(true);
		app.unmount();
	});

	it('quits with q', async () => {
		const {press, quit, app} = mount();
		await tick();
		await press('q');
		expect(quit()).toBe(true);
		app.unmount();
	});

	// Quitting used to wait for React to render and Ink to draw one more frame (its quit effect ran after the
	// commit): tens of milliseconds on a cold process, so the test above failed whenever it ran first.
	it('quits as the key arrives, without drawing another frame; Ctrl+C too', async () => {
		for (const key of ['q', '\u0003']) {
			const {quit, app} = mount();
			await tick();
			const drawn = app.frames.length;
			app.stdin.write(key);
			expect(quit(), JSON.stringify(key)).toBe(true);
			expect(app.frames.length).toBe(drawn);
			app.unmount();
		}
	});

	it('types q into the filter instead of quitting, even in one burst with the /', async () => {
		for (const keys of [['/', 'q'], ['/q']]) {
			const {press, quit, frame, app} = mount();
			await tick();
			await press(...keys);
			expect(frame()).toContain('filter: q');
			expect(quit()).toBe(false);
			await press(KEYS.escape, 'q');
			expect(quit()).toBe(true);
			app.unmount();
		}
	});
});
