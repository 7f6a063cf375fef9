import path from 'node:path';
import {render} from 'ink-testing-library';
import React from 'react';
import {beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {columns} from '../../source/ui/columns.js';
import {repoRoot} from '../helpers/paths.js';

let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
});
const tick = () => new Promise(resolve => setTimeout(resolve, 40));

/** The file pane's name column: what follows the tree guide on each row. */
const names = (frame: string) =>
	frame
		.split('\n')
		.slice(2, -1)
		.map(line => line.split('│').slice(1).join('│'))
		.map(right => /(?:[├└]── )(.*)$/.exec(right)?.[1])
		.filter((name): name is string => name !== undefined);

describe('the browser at any size', () => {
	it.each([
		[80, 24],
		[100, 30],
		[150, 45],
	])('at %ix%i: the frame fits, and names keep a readable width', async (width, height) => {
		const app = render(<Browser analysis={analysis} width={width} height={height} style={createStyle(false)} onQuit={() => {}} initial={{layer: 5}} />);
		await tick();
		const frame = app.lastFrame() ?? '';
		const lines = frame.split('\n');
		expect(lines).toHaveLength(height);
		for (const line of lines) expect(columns(line), line).toBeLessThanOrEqual(width);
		// The right pane keeps at least 50 columns; names on screen get at least 16 of them.
		expect(lines[0]!.indexOf('│')).toBeLessThanOrEqual(width - 50);
		const shortest = Math.min(...names(frame).map(name => (name.endsWith('…') ? columns(name) : Infinity)));
		expect(shortest).toBeGreaterThanOrEqual(16);
		// Mode and owner show where there is room for them and names both, and make room otherwise.
		if (width >= 120) expect(frame).toContain('Permission');
		else expect(frame).toContain('(mode, owner: no room)');
		app.unmount();
	});

	it('shows the end of a long name on the cursor row', async () => {
		const app = render(<Browser analysis={analysis} width={80} height={24} style={createStyle(false)} onQuit={() => {}} initial={{layer: 1, filter: 'Packages', focus: 'files'}} />);
		await tick();
		app.stdin.write('G');
		await tick();
		const row = (app.lastFrame() ?? '').split('\n').find(line => line.split('│')[1]?.[1] === '>')!;
		expect(row).toBeDefined();
		// Its own name's end: the link target and the dead mark give way first.
		expect(row).toMatch(/└── …[^│]*_Packages\s*$/);
		app.unmount();
	});
});
