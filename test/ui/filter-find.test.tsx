import path from 'node:path';
import {render} from 'ink-testing-library';
import React from 'react';
import {beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {repoRoot} from '../helpers/paths.js';
import {until} from '../helpers/wait.js';

let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
});

const tick = () => new Promise(resolve => setTimeout(resolve, 40));

function mount() {
	const app = render(<Browser analysis={analysis} width={250} height={45} style={createStyle(false)} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, layer: 'last'}} />);
	const type = async (...keys: string[]) => {
		for (const key of keys) {
			app.stdin.write(key);
			await tick();
		}
	};
	const frame = () => app.lastFrame() ?? '';
	const title = () => frame().split('\n')[0]!.split('│')[1]!;
	const rows = () => frame().split('\n').slice(2, -1).map(line => line.split('│').slice(1).join('│')).filter(line => line.trim() !== '');
	return {app, type, frame, title, rows};
}

describe('the filter', () => {
	it('shows what was typed as typed, with the number of matches', async () => {
		const {app, type, title, rows} = mount();
		await tick();
		await type('/', ...'app\\.py');
		const matches = rows().filter(row => /app\.py/.test(row)).length;
		expect(matches).toBeGreaterThan(1);
		expect(title()).toContain(`filter: app\\.py▏ (${matches} matches)`);
		await type('\r');
		expect(title()).toContain(`filter: app\\.py (${matches} matches)`);
		app.unmount();
	});

	it('says when a pattern is not a valid regular expression, and reads it as text', async () => {
		const {app, type, title, frame} = mount();
		await tick();
		await type('/', ...'gcc(');
		expect(title()).toContain('filter: gcc(▏ (0 matches, not a valid regular expression: read as text)');
		expect(frame()).toContain('nothing matches: not a valid regular expression, and no path holds it as text');
		await type('\u007F', '-', '1');
		expect(title()).toMatch(/filter: gcc-1▏ \(\d+ match(es)?\)/);
		app.unmount();
	});
});

describe('find (f, n, N)', () => {
	it('jumps to matches in the whole tree without filtering it, and wraps around', async () => {
		const {app, type, title, rows} = mount();
		// Without color the cursor row is marked with ">" after its change marker.
		const selected = () => rows().find(row => row[1] === '>') ?? '';
		await tick();
		await type('\t');
		const whole = rows().length;
		await type('f', ...'pyc', '\r');
		await until(() => /__pycache__$/.test(selected()));
		expect(title()).toContain('find: pyc (n next, N previous)');
		expect(rows()).toHaveLength(whole); // nothing filtered away
		const first = selected();
		expect(first).toMatch(/__pycache__$/);
		await type('n');
		await until(() => /\.pyc$/.test(selected()));
		expect(selected()).toMatch(/app\.cpython-311\.pyc$/);
		await type('n');
		await until(() => selected() === first);
		expect(selected()).toBe(first); // wrapped around
		await type('N');
		await until(() => /\.pyc$/.test(selected()));
		expect(selected()).toMatch(/app\.cpython-311\.pyc$/);
		await type('f', ...'no-such-path', '\r');
		expect(title()).toContain('find: no-such-path (no match)');
		expect(selected()).toMatch(/app\.cpython-311\.pyc$/);
		app.unmount();
	});
});
