import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {builtCli, repoRoot} from '../helpers/paths.js';
import {hasTmux, sleep, Tmux} from '../helpers/tmux.js';

const image = path.join(repoRoot, 'media/example.tar');

describe.runIf(hasTmux)('resizes, then quit', {timeout: 60_000}, () => {
	const tmux = new Tmux();
	afterAll(() => tmux.kill());

	it.each([
		['80x24 → 150x45', [[150, 45]]],
		['150x45 → 80x24 → 200x50', [[80, 24], [200, 50]]],
		['100x30 → 60x20 → 100x30 → 150x45', [[60, 20], [100, 30], [150, 45]]],
	] as const)('%s gives the shell back clean', async (_, sizes) => {
		tmux.kill();
		const [start] = _.split(' → ');
		const [width, height] = start!.split('x').map(Number) as [number, number];
		await tmux.newSession('resize', 'env -u NO_COLOR -u CI TERM=xterm-256color sh', width, height);
		tmux.keys('resize', `clear; echo BEFORE; node ${builtCli} ${image}; echo AFTER`, 'Enter');
		await tmux.waitFor('resize', text => text.includes('Layers (6)'), 'the browser');
		for (const [x, y] of sizes) {
			tmux.run('resize-window', '-t', 'resize', '-x', String(x), '-y', String(y));
			await tmux.waitFor('resize', text => text.split('\n').some(line => line.startsWith('Layers (6)')) && text.includes('Tab switch pane'), `the frame at ${x}x${y}`);
			await sleep(300);
		}
		tmux.keys('resize', 'q');
		const text = await tmux.waitFor('resize', screen => screen.includes('AFTER'), 'the shell');
		// Only what the shell printed: the command line, BEFORE, AFTER and the prompt; not a character of the browser.
		const lines = text.split('\n').filter(line => line.trim() !== '');
		expect(lines.length, text).toBeLessThanOrEqual(4);
		expect(text).not.toMatch(/Layers|│|reclaimable/);
		expect(lines.some(line => line.trim() === 'BEFORE')).toBe(true);
	});
});
