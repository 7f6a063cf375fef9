import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {browserConfigPath, DEFAULT_BROWSER_CONFIG, loadBrowserConfig, parseBrowserConfig} from '../../source/ui/browser-config.js';
import {commandFor} from '../../source/ui/keymap.js';
import {builtCli, repoRoot} from '../helpers/paths.js';
import {hasTmux, Tmux} from '../helpers/tmux.js';

const image = path.join(repoRoot, 'media/example.tar');
let analysis: Analysis;
let scratch: string;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(image));
	scratch = mkdtempSync(path.join(tmpdir(), 'layerscope-config-'));
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const tick = () => new Promise(resolve => setTimeout(resolve, 40));
const parse = (text: string) => parseBrowserConfig(text, '/home/u/.config/layerscope/config.yml');

describe('the browser config file', () => {
	it('lives in $XDG_CONFIG_HOME/layerscope, else ~/.config/layerscope', () => {
		expect(browserConfigPath({XDG_CONFIG_HOME: '/x', HOME: '/home/u'})).toBe('/x/layerscope/config.yml');
		expect(browserConfigPath({HOME: '/home/u'})).toBe('/home/u/.config/layerscope/config.yml');
		expect(browserConfigPath({XDG_CONFIG_HOME: 'relative', HOME: '/home/u'})).toBe('/home/u/.config/layerscope/config.yml');
		expect(loadBrowserConfig({XDG_CONFIG_HOME: path.join(scratch, 'none')})).toBe(DEFAULT_BROWSER_CONFIG);
	});

	it('rebinds keys, and help and the status bar follow', async () => {
		const config = parse('keys:\n  find: [ctrl+s, "/"]\n  filter: ctrl+f\n  quit: Q\n');
		expect(commandFor({name: 's', ctrl: true}, 'files', config.keymap)).toBe('find');
		expect(commandFor({name: '/', ctrl: false}, 'layers', config.keymap)).toBe('find');
		expect(commandFor({name: 'q', ctrl: false}, 'files', config.keymap)).toBeUndefined();
		let quit = false;
		const app = render(<Browser analysis={analysis} width={200} height={45} style={createStyle(false)} onQuit={() => (quit = true)} config={config} />);
		await tick();
		expect(app.lastFrame()).toContain('Ctrl+S find');
		app.stdin.write('?');
		await tick();
		expect(app.lastFrame()).toMatch(/Ctrl\+S \/ +find/);
		app.stdin.write('q');
		await tick();
		expect(quit).toBe(false);
		app.stdin.write('Q');
		await tick();
		expect(quit).toBe(true);
		app.unmount();
	});

	it('sets the columns, the left column\'s width, the first layer and the folding', async () => {
		const config = parse('columns: {attributes: false}\nlayout: {left: 0.3}\nstart: {layer: last, fold: all}\n');
		const app = render(<Browser analysis={analysis} width={200} height={45} style={createStyle(false)} onQuit={() => {}} config={config} />);
		await tick();
		const lines = (app.lastFrame() ?? '').split('\n');
		expect(lines[0]!.indexOf('│')).toBe(60);
		expect(lines[0]).toContain('Files: filesystem after layer 5');
		expect(app.lastFrame()).not.toContain('Permission');
		expect(lines[2]).toContain('⊕ app');
		app.unmount();
		const numbered = render(<Browser analysis={analysis} width={200} height={45} style={createStyle(false)} onQuit={() => {}} config={parse('start: {layer: 2}\n')} />);
		await tick();
		expect(numbered.lastFrame()).toContain('Files: filesystem after layer 2');
		numbered.unmount();
	});

	it('opens on the first layer by default, as dive does', async () => {
		const app = render(<Browser analysis={analysis} width={200} height={45} style={createStyle(false)} onQuit={() => {}} />);
		await tick();
		expect(app.lastFrame()).toContain('Files: filesystem after layer 0');
		app.unmount();
	});

	it.each([
		['keys: {fnd: f}', /unknown setting "keys.fnd" \(known: keys.switch-pane, /],
		['keys: {find: ctrl+1}', /keys.find: "ctrl\+1" is not a key a terminal can send/],
		['keys: {find: ctrl+m}', /keys.find: "ctrl\+m" is not a key a terminal can send/],
		['keys: {find: q}', /keys: q is bound to both find and quit in the layers pane|keys: q is bound to both quit and find/],
		['layout: {left: 2}', /layout.left must be a share of the width between 0.2 and 0.8, not 2/],
		['start: {layer: middle}', /start.layer must be first, last or a layer number, not "middle"/],
		['start: {fold: sometimes}', /start.fold must be auto, all or none/],
		['colums: {}', /unknown setting "colums"/],
		['keys: [\n', /line \d+, column \d+: not valid YAML/],
	])('refuses %j in one line', (text, message) => {
		expect(() => parse(text)).toThrow(message);
	});
});

describe.runIf(hasTmux)('a bad config file, in a real terminal', {timeout: 20_000}, () => {
	const tmux = new Tmux();
	afterAll(() => tmux.kill());

	it('is one line on the shell and exit 2, before the screen is taken', async () => {
		const home = path.join(scratch, 'xdg');
		mkdirSync(path.join(home, 'layerscope'), {recursive: true});
		writeFileSync(path.join(home, 'layerscope', 'config.yml'), 'start: {layer: middle}\n');
		await tmux.newSession('config', `env -u NO_COLOR -u CI XDG_CONFIG_HOME=${home} TERM=xterm-256color sh`);
		tmux.keys('config', `clear; node ${builtCli} ${image}; echo "EXIT=$?"`, 'Enter');
		// The typed command holds "EXIT=$?" too: wait for the line the shell prints, a number after it.
		const text = await tmux.waitFor('config', screen => /^EXIT=\d+$/m.test(screen), 'the exit code');
		expect(text).toContain(`layerscope: ${path.join(home, 'layerscope', 'config.yml')}: start.layer must be first, last or a layer number, not "middle"`);
		expect(text).toContain('EXIT=2');
	});
});
