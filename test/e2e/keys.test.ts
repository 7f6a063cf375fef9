import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KEYMAP, type Command, type Pane} from '../../source/ui/keymap.js';
import {builtCli, repoRoot} from '../helpers/paths.js';
import {hasTmux, plainText, sleep, Tmux} from '../helpers/tmux.js';
import {writePackageImage} from '../ui/package-image.js';

/**
 * Every key of the keymap, pressed in a real terminal the way the terminal
 * sends it (tmux send-keys: `C-Space` is NUL, `Enter` is CR, `PPage` is
 * `\e[5~`…), with its effect seen on the screen. The checks are keyed by
 * command, so a command added to the keymap without one does not compile.
 */
const image = path.join(repoRoot, 'media/example.tar');
/** The example image has no package database: the packages list's own keys are pressed on one that has (test/ui/package-image.ts). */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-keys-'));
let packageImage: string;
beforeAll(async () => {
	packageImage = await writePackageImage(path.join(scratch, 'packages.tar'));
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** tmux's name for a key as the keymap writes it. */
function tmuxKey(label: string): string {
	const named: Record<string, string> = {'↑': 'Up', '↓': 'Down', '←': 'Left', '→': 'Right', PgUp: 'PPage', PgDn: 'NPage', Esc: 'Escape', 'Ctrl+Space': 'C-Space'};
	if (named[label]) return named[label]!;
	const ctrl = /^Ctrl\+(.)$/.exec(label);
	return ctrl ? `C-${ctrl[1]!.toLowerCase()}` : label;
}

/** What the screen says, read from a capture with its styles (the focused pane's title and the cursor row are inverse). */
interface Screen {
	text: string;
	focus: Pane | 'none';
	filesTitle: string;
	/** The file tree's rows, and the one under the cursor. */
	rows: string[];
	selected: string | undefined;
}

const INVERSE = /^(\u001B\[[0-9;]*m)*\u001B\[7m/;

function read(raw: string): Screen {
	const lines = raw.split('\n');
	const split = (line: string) => {
		const at = line.indexOf('│');
		return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
	};
	const [left0, right0] = split(lines[0]!);
	const detailsFocused = lines.some(line => INVERSE.test(split(line)[0]!) && plainText(split(line)[0]!).startsWith('Details'));
	const right = lines.slice(2).map(line => split(line)[1]!).filter(line => plainText(line).trim() !== '');
	return {
		text: plainText(raw),
		focus: INVERSE.test(left0!) ? 'layers' : INVERSE.test(right0!) ? 'files' : detailsFocused ? 'details' : 'none',
		filesTitle: plainText(right0!),
		rows: right.map(plainText),
		selected: right.filter(line => INVERSE.test(line)).map(plainText)[0],
	};
}

interface Check {
	/** Keys (tmux names) that set the stage; the pane is focused first. */
	prepare?: string[];
	/** Is this the effect of the key? */
	effect: (before: Screen, after: Screen) => boolean;
	/** Keys that put the browser back as it was. */
	undo?: string[];
	/** Pressed in a browser on the image with packages (on its last layer) instead of the example. */
	packages?: boolean;
}

const cursorMoved = (before: Screen, after: Screen) => after.selected !== undefined && after.selected !== before.selected;
const hidden = (screen: Screen) => /hiding ([^·]+)/.exec(screen.filesTitle)?.[1]!.trim().split(', ') ?? [];
const hiding = (status: string): Check => ({effect: (before, after) => !hidden(before).includes(status) && hidden(after).includes(status), undo: [status[0]!]});
const folded = (row: string | undefined) => row?.includes('⊕') ?? false;

const FIND_OS_RELEASE = ['Home', 'f', ...'os-release', 'Enter'];

const CHECKS: Record<Command, Check> = {
	// Layers → files → details → layers.
	'switch-pane': {effect: (before, after) => before.focus === 'layers' && after.focus === 'files', undo: ['Tab', 'Tab']},
	'open-detail': {prepare: ['End'], effect: (before, after) => before.focus === 'details' && after.focus === 'files' && (after.selected?.trim() ?? '') !== ''},
	up: {prepare: ['Home', 'Down', 'Down'], effect: cursorMoved},
	down: {prepare: ['Home'], effect: cursorMoved},
	'page-up': {prepare: ['End'], effect: (before, after) => cursorMoved(before, after) && after.rows.indexOf(after.selected!) < before.rows.indexOf(before.selected!) - 5},
	'page-down': {prepare: ['Home'], effect: (before, after) => cursorMoved(before, after) && after.rows.indexOf(after.selected!) > 5},
	home: {prepare: ['Home', 'Down', 'Down', 'Down'], effect: (before, after) => cursorMoved(before, after) && after.selected === after.rows[0]},
	end: {prepare: ['Home'], effect: (before, after) => cursorMoved(before, after) && after.selected === after.rows.at(-1)},
	collapse: {prepare: ['Home', 'Down'], effect: (before, after) => !folded(before.selected) && folded(after.selected), undo: ['l']},
	expand: {prepare: ['Home', 'Down', 'Space'], effect: (before, after) => folded(before.selected) && !folded(after.selected)},
	'toggle-dir': {prepare: ['Home'], effect: (before, after) => folded(after.selected) !== folded(before.selected) && after.selected!.includes('app'), undo: ['Space']},
	'toggle-all': {effect: (before, after) => after.rows.length < before.rows.length && after.rows.slice(1).every(row => folded(row) || !row.includes('── ') || row.includes('tmp')), undo: ['z']},
	filter: {effect: (_, after) => after.filesTitle.includes('filter: ▏'), undo: ['Escape']},
	'clear-filter': {prepare: ['/', 'p', 'y', 'c', 'Enter'], effect: (before, after) => before.filesTitle.includes('filter: pyc') && !after.filesTitle.includes('filter:')},
	find: {effect: (_, after) => after.filesTitle.includes('find: ▏'), undo: ['Escape']},
	'find-next': {prepare: ['Home', 'f', 'p', 'y', 'c', 'Enter'], effect: (before, after) => cursorMoved(before, after) && /pyc/.test(before.selected!) && /pyc/.test(after.selected!), undo: ['Escape']},
	'find-previous': {prepare: ['Home', 'f', 'p', 'y', 'c', 'Enter'], effect: (before, after) => cursorMoved(before, after) && /pyc/.test(before.selected!) && /pyc/.test(after.selected!), undo: ['Escape']},
	'layer-view': {effect: (_, after) => after.filesTitle.startsWith('Files: changes in layer'), undo: ['Tab', 'C-a']},
	'aggregated-view': {prepare: ['C-l'], effect: (before, after) => before.filesTitle.startsWith('Files: changes') && after.filesTitle.startsWith('Files: filesystem after layer')},
	'toggle-added': hiding('added'),
	'toggle-removed': hiding('removed'),
	'toggle-modified': hiding('modified'),
	'toggle-unmodified': hiding('unmodified'),
	'toggle-attributes': {effect: (before, after) => before.text.includes('Permission') && !after.text.includes('Permission'), undo: ['b']},
	sort: {effect: (_, after) => after.filesTitle.includes('by size'), undo: ['s']},
	'largest-waste': {effect: (_, after) => after.focus === 'files' && /_Packages\s*$|deb\.debian\.org_debian/.test(after.selected ?? '')},
	help: {effect: (_, after) => after.text.includes('Keys (? closes)'), undo: ['?']},
	// The viewer: opened on /etc/os-release (found with f), a text file of the last layer.
	'view-file': {prepare: FIND_OS_RELEASE, effect: (_, after) => after.filesTitle.startsWith('View: /etc/os-release · layer 5') && /│ *1 │ \S/.test(after.text), undo: ['Escape', 'Escape']},
	// The last layer's own change to a file it removed (in its changes view, where removed paths are listed).
	'diff-file': {prepare: ['C-l', 'Home', 'f', ...'Packages', 'Enter'], effect: (_, after) => after.filesTitle.startsWith('Change: /var/lib/apt/lists/') && after.text.includes('+++ /dev/null') && after.text.includes('@@ -1,'), undo: ['Escape', 'Escape', 'Tab', 'Tab', 'C-a']},
	// Only asked here (n cancels): the test's shell runs in the repository, where nothing is written.
	extract: {prepare: FIND_OS_RELEASE, effect: (_, after) => after.text.includes('x: extract /etc/os-release (as layer 5 left it) to ') && after.text.includes('y extracts'), undo: ['n', 'Escape']},
	'close-viewer': {prepare: [...FIND_OS_RELEASE, 'v'], effect: (before, after) => before.filesTitle.startsWith('View: /etc/os-release') && after.filesTitle.startsWith('Files:'), undo: ['Escape']},
	'wrap-lines': {prepare: [...FIND_OS_RELEASE, 'v'], effect: (before, after) => !before.filesTitle.includes('wrapped') && after.filesTitle.includes('wrapped'), undo: ['Escape', 'Escape']},
	// The packages list: p opens it (the example image has none, and the list says so) and closes it.
	packages: {effect: (before, after) => before.filesTitle.startsWith('Files:') && after.filesTitle.startsWith('Packages (0)') && after.text.includes('no package database found'), undo: ['p']},
	'open-package': {packages: true, prepare: ['p', '/', 'j', 'q', 'Enter'], effect: (before, after) => before.filesTitle.startsWith('Packages (') && after.filesTitle.startsWith('Files: files of package jq 1.6-2.1 (deb) (3 files)') && after.text.includes('jq.1.gz'), undo: ['Escape', 'p', 'Escape', 'Escape']},
	// With no name filter (the one above is cleared by its undo), Esc closes the list.
	'close-packages': {packages: true, prepare: ['p'], effect: (before, after) => before.filesTitle.startsWith('Packages (') && after.filesTitle.startsWith('Files: filesystem after layer 1')},
	// Checked below: each quits a browser of its own.
	quit: {effect: () => true},
};

describe.runIf(hasTmux)('every key of the keymap, as a terminal sends it', {timeout: 120_000}, () => {
	const tmux = new Tmux();
	const session = 'keys';
	afterAll(() => tmux.kill());

	/** A new shell running a new browser. */
	let onPackages = false;
	const start = async (packages = false) => {
		tmux.kill();
		await tmux.newSession(session, `env -u NO_COLOR -u CI TERM=xterm-256color sh`);
		// On the last layer, where every kind of change and the whole tree are there to press keys at.
		const [input, last, count] = packages ? [packageImage, 1, 2] : [image, 5, 6];
		tmux.keys(session, `clear; node ${builtCli} ${input} --layer ${last}; echo SHELL-IS-BACK`, 'Enter');
		await tmux.waitFor(session, text => text.includes(`Layers (${count})`) && text.includes(`Files: filesystem after layer ${last}`), 'the browser');
		onPackages = packages;
	};
	const now = () => read(tmux.screen(session, true));
	const focus = async (pane: Pane | undefined) => {
		await settle();
		// Tab goes round the three panes.
		for (let tries = 0; pane !== undefined && now().focus !== pane && tries < 3; tries++) {
			tmux.keys(session, 'Tab');
			await settle();
		}
		if (pane !== undefined) expect(now().focus, `the ${pane} pane focused`).toBe(pane);
	};
	/** Until the screen stops changing: every frame a key asked for has been drawn. */
	const settle = async () => {
		let last = tmux.screen(session, true);
		for (let quiet = 0; quiet < 3; ) {
			await sleep(60);
			const next = tmux.screen(session, true);
			quiet = next === last ? quiet + 1 : 0;
			last = next;
		}
	};
	const press = async (keys: string[]) => {
		for (const key of keys) {
			tmux.keys(session, key);
			// Keys typed faster than a frame arrive together; Escape followed at once by a letter would read as Alt+letter.
			await settle();
		}
	};

	it('each key has its effect', async () => {
		await start();
		const tried: string[] = [];
		for (const binding of KEYMAP) {
			if (binding.command === 'quit') continue;
			const check = CHECKS[binding.command];
			if ((check.packages ?? false) !== onPackages) await start(check.packages);
			for (const label of binding.keys) {
				// Start each key from the files pane's whole tree, unless the binding lives in the layers pane.
				// The viewer's and the packages list's keys start from the files pane too: their check opens them.
				await focus(binding.pane === 'viewer' || binding.pane === 'packages' ? 'files' : binding.pane ?? (binding.command === 'switch-pane' ? 'layers' : 'files'));
				await press(check.prepare ?? []);
				const before = now();
				tmux.keys(session, tmuxKey(label));
				try {
					await tmux.waitFor(session, raw => check.effect(before, read(raw)), `${label} (${binding.command})`, {escapes: true, timeoutMs: 3000});
				} catch (error) {
					throw new Error(`${label} → ${binding.command}: ${(error as Error).message}`);
				}
				await press(check.undo ?? []);
				// largest-waste moves to another layer: go back to the last one, where the test opened the browser.
				if (binding.command === 'largest-waste') {
					await focus('layers');
					await press(['End']);
				}
				tried.push(`${label}:${binding.command}`);
			}
		}
		expect(tried.length).toBe(KEYMAP.filter(binding => binding.command !== 'quit').reduce((count, binding) => count + binding.keys.length, 0));
	});

	it.each(KEYMAP.find(binding => binding.command === 'quit')!.keys)('%s quits and gives the shell back', async label => {
		await start();
		tmux.keys(session, tmuxKey(label));
		const text = await tmux.waitFor(session, screen => screen.includes('SHELL-IS-BACK'), 'the shell');
		expect(text).not.toContain('Layers (6)');
	});

	it('--layer N opens the browser on layer N; a layer the image lacks is one line and exit 2', async () => {
		tmux.kill();
		await tmux.newSession(session, `env -u NO_COLOR -u CI TERM=xterm-256color sh`);
		tmux.keys(session, `clear; node ${builtCli} ${image} --layer 2; echo "EXIT=$?"`, 'Enter');
		const text = await tmux.waitFor(session, screen => screen.includes('Files: filesystem after layer 2'), 'layer 2');
		expect(text).toContain('Layer 2');
		tmux.keys(session, 'q');
		await tmux.waitFor(session, screen => screen.includes('EXIT=0'), 'the shell');
		tmux.keys(session, `clear; node ${builtCli} ${image} --layer 9; echo "EXIT=$?"`, 'Enter');
		const error = await tmux.waitFor(session, screen => screen.includes('EXIT=2'), 'the error');
		expect(error).toMatch(/^layerscope: --layer must be between 0 and 5 for this image, not 9$/m);
	});
});
