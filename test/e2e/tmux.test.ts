import {spawnSync} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {builtCli} from '../helpers/paths.js';
import {hasTmux, Tmux} from '../helpers/tmux.js';
import {sampleImage} from '../interop/sample-image.js';

/**
 * The real binary in a real terminal: tmux runs it, send-keys types, and
 * capture-pane reads the screen as a person would see it.
 */
const terminal = new Tmux();
const tmux = (...args: string[]) => terminal.run(...args);
const screen = (escapes = false, session = 'e2e') => terminal.screen(session, escapes);
const waitFor = (predicate: (text: string) => boolean, what: string, escapes = false, session = 'e2e') => terminal.waitFor(session, predicate, what, {escapes});
const newSession = (name: string, command: string) => terminal.newSession(name, command);

describe.runIf(hasTmux)('the browser in tmux', {timeout: 20_000}, () => {
	beforeAll(() => {
		tmux('new-session', '-d', '-s', 'e2e', '-x', '150', '-y', '45', 'env -u NO_COLOR -u CI TERM=xterm-256color sh');
		tmux('send-keys', '-t', 'e2e', `clear; echo BEFORE; node ${builtCli} ${sampleImage('sample.docker.tar')}; echo SHELL-IS-BACK`, 'Enter');
	});
	afterAll(() => {
		if (hasTmux) spawnSync('tmux', ['-L', terminal.socket, 'kill-session', '-t', 'e2e']);
	});

	it('opens full screen on the first layer, as dive does, with the layers pane focused', async () => {
		const text = await waitFor(t => t.includes('Layers (5)'), 'the browser');
		expect(text).not.toContain('BEFORE'); // the alternate screen hides the shell
		expect(text).toContain('Files: filesystem after layer 0');
		expect(text).toContain('Layer 0');
		expect(text.split('\n').length).toBeLessThanOrEqual(46);
		const colored = screen(true);
		expect(colored).toMatch(/\u001B\[[0-9;]*7m(\u001B\[[0-9;]*m)*Layers \(5\)/);
	});

	it('moves between layers and panes', async () => {
		tmux('send-keys', '-t', 'e2e', 'Down', 'Down', 'Down');
		await waitFor(t => t.includes('Layer 3') && t.includes('Files: filesystem after layer 3'), 'layer 3');
		tmux('send-keys', '-t', 'e2e', 'C-l');
		const changes = await waitFor(t => t.includes('Files: changes in layer 3'), 'the layer view');
		expect(changes).toMatch(/\+ -rw-r--r-- .*pkgs/);
		tmux('send-keys', '-t', 'e2e', 'Tab');
		await waitFor(t => /\u001B\[[0-9;]*7m(\u001B\[[0-9;]*m)*Files: changes in layer 3/.test(t), 'the files pane focused', true);
	});

	it('filters the tree', async () => {
		tmux('send-keys', '-t', 'e2e', '/', 'b', 'l', 'o', 'b');
		const filtered = await waitFor(t => t.includes('filter: blob'), 'the filter');
		expect(filtered).toContain('blob');
		expect(filtered).not.toContain('pkgs');
		tmux('send-keys', '-t', 'e2e', 'Escape');
		await waitFor(t => !t.includes('filter:') && t.includes('pkgs'), 'the filter cleared');
	});

	it('follows a resize: the new frame fits the smaller terminal', async () => {
		tmux('resize-window', '-t', 'e2e', '-x', '100', '-y', '30');
		const text = await waitFor(t => t.split('\n').some(line => line.startsWith('Layers (5)')) && t.split('\n').every(line => [...line].length <= 100) && t.includes(' Tab switch pane'), 'the frame redrawn at 100x30');
		expect(text.split('\n').filter(line => line.trim() !== '').length).toBeLessThanOrEqual(30);
	});

	it('quits with q and gives the shell back as it was', async () => {
		tmux('send-keys', '-t', 'e2e', 'q');
		const text = await waitFor(t => /^SHELL-IS-BACK/m.test(t), 'the shell');
		expect(text).toContain('BEFORE');
		expect(text).not.toContain('Layers (5)');
	});
});

describe.runIf(hasTmux)('a crash in the browser', {timeout: 20_000}, () => {
	afterAll(() => {
		if (hasTmux) spawnSync('tmux', ['-L', terminal.socket, 'kill-session', '-t', 'crash']);
	});

	it('gives the terminal back as it was, with one line on stderr and exit code 2', async () => {
		await newSession('crash', 'env -u NO_COLOR -u CI TERM=xterm-256color PS1=PROMPT: sh');
		// LAYERSCOPE_TEST_CRASH_AFTER_MS makes a render throw once the browser is up, as a bug would.
		tmux('send-keys', '-t', 'crash', `clear; echo BEFORE; LAYERSCOPE_TEST_CRASH_AFTER_MS=1500 node ${builtCli} ${sampleImage('sample.docker.tar')}; echo EXIT=$?`, 'Enter');
		await waitFor(t => t.includes('Layers (5)'), 'the browser', false, 'crash');
		const text = await waitFor(t => /^EXIT=\d/m.test(t), 'the shell', false, 'crash');
		const lines = text.split('\n').filter(line => line.trim() !== '');
		const exit = lines.findIndex(line => line.startsWith('EXIT='));
		expect(lines[exit]).toBe('EXIT=2');
		expect(lines[exit - 1]).toBe('layerscope: crashed on purpose (LAYERSCOPE_TEST_CRASH_AFTER_MS)');
		expect(lines[exit - 2]).toBe('BEFORE'); // the shell's own screen, nothing of the browser's between
		expect(text).not.toMatch(/^\s+at /m); // no stack trace
		expect(lines[exit + 1]).toBe('PROMPT:');
		// Out of the alternate screen, mouse reports off, the cursor shown.
		expect(tmux('display-message', '-p', '-t', 'crash', '#{alternate_on} #{mouse_any_flag} #{mouse_sgr_flag} #{cursor_flag}').trim()).toBe('0 0 0 1');
		// The line discipline is cooked again: typed keys echo, and Enter runs the command.
		tmux('send-keys', '-t', 'crash', 'echo TYPED-$((40+2))', 'Enter');
		const typed = await waitFor(t => /^TYPED-42$/m.test(t), 'a command typed afterwards', false, 'crash');
		expect(typed).toContain('PROMPT:echo TYPED-$((40+2))');
	});
});

describe.runIf(hasTmux)('browsing an image that arrives on stdin', {timeout: 20_000}, () => {
	afterAll(() => {
		// The last session: the private tmux server goes with it.
		if (hasTmux) terminal.kill();
	});

	it('reads keys from the terminal itself: cat image | layerscope -', async () => {
		await newSession('piped', 'env -u NO_COLOR -u CI TERM=xterm-256color sh');
		tmux('send-keys', '-t', 'piped', `cat ${sampleImage('sample.docker.tar')} | node ${builtCli} -; echo EXIT=$?`, 'Enter');
		await waitFor(t => t.includes('Layers (5)'), 'the browser', false, 'piped');
		tmux('send-keys', '-t', 'piped', 'Down');
		await waitFor(t => t.includes('Layer 1'), 'layer 1', false, 'piped');
		tmux('send-keys', '-t', 'piped', 'q');
		const after = await waitFor(t => /EXIT=\d/.test(t), 'the shell', false, 'piped');
		expect(after).toContain('EXIT=0');
	});
});

