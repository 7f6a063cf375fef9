/**
 * Issue 13: the compare view in a real terminal. `layerscope diff A B` on the project's real pair
 * (test/interop/app-v1.Containerfile and app-v2, built by buildah), in tmux: the differences with their
 * markers, the keys pressed as a terminal sends them, and the shell given back clean.
 */
import {afterAll, describe, expect, it} from 'vitest';
import {builtCli} from '../helpers/paths.js';
import {hasTmux, sleep, Tmux} from '../helpers/tmux.js';
import {sampleImage} from '../interop/sample-image.js';

const v1 = sampleImage('app-v1.docker.tar');
const v2 = sampleImage('app-v2.oci');

describe.runIf(hasTmux)('layerscope diff A B on a terminal', {timeout: 60_000}, () => {
	const tmux = new Tmux();
	afterAll(() => tmux.kill());

	it('browses the differences, moves between the images, and quits to a clean shell', async () => {
		await tmux.newSession('diff', 'env -u NO_COLOR -u CI TERM=xterm-256color sh', 160, 40);
		tmux.keys('diff', `clear; echo BEFORE; node ${builtCli} diff ${v1} ${v2}; echo AFTER`, 'Enter');
		let screen = await tmux.waitFor('diff', text => text.includes('Files: differences A → B'), 'the compare view');
		expect(screen).toMatch(/Images \(2\)/);
		expect(screen).toMatch(/\+ .*0 B → .*\+60 kB .*tool/);
		expect(screen).toMatch(/- .*9 kB → .*0 B .*−9 kB .*sample\.json/);
		expect(screen).toMatch(/~ .* run\.sh/);
		expect(screen).not.toMatch(/lib\.bin/);
		expect(screen).toMatch(/user: "root" → "1000"/);
		expect(screen).toMatch(/env APP_MODE: "v1" → "v2"/);
		expect(screen).toMatch(/= {3}0 .*ADD file:/);

		// Each line of the frame once: the two images, each layer line.
		const lines = screen.split('\n').map(line => line.split('│')[0]!.trim()).filter(line => /^[AB=] /.test(line));
		expect(new Set(lines).size).toBe(lines.length);
		// Tab, Tab: the images pane (the files have focus first); Up: image A, whole; Ctrl+A on B again shows B whole with the differences marked.
		tmux.keys('diff', 'Tab');
		tmux.keys('diff', 'Tab');
		tmux.keys('diff', 'Up');
		screen = await tmux.waitFor('diff', text => text.includes('Files: image A'), 'image A');
		expect(screen).toMatch(/lib\.bin/);
		tmux.keys('diff', 'Down');
		tmux.keys('diff', 'C-a');
		screen = await tmux.waitFor('diff', text => text.includes('Files: image B, differences marked'), 'image B whole');
		expect(screen).toMatch(/lib\.bin/);

		// The details pane lists the largest changes; Enter opens the first in the tree.
		tmux.keys('diff', 'C-l');
		await tmux.waitFor('diff', text => text.includes('Files: differences A → B'), 'the differences again');
		tmux.keys('diff', 'Tab');
		tmux.keys('diff', 'Tab');
		screen = await tmux.waitFor('diff', text => /Details · 1 of \d+/.test(text), 'the details pane');
		expect(screen).toMatch(/\+60 kB +\/opt\/tool-1\.2\/bin\/tool · added/);
		tmux.keys('diff', 'Enter');
		// The cursor row (drawn inverse) is the tool's.
		await tmux.waitFor('diff', text => text.split('\n').some(line => /\u001b\[7m[+~*-] .*└── tool/.test(line)), 'the cursor on the tool', {escapes: true});
		tmux.keys('diff', 'q');
		const text = await tmux.waitFor('diff', screen => screen.includes('AFTER'), 'the shell');
		expect(text).not.toMatch(/Images \(2\)|│/);
	});
});
