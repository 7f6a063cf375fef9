import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {PAYLOAD, UNSAFE_FOR_TERMINAL, writeHostileStringsImage} from '../fixtures/hostile-strings.js';
import {builtCli} from '../helpers/paths.js';

const FORBIDDEN = UNSAFE_FOR_TERMINAL;

let scratch: string;
let image: string;
let analysis: Analysis;
beforeAll(async () => {
	scratch = mkdtempSync(path.join(tmpdir(), 'layerscope-hostile-browser-'));
	image = (await writeHostileStringsImage(path.join(scratch, 'hostile.tar'), 'docker-legacy')).path;
	analysis = analyseImage(await loadImage(image));
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const tick = () => new Promise(resolve => setTimeout(resolve, 30));
const KEYS = {up: '\u001B[A', down: '\u001B[B', tab: '\t', ctrlL: '\u000C', ctrlA: '\u0001'};

describe('the browser on a hostile image', () => {
	it('shows every image string escaped, in every pane and view', async () => {
		const app = render(<Browser analysis={analysis} width={400} height={40} style={createStyle(false)} onQuit={() => {}} />);
		const frames: string[] = [];
		const press = async (key: string) => {
			app.stdin.write(key);
			await tick();
			frames.push(app.lastFrame() ?? '');
		};
		await tick();
		frames.push(app.lastFrame() ?? '');
		// Every layer, in both views, with the file tree focused and walked to its end.
		// The browser opens on the first layer: walk them all, down.
		for (let layer = 0; layer < analysis.image.layers.length; layer++) {
			await press(KEYS.ctrlL);
			await press(KEYS.tab);
			for (let row = 0; row < 12; row++) await press(KEYS.down);
			await press(KEYS.tab);
			await press(KEYS.ctrlA);
			await press(KEYS.down);
		}
		app.unmount();
		for (const frame of frames) {
			const match = FORBIDDEN.exec(frame);
			expect(match, `a frame holds ${JSON.stringify(match?.[0])}: ${JSON.stringify(frame.slice(Math.max(0, (match?.index ?? 0) - 60), (match?.index ?? 0) + 20))}`).toBeNull();
		}
		const all = frames.join('\n');
		// Shown escaped, not dropped: the platform, the tag, history, file names and link targets.
		expect(all).toContain(`linux${escapeForTerminal(PAYLOAD).slice(0, 60)}`);
		expect(all).toContain('Image evil/::xA\\e]52;c;cHduZWQ=\\u{7}');
		expect(all).toContain('hostile-A\\e]52;c;cHduZWQ=\\u{7}B\\e]0;pwned-title\\u{7}');
		expect(all).toContain('link → \\u{3a}:warning::lead');
	});
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `layerscope-hostile-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});

describe.runIf(hasTmux)('the browser on a hostile image in a real terminal', {timeout: 20_000}, () => {
	afterAll(() => {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	});

	it('leaves the window title and the clipboard alone', async () => {
		tmux('new-session', '-d', '-s', 'hostile', '-x', '200', '-y', '50', 'env -u NO_COLOR -u CI TERM=xterm-256color sh');
		// Let applications set the clipboard (OSC 52) and titles (OSC 0/2), so that an escape that got through would show.
		tmux('set-option', '-g', 'set-clipboard', 'on');
		tmux('set-option', '-g', 'allow-rename', 'on');
		tmux('select-pane', '-t', 'hostile', '-T', 'before');
		const titleBefore = tmux('display-message', '-p', '-t', 'hostile', '#{pane_title}').trim();
		tmux('send-keys', '-t', 'hostile', `node ${builtCli} ${image} --layer 2`, 'Enter');
		const deadline = Date.now() + 10_000;
		let screen = '';
		while (Date.now() < deadline && !screen.includes('Layers (3)')) {
			await new Promise(resolve => setTimeout(resolve, 100));
			screen = tmux('capture-pane', '-p', '-t', 'hostile');
		}
		expect(screen).toContain('Layers (3)');
		// Walk the file tree so the hostile names and link target are drawn too.
		tmux('send-keys', '-t', 'hostile', 'C-a', 'Tab', 'Down', 'Down', 'Down', 'Down', 'Down', 'Down');
		await new Promise(resolve => setTimeout(resolve, 500));
		screen = tmux('capture-pane', '-p', '-t', 'hostile');
		expect(screen).toContain('hostile-A\\e]52');
		expect(screen).toContain('\\u{3a}:warning::lead');
		expect(tmux('display-message', '-p', '-t', 'hostile', '#{pane_title}').trim()).toBe(titleBefore);
		expect(tmux('list-buffers')).toBe('');
		// The hostile file's content, in the viewer: found with f, opened with Enter.
		tmux('send-keys', '-t', 'hostile', 'Home', 'f', 'hostile', 'Enter');
		await new Promise(resolve => setTimeout(resolve, 300));
		tmux('send-keys', '-t', 'hostile', 'Enter');
		for (const end = Date.now() + 5000; Date.now() < end && !screen.includes('2 │ A\\e]52'); ) {
			await new Promise(resolve => setTimeout(resolve, 100));
			screen = tmux('capture-pane', '-p', '-t', 'hostile');
		}
		expect(screen).toContain('View: /hostile-A\\e]52');
		expect(screen).toContain('2 │ A\\e]52;c;cHduZWQ=\\u{7}B\\e]0;pwned-title\\u{7}C\\e[2J\\e[HD');
		expect(tmux('display-message', '-p', '-t', 'hostile', '#{pane_title}').trim()).toBe(titleBefore);
		expect(tmux('list-buffers')).toBe('');
		tmux('send-keys', '-t', 'hostile', 'Escape');
		await new Promise(resolve => setTimeout(resolve, 200));
		tmux('send-keys', '-t', 'hostile', 'q');
	});
});
