import path from 'node:path';
import {render} from 'ink-testing-library';
import prettyBytes from 'pretty-bytes';
import React from 'react';
import wrapAnsi from 'wrap-ansi';
import {beforeAll, describe, expect, it, vi} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {detailPane} from '../../source/ui/details-pane.js';
import {modelLayer} from '../analysis/layers.js';
import {modelImage} from './model-image.js';
import {repoRoot} from '../helpers/paths.js';
import {until} from '../helpers/wait.js';

// The real wrap-ansi, counted: the pane must wrap only what it shows.
vi.mock('wrap-ansi', async importOriginal => {
	const real = await importOriginal<typeof import('wrap-ansi')>();
	return {default: vi.fn(real.default)};
});

let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
});
const tick = () => new Promise(resolve => setTimeout(resolve, 40));

function mount(width: number, height: number) {
	const app = render(<Browser analysis={analysis} width={width} height={height} style={createStyle(false)} onQuit={() => {}} />);
	const press = async (key: string, times = 1) => {
		for (let i = 0; i < times; i++) {
			app.stdin.write(key);
			await tick();
		}
	};
	const left = () => (app.lastFrame() ?? '').split('\n').map(line => line.split('│')[0]!);
	return {app, press, left, frame: () => app.lastFrame() ?? ''};
}

describe('the details pane', () => {
	it('at 80x24, Tab reaches it and the cursor walks every finding, its whole fix, and every reclaimable file', async () => {
		const {app, press, left} = mount(80, 24);
		await tick();
		await press('\t', 2);
		const selectable = analysis.findings.length + analysis.findings.reduce((sum, finding) => sum + finding.paths.length, 0) + analysis.waste.files.length;
		expect(left().find(line => line.startsWith('Details'))).toContain(`1 of ${selectable}`);
		const seen = new Set<string>();
		for (let step = 0; step < selectable; step++) {
			for (const line of left()) seen.add(line.trim());
			await press('\u001B[B');
		}
		for (const line of left()) seen.add(line.trim());
		const text = [...seen].join(' ').replace(/\s+/g, ' ');
		// Every fix, word for word (wrapped over several lines), and every dead file with where it was stored and what killed it.
		for (const finding of analysis.findings) {
			for (const word of finding.fix.split(/\s+/)) expect(text, finding.id).toContain(word);
		}
		for (const dead of analysis.waste.files) {
			expect(text).toContain(`stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`);
			expect(text).toContain(prettyBytes(dead.size));
		}
		expect(left().find(line => line.startsWith('Details'))).toContain(`${selectable} of ${selectable}`);
		app.unmount();
	});

	it('Enter on a reclaimable file shows it in the tree, at the layer that stored it', async () => {
		const {app, press, frame} = mount(150, 45);
		await tick();
		await press('\t', 2);
		await press('\u001B[F'); // End: the last, smallest dead file
		const dead = analysis.waste.files.at(-1)!;
		await press('\r');
		const selected = () => frame().split('\n').find(line => line.split('│')[1]?.[1] === '>') ?? '';
		await until(() => selected().includes(path.posix.basename(dead.path)));
		expect(frame().split('\n')[0]).toContain(`Files: filesystem after layer ${dead.storedIn}`);
		expect(selected()).toContain(path.posix.basename(dead.path));
		app.unmount();
	});

	it('wraps lazily: only the lines shown, and the entries up to a stop asked for', () => {
		// 1,000 files with names too long for 40 columns, all removed by the next layer: 1,000 reclaimable lines that wrap.
		const files = Array.from({length: 1000}, (_, index) => ({path: `/data/a-rather-long-directory-name/file-${index}-with-a-long-name.bin`, size: 1000 + index}));
		const many = analyseImage(modelImage([modelLayer(0, files), modelLayer(1, [{path: '/data', type: 'dir'}], [], ['/data'])]));
		expect(many.waste.files.length).toBe(1000);
		const wrap = vi.mocked(wrapAnsi);
		wrap.mockClear();
		const pane = detailPane(many, 40);
		expect(wrap).not.toHaveBeenCalled();
		const shown = pane.lines(0, 20);
		expect(shown.length).toBe(20);
		expect(wrap.mock.calls.length).toBeLessThanOrEqual(20);
		// The last stop wraps everything before it, once; its lines are the whole entry, cut only at the width.
		const last = pane.stop(pane.stopCount - 1)!;
		expect(wrap.mock.calls.length).toBeGreaterThanOrEqual(1000);
		const calls = wrap.mock.calls.length;
		const lines = pane.lines(last.first, last.last + 1);
		expect(wrap.mock.calls.length).toBe(calls);
		expect(lines.length).toBeGreaterThan(1);
		for (const line of lines) expect(line.text.length).toBeLessThanOrEqual(40);
		const dead = many.waste.files.at(-1)!;
		expect(last.target).toEqual({layer: dead.storedIn, path: dead.path});
		// (Hard-wrapped, a long name goes on where the last line stopped: compared without the breaks.)
		const unbroken = (text: string) => text.replace(/\s+/g, '');
		expect(unbroken(lines.map(line => line.text).join(''))).toBe(unbroken(`${prettyBytes(dead.size)}  ${dead.path} · stored in layer 0, removed in layer 1`));
		// And asking again gives the same lines, where the eager layout put them.
		expect(pane.stop(pane.stopCount - 1)).toEqual(last);
		expect(pane.lines(0, 20)).toEqual(shown);
	}, 30_000);
});
