import {existsSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {UsageError} from '../errors.js';
import {parseYamlDocument} from '../yaml-document.js';
import {KEYMAP, PANES, type Binding, type Command, type KeyPress} from './keymap.js';

/**
 * The browser's settings, as dive keeps its own in ~/.dive.yaml:
 * `$XDG_CONFIG_HOME/layerscope/config.yml` (default ~/.config/…), e.g.
 *
 *   keys:     {find: [ctrl+s, f], quit: q}   # any command of the keymap, one key or a list
 *   columns:  {attributes: false}            # mode and owner columns at start
 *   layout:   {left: 0.35}                   # the left column's share of the width, 0.2–0.8
 *   start:    {layer: last, fold: auto}      # first | last | N; auto | all | none
 *
 * Anything it cannot read is one line and exit 2, like every other error.
 */
export interface BrowserConfig {
	keymap: Binding[];
	attributes: boolean;
	/** The left column's share of the width; null: the default. */
	leftShare: number | null;
	layer: 'first' | 'last' | number;
	fold: 'auto' | 'all' | 'none';
}

export const DEFAULT_BROWSER_CONFIG: BrowserConfig = {keymap: KEYMAP, attributes: true, leftShare: null, layer: 'first', fold: 'auto'};

export function browserConfigPath(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? os.homedir(), '.config');
	return path.join(base, 'layerscope', 'config.yml');
}

/** The config file's settings, or the defaults when there is none. */
export function loadBrowserConfig(env: NodeJS.ProcessEnv = process.env): BrowserConfig {
	const file = browserConfigPath(env);
	if (!existsSync(file)) return DEFAULT_BROWSER_CONFIG;
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
	}
	return parseBrowserConfig(text, file);
}

const NAMED_KEYS: Record<string, string> = {tab: 'tab', up: 'up', down: 'down', left: 'left', right: 'right', pageup: 'pageup', pgup: 'pageup', pagedown: 'pagedown', pgdn: 'pagedown', home: 'home', end: 'end', space: 'space', enter: 'return', return: 'return', esc: 'escape', escape: 'escape'};
const SHOWN: Record<string, string> = {tab: 'Tab', up: '↑', down: '↓', left: '←', right: '→', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End', space: 'Space', return: 'Enter', escape: 'Esc'};

/** "ctrl+s", "f", "G", "pgdn", "ctrl+space": what the input handler matches, and how help shows it. */
export function parseKey(text: string): {press: KeyPress; shown: string} | undefined {
	const ctrl = /^ctrl\+(.+)$/i.exec(text.trim());
	const rest = ctrl ? ctrl[1]! : text.trim();
	const named = NAMED_KEYS[rest.toLowerCase()];
	if (named) return {press: {name: named, ctrl: Boolean(ctrl)}, shown: `${ctrl ? 'Ctrl+' : ''}${ctrl && named === 'space' ? 'Space' : SHOWN[named]}`};
	if ([...rest].length !== 1 || /\s/.test(rest)) return undefined;
	// A terminal sends Ctrl with a letter only (and Ctrl+M is Enter): other Ctrl chords cannot be told apart.
	if (ctrl && !/^[a-z]$/i.test(rest)) return undefined;
	if (ctrl && /^[mij[h]$/i.test(rest)) return undefined;
	const name = ctrl ? rest.toLowerCase() : rest;
	return {press: {name, ctrl: Boolean(ctrl)}, shown: ctrl ? `Ctrl+${name.toUpperCase()}` : name};
}

export function parseBrowserConfig(text: string, file: string): BrowserConfig {
	const document = parseYamlDocument(text, file);
	if (document === null || document === undefined) return DEFAULT_BROWSER_CONFIG;
	const fail = (problem: string): never => {
		throw new UsageError(`${file}: ${problem}`);
	};
	const record = (value: unknown, where: string, known: string[]): Record<string, unknown> => {
		if (value === undefined) return {};
		if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be a mapping`);
		const unknown = Object.keys(value as object).filter(key => !known.includes(key));
		if (unknown.length > 0) fail(`unknown setting ${unknown.map(key => `"${where ? `${where}.` : ''}${key}"`).join(', ')} (known: ${known.map(key => (where ? `${where}.${key}` : key)).join(', ')})`);
		return value as Record<string, unknown>;
	};
	const top = record(document, '', ['keys', 'columns', 'layout', 'start']);
	const commands = [...new Set(KEYMAP.map(binding => binding.command))];
	const keys = record(top.keys, 'keys', commands);
	const columns = record(top.columns, 'columns', ['attributes']);
	const layout = record(top.layout, 'layout', ['left']);
	const start = record(top.start, 'start', ['layer', 'fold']);

	const keymap = KEYMAP.map(binding => {
		const given = keys[binding.command];
		if (given === undefined) return binding;
		const list = Array.isArray(given) ? given : [given];
		if (list.length === 0 || list.some(key => typeof key !== 'string')) fail(`keys.${binding.command} must be a key or a list of keys`);
		const parsed = (list as string[]).map(key => parseKey(key) ?? fail(`keys.${binding.command}: "${key}" is not a key a terminal can send (a character, ctrl+LETTER, ctrl+space, or ${Object.keys(NAMED_KEYS).join(', ')})`));
		return {...binding, keys: parsed.map(key => key.shown), presses: parsed.map(key => key.press)};
	});
	checkConflicts(keymap, fail);

	if (columns.attributes !== undefined && typeof columns.attributes !== 'boolean') fail('columns.attributes must be true or false');
	const left = layout.left;
	if (left !== undefined && (typeof left !== 'number' || left < 0.2 || left > 0.8)) fail(`layout.left must be a share of the width between 0.2 and 0.8, not ${JSON.stringify(left)}`);
	const layer = start.layer;
	if (layer !== undefined && layer !== 'first' && layer !== 'last' && !(Number.isInteger(layer) && (layer as number) >= 0)) fail(`start.layer must be first, last or a layer number, not ${JSON.stringify(layer)}`);
	const fold = start.fold;
	if (fold !== undefined && fold !== 'auto' && fold !== 'all' && fold !== 'none') fail(`start.fold must be auto, all or none, not ${JSON.stringify(fold)}`);
	return {
		keymap,
		attributes: (columns.attributes as boolean | undefined) ?? true,
		leftShare: (left as number | undefined) ?? null,
		layer: (layer as BrowserConfig['layer'] | undefined) ?? 'first',
		fold: (fold as BrowserConfig['fold'] | undefined) ?? 'auto',
	};
}

/** A key bound to two commands where both work is a config error: which one would it run? */
function checkConflicts(keymap: Binding[], fail: (problem: string) => never): void {
	for (const pane of PANES) {
		const seen = new Map<string, Command>();
		for (const binding of keymap.filter(b => b.pane === undefined || b.pane === pane)) {
			for (const [index, press] of binding.presses.entries()) {
				const id = `${press.ctrl ? 'ctrl+' : ''}${press.name}`;
				const other = seen.get(id);
				if (other !== undefined && other !== binding.command) fail(`keys: ${binding.keys[index]} is bound to both ${other} and ${binding.command} in the ${pane} pane`);
				seen.set(id, binding.command);
			}
		}
	}
}
