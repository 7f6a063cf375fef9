/**
 * Every key the browser knows, as data: this one table drives input
 * handling, the status bar, the help overlay and the README's key table.
 */
export type Pane = 'layers' | 'files' | 'details' | 'viewer' | 'packages';

/** The panes Tab goes through; the viewer and the packages list open over the file pane and close back to it. */
export const PANES: readonly Pane[] = ['layers', 'files', 'details'];

export type Command =
	| 'switch-pane'
	| 'up'
	| 'down'
	| 'page-up'
	| 'page-down'
	| 'home'
	| 'end'
	| 'collapse'
	| 'expand'
	| 'toggle-dir'
	| 'toggle-all'
	| 'filter'
	| 'clear-filter'
	| 'find'
	| 'find-next'
	| 'find-previous'
	| 'layer-view'
	| 'aggregated-view'
	| 'toggle-added'
	| 'toggle-removed'
	| 'toggle-modified'
	| 'toggle-unmodified'
	| 'toggle-attributes'
	| 'sort'
	| 'largest-waste'
	| 'open-detail'
	| 'view-file'
	| 'diff-file'
	| 'extract'
	| 'close-viewer'
	| 'wrap-lines'
	| 'packages'
	| 'open-package'
	| 'close-packages'
	| 'help'
	| 'quit';

/** A key as the input handler sees it: a name ("tab", "up", "space"…) or a character, with ctrl. */
export interface KeyPress {
	name: string;
	ctrl: boolean;
}

export interface Binding {
	command: Command;
	/** As written in help: "↑ k", "Ctrl+F /". */
	keys: string[];
	/** What the input handler matches. */
	presses: KeyPress[];
	/** Where it works; undefined: everywhere. */
	pane?: Pane;
	label: string;
	/** Shown in the status bar (the rest only in help). */
	bar?: boolean;
}

const key = (name: string, ctrl = false): KeyPress => ({name, ctrl});

export const KEYMAP: Binding[] = [
	{command: 'switch-pane', keys: ['Tab'], presses: [key('tab')], label: 'switch pane', bar: true},
	{command: 'up', keys: ['↑', 'k'], presses: [key('up'), key('k')], label: 'up'},
	{command: 'down', keys: ['↓', 'j'], presses: [key('down'), key('j')], label: 'down'},
	{command: 'page-up', keys: ['PgUp'], presses: [key('pageup')], label: 'page up'},
	{command: 'page-down', keys: ['PgDn'], presses: [key('pagedown')], label: 'page down'},
	{command: 'home', keys: ['Home', 'g'], presses: [key('home'), key('g')], label: 'first'},
	{command: 'end', keys: ['End', 'G'], presses: [key('end'), key('G')], label: 'last'},
	{command: 'collapse', keys: ['←', 'h'], presses: [key('left'), key('h')], pane: 'files', label: 'collapse / parent'},
	{command: 'expand', keys: ['→', 'l'], presses: [key('right'), key('l')], pane: 'files', label: 'expand'},
	{command: 'toggle-dir', keys: ['Enter', 'Space'], presses: [key('return'), key('space')], pane: 'files', label: 'open / close dir; view a file', bar: true},
	{command: 'view-file', keys: ['v'], presses: [key('v')], pane: 'files', label: 'view the file'},
	{command: 'diff-file', keys: ['d'], presses: [key('d')], pane: 'files', label: "the layer's change to the file", bar: true},
	{command: 'extract', keys: ['x'], presses: [key('x')], pane: 'files', label: 'extract to the current directory (y confirms)'},
	{command: 'close-viewer', keys: ['Esc', 'q'], presses: [key('escape'), key('q')], pane: 'viewer', label: 'close the viewer', bar: true},
	{command: 'wrap-lines', keys: ['w'], presses: [key('w')], pane: 'viewer', label: 'wrap / cut long lines', bar: true},
	{command: 'toggle-all', keys: ['Ctrl+Space', 'z'], presses: [key('space', true), key('z')], pane: 'files', label: 'fold all'},
	{command: 'filter', keys: ['/', 'Ctrl+F'], presses: [key('/'), key('f', true)], label: 'filter', bar: true},
	{command: 'clear-filter', keys: ['Esc'], presses: [key('escape')], label: 'clear filter and find'},
	{command: 'find', keys: ['f'], presses: [key('f')], label: 'find (the tree stays whole)', bar: true},
	{command: 'find-next', keys: ['n'], presses: [key('n')], label: 'next match'},
	{command: 'find-previous', keys: ['N'], presses: [key('N')], label: 'previous match'},
	{command: 'layer-view', keys: ['Ctrl+L'], presses: [key('l', true)], label: 'layer changes', bar: true},
	{command: 'aggregated-view', keys: ['Ctrl+A'], presses: [key('a', true)], pane: 'layers', label: 'aggregated', bar: true},
	{command: 'toggle-added', keys: ['Ctrl+A', 'a'], presses: [key('a', true), key('a')], pane: 'files', label: 'added'},
	{command: 'toggle-removed', keys: ['Ctrl+R', 'r'], presses: [key('r', true), key('r')], pane: 'files', label: 'removed'},
	// dive's Ctrl+M is the byte a terminal sends for Enter (CR): it cannot be told apart, so Enter opens directories and m toggles.
	{command: 'toggle-modified', keys: ['m'], presses: [key('m')], pane: 'files', label: 'modified'},
	{command: 'toggle-unmodified', keys: ['Ctrl+U', 'u'], presses: [key('u', true), key('u')], pane: 'files', label: 'unmodified'},
	{command: 'toggle-attributes', keys: ['Ctrl+B', 'b'], presses: [key('b', true), key('b')], pane: 'files', label: 'attributes'},
	{command: 'sort', keys: ['s', 'Ctrl+O'], presses: [key('s'), key('o', true)], label: 'sort name/size', bar: true},
	{command: 'open-detail', keys: ['Enter'], presses: [key('return')], pane: 'details', label: 'show it in the tree', bar: true},
	{command: 'largest-waste', keys: ['w'], presses: [key('w')], label: 'next largest waste', bar: true},
	{command: 'packages', keys: ['p'], presses: [key('p')], label: 'packages, largest first (p again closes)', bar: true},
	{command: 'open-package', keys: ['Enter'], presses: [key('return')], pane: 'packages', label: "the package's files in the tree", bar: true},
	{command: 'close-packages', keys: ['Esc'], presses: [key('escape')], pane: 'packages', label: 'clear the name filter, else close the list', bar: true},
	{command: 'help', keys: ['?'], presses: [key('?')], label: 'help', bar: true},
	{command: 'quit', keys: ['q', 'Ctrl+C'], presses: [key('q'), key('c', true)], label: 'quit', bar: true},
];

/** The command a key press means in a pane: pane-specific bindings first (Ctrl+A means different things). */
export function commandFor(press: KeyPress, pane: Pane, keymap: readonly Binding[] = KEYMAP): Command | undefined {
	const matches = (binding: Binding) => binding.presses.some(p => p.name === press.name && p.ctrl === press.ctrl);
	return (keymap.find(binding => binding.pane === pane && matches(binding)) ?? keymap.find(binding => binding.pane === undefined && matches(binding)))?.command;
}

/** The status bar's hints for the focused pane. */
export function barHints(pane: Pane, keymap: readonly Binding[] = KEYMAP): Array<{keys: string; label: string}> {
	// The viewer answers its own keys and, of the others, only the moves and the search (filter's key looks in the text).
	if (pane === 'viewer') {
		const keysOf = (command: Command) => keymap.find(binding => binding.command === command)?.keys[0];
		const search = [{keys: keysOf('filter'), label: 'search'}, {keys: keysOf('find-next'), label: 'next match'}].filter((hint): hint is {keys: string; label: string} => hint.keys !== undefined);
		return [...keymap.filter(binding => binding.pane === 'viewer').map(binding => ({keys: binding.keys[0]!, label: binding.label})), ...search];
	}
	// The packages list: its own keys first (the others act on the tree), then the name filter and the way out.
	if (pane === 'packages') {
		const hint = (command: Command, label?: string) => keymap.filter(binding => binding.command === command && binding.keys.length > 0).map(binding => ({keys: binding.keys[0]!, label: label ?? binding.label}));
		return [...hint('open-package'), ...hint('filter', 'filter by name'), ...hint('close-packages'), ...hint('packages', 'close'), ...hint('help'), ...hint('quit')];
	}
	return keymap.filter(binding => binding.bar && (binding.pane === undefined || binding.pane === pane)).map(binding => ({keys: binding.keys[0]!, label: binding.label}));
}

/** The README's key table, generated from this one. */
export function keymapMarkdown(): string {
	const lines = ['| keys | action | where |', '| --- | --- | --- |'];
	for (const binding of KEYMAP) lines.push(`| ${binding.keys.map(k => `\`${k}\``).join(' ')} | ${binding.label} | ${binding.pane ?? 'anywhere'} |`);
	return lines.join('\n');
}
