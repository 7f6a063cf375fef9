import {escapeForTerminal} from '../report/escape.js';
import type {TreeChangeStatus as ChangeStatus} from '../tree/tree-view.js';
import type {DetailStop} from './details-pane.js';
import {PANES, type Command, type Pane} from './keymap.js';
import type {Row, RowList, ViewMode} from './visible-rows.js';

/** Everything the browser remembers between key presses; the tree model never changes. */
export interface ViewState {
	focus: Pane;
	layer: number;
	view: ViewMode;
	cursor: number;
	scroll: number;
	/** Directories folded differently from `foldAll`. */
	collapsed: ReadonlySet<number>;
	foldAll: boolean;
	filter: string;
	/** Typing a filter: keys go to the filter text. */
	filtering: boolean;
	/** What `f` looks for; `n`/`N` jump to its next and previous match. */
	find: string;
	/** Typing what to find. */
	finding: boolean;
	/** The last jump found nothing. */
	findMissed: boolean;
	hidden: Readonly<Record<ChangeStatus, boolean>>;
	attributes: boolean;
	sort: 'name' | 'size';
	help: boolean;
	/** The first line of help shown (it scrolls when the keys do not fit). */
	helpScroll: number;
	quit: boolean;
	/** A path to put the cursor on once the rows for the new state exist (after "w"). */
	pendingFocus: number | null;
	/** The next dead file "w" jumps to (they are largest first; it cycles). */
	wasteIndex: number;
	/** A line for the status bar, until the next key: what "w" jumped to. */
	notice: string | null;
	/** The details pane: which of its selectable lines the cursor is on, and the first line shown. */
	detailCursor: number;
	detailScroll: number;
	/** The viewer pane over the file pane: a file as a step shows it, or the step's change to it. */
	viewing: Viewing | null;
	/** "x" asks first: what would be extracted, until y (or any other key, which cancels). */
	confirming: {step: number; path: string} | null;
	/** The packages list (p, shown while it has focus): its cursor and first row among the packages the name filter keeps. */
	packageCursor: number;
	packageScroll: number;
	/** The list's name filter, and whether keys go to it. */
	packageQuery: string;
	packageTyping: boolean;
	/** The package (its index in the report) whose files the tree is cut down to; null: the whole tree. */
	packageFiles: number | null;
}

export interface Viewing {
	kind: 'view' | 'diff';
	step: number;
	path: string;
}

export function initialState(): ViewState {
	return {
		focus: 'layers',
		layer: 0,
		view: 'aggregated',
		cursor: 0,
		scroll: 0,
		collapsed: new Set(),
		foldAll: false,
		filter: '',
		filtering: false,
		find: '',
		finding: false,
		findMissed: false,
		hidden: {added: false, modified: false, removed: false, unmodified: false},
		attributes: true,
		sort: 'name',
		help: false,
		helpScroll: 0,
		quit: false,
		pendingFocus: null,
		wasteIndex: 0,
		notice: null,
		detailCursor: 0,
		detailScroll: 0,
		viewing: null,
		confirming: null,
		packageCursor: 0,
		packageScroll: 0,
		packageQuery: '',
		packageTyping: false,
		packageFiles: null,
	};
}

/** What a command needs to know about the screen and the data, beyond the state. */
export interface ViewContext {
	layerCount: number;
	rows: RowList;
	/** Rows that fit in the file pane. */
	pageSize: number;
	/** The n-th largest dead file (largest first), for "w": where it is stored, and a line that names it; undefined past the last. */
	waste?: (index: number) => {layer: number; pathId: number; ancestors: number[]; notice: string} | undefined;
	/** What "w" says when there is no dead file to jump to. */
	noWaste?: string;
	/** The details pane: the line index of each selectable line, how many lines fit, and where each leads. */
	details?: {stopCount: number; stop: (index: number) => DetailStop | undefined; height: number; open: (selected: number) => {layer: number; pathId: number; ancestors: number[]} | undefined};
	/** Help's lines, and how many fit below its title. */
	help?: {lines: number; height: number};
	/** The next or previous match of `query` after a path, in the whole tree, with the directories above it. */
	find?: (query: string, fromId: number | null, direction: 1 | -1) => {pathId: number; ancestors: number[]} | undefined;
	/** The packages list: the packages (report indexes) a name filter keeps, in order; the rows that fit; what Enter says of a package with no file to show (undefined: it has some). */
	packages?: {shown: (query: string) => Int32Array; height: number; nothingToShow: (index: number) => string | undefined};
}

const TOGGLES: Partial<Record<Command, ChangeStatus>> = {
	'toggle-added': 'added',
	'toggle-removed': 'removed',
	'toggle-modified': 'modified',
	'toggle-unmodified': 'unmodified',
};

/** A new state for a command; never mutates. Cursor moves are clamped to what exists. A notice lasts until the next key. */
export function reduce(state: ViewState, command: Command, context: ViewContext): ViewState {
	return apply(state.notice === null ? state : {...state, notice: null}, command, context);
}

function apply(state: ViewState, command: Command, context: ViewContext): ViewState {
	const rowCount = context.rows.length;
	const moveFiles = (cursor: number) => withCursor(state, cursor, rowCount, context.pageSize);
	const moveLayer = (layer: number) => ({...state, layer: clamp(layer, 0, context.layerCount - 1), cursor: 0, scroll: 0});
	const inLayers = state.focus === 'layers';
	// The packages list takes the moves as help does (its height is a page), and the filter key filters it by name.
	if (state.focus === 'packages' && !state.help && context.packages && HELP_MOVES[command] !== undefined) return movePackage(state, context.packages, HELP_MOVES[command]!(state.packageCursor, context.packages.height));
	if (state.focus === 'details' && context.details && DETAIL_MOVES[command] !== undefined) return moveDetail(state, context.details, DETAIL_MOVES[command]!(state.detailCursor, context.details));
	const row = context.rows.at(state.cursor);
	// Open, help takes the moves: its lines scroll when they do not fit.
	if (state.help && context.help && HELP_MOVES[command] !== undefined) {
		const last = Math.max(0, context.help.lines - context.help.height);
		return {...state, helpScroll: clamp(HELP_MOVES[command]!(state.helpScroll, context.help.height), 0, last)};
	}

	switch (command) {
		case 'quit':
			return {...state, quit: true};
		case 'help':
			return {...state, help: !state.help, helpScroll: 0};
		case 'switch-pane': {
			// The packages list stands where the file pane does: Tab goes on from there.
			const focus = PANES[(PANES.indexOf(state.focus === 'packages' ? 'files' : state.focus) + 1) % PANES.length]!;
			// Into the details pane: its cursor's entry in full view.
			return focus === 'details' && context.details ? moveDetail({...state, focus}, context.details, state.detailCursor) : {...state, focus};
		}
		case 'open-detail': {
			const target = context.details?.open(state.detailCursor);
			if (!target) return state;
			return {...reveal(state, target.ancestors), layer: target.layer, view: 'aggregated', focus: 'files', hidden: initialState().hidden, pendingFocus: target.pathId};
		}
		case 'up':
			return inLayers ? moveLayer(state.layer - 1) : moveFiles(state.cursor - 1);
		case 'down':
			return inLayers ? moveLayer(state.layer + 1) : moveFiles(state.cursor + 1);
		case 'page-up':
			return inLayers ? moveLayer(state.layer - 10) : moveFiles(state.cursor - context.pageSize);
		case 'page-down':
			return inLayers ? moveLayer(state.layer + 10) : moveFiles(state.cursor + context.pageSize);
		case 'home':
			return inLayers ? moveLayer(0) : moveFiles(0);
		case 'end':
			return inLayers ? moveLayer(context.layerCount - 1) : moveFiles(rowCount - 1);
		case 'toggle-dir':
			if (row && !row.isDir) return view(state, row, 'view');
			return row?.isDir ? {...state, collapsed: toggled(state.collapsed, row.id)} : state;
		case 'extract':
			return row ? {...state, confirming: {step: row.status === 'removed' ? state.layer - 1 : state.layer, path: row.path}} : state;
		case 'view-file':
			return row && !row.isDir ? view(state, row, 'view') : state;
		case 'diff-file':
			if (!row || row.isDir) return state;
			// The layer's own change: in the aggregated view a path the layer did not touch has none.
			return row.status === 'unmodified' ? {...state, notice: `d: layer ${state.layer} did not change ${escapeForTerminal(row.name)} (v views it)`} : view(state, row, 'diff');
		case 'expand':
			return row?.isDir && row.collapsed ? {...state, collapsed: toggled(state.collapsed, row.id)} : moveFiles(state.cursor + (row?.isDir ? 1 : 0));
		case 'collapse': {
			if (row?.isDir && !row.collapsed) return {...state, collapsed: toggled(state.collapsed, row.id)};
			// Already folded, or a file: go to the parent directory's row.
			for (let index = state.cursor - 1; index >= 0; index--) if (context.rows.depthAt(index) < (row?.depth ?? 0)) return moveFiles(index);
			return state;
		}
		case 'toggle-all':
			return {...state, foldAll: !state.foldAll, collapsed: new Set(), cursor: 0, scroll: 0};
		case 'filter':
			if (state.focus === 'packages') return {...state, packageTyping: true, help: false};
			return {...state, filtering: true, focus: 'files'};
		case 'clear-filter':
			if (state.focus === 'packages') return closePackages(state);
			return {...state, filter: '', filtering: false, find: '', finding: false, findMissed: false, help: false, cursor: 0, scroll: 0, packageFiles: null};
		case 'packages':
			if (state.focus === 'packages') return {...state, focus: 'files', help: false};
			if (!context.packages) return {...state, notice: 'p: no package list here (packages are listed for one image)'};
			return {...state, focus: 'packages', help: false, packageTyping: false};
		case 'close-packages':
			return closePackages(state);
		case 'open-package': {
			const index = context.packages?.shown(state.packageQuery)[state.packageCursor];
			if (index === undefined || !context.packages) return state;
			const nothing = context.packages.nothingToShow(index);
			if (nothing !== undefined) return {...state, notice: nothing};
			// Exactly the package's paths, in the filesystem they were counted in: the last layer's, whole (nothing hidden, no text filter).
			return {...state, focus: 'files', packageFiles: index, layer: Math.max(0, context.layerCount - 1), view: 'aggregated', hidden: initialState().hidden, filter: '', filtering: false, find: '', finding: false, findMissed: false, cursor: 0, scroll: 0};
		}
		case 'layer-view':
			return {...state, view: 'layer', cursor: 0, scroll: 0};
		case 'aggregated-view':
			return {...state, view: 'aggregated', cursor: 0, scroll: 0};
		case 'toggle-attributes':
			return {...state, attributes: !state.attributes};
		case 'sort':
			return {...state, sort: state.sort === 'name' ? 'size' : 'name', cursor: 0, scroll: 0};
		case 'largest-waste': {
			// Largest first, then round again.
			const index = context.waste?.(state.wasteIndex) ? state.wasteIndex : 0;
			const target = context.waste?.(index);
			if (!target) return {...state, notice: context.noWaste ?? 'no waste: every stored byte is in the final filesystem'};
			return {...reveal(state, target.ancestors), layer: target.layer, view: 'aggregated', focus: 'files', hidden: initialState().hidden, pendingFocus: target.pathId, wasteIndex: index + 1, notice: target.notice};
		}
		case 'find':
			return {...state, finding: true, find: '', findMissed: false, focus: 'files'};
		case 'find-next':
		case 'find-previous':
			return findFrom(state, context, command === 'find-next' ? 1 : -1);
		default: {
			const status = TOGGLES[command];
			if (!status) return state;
			return {...state, hidden: {...state.hidden, [status]: !state.hidden[status]}, cursor: 0, scroll: 0};
		}
	}
}

/** Esc in the packages list: its name filter goes first, then the list (back to the tree). */
function closePackages(state: ViewState): ViewState {
	if (state.packageQuery !== '' || state.packageTyping) return {...state, packageQuery: '', packageTyping: false, packageCursor: 0, packageScroll: 0};
	return {...state, focus: 'files', help: false};
}

/** The packages list's cursor, clamped to the packages its filter keeps, scrolled only to stay on screen. */
function movePackage(state: ViewState, packages: NonNullable<ViewContext['packages']>, cursor: number): ViewState {
	const count = packages.shown(state.packageQuery).length;
	const next = clamp(cursor, 0, Math.max(0, count - 1));
	let scroll = state.packageScroll;
	if (next < scroll) scroll = next;
	if (next >= scroll + packages.height) scroll = next - packages.height + 1;
	return {...state, packageCursor: next, packageScroll: clamp(scroll, 0, Math.max(0, count - packages.height))};
}

/** Text typed into the packages list's name filter (the cursor goes back to the top); done or cancelled, keys move the list again. */
export function typePackageQuery(state: ViewState, input: {char?: string; backspace?: boolean; done?: boolean; cancel?: boolean}): ViewState {
	if (input.cancel) return {...state, packageTyping: false, packageQuery: '', packageCursor: 0, packageScroll: 0};
	if (input.done) return {...state, packageTyping: false};
	const packageQuery = input.backspace ? state.packageQuery.slice(0, -1) : state.packageQuery + (input.char ?? '');
	return {...state, packageQuery, packageCursor: 0, packageScroll: 0};
}

/** The viewer over a row: what the step shows there (a removed path: as the step before left it), or the step's change. */
function view(state: ViewState, row: Pick<Row, 'path' | 'status'>, kind: Viewing['kind']): ViewState {
	const step = kind === 'view' && row.status === 'removed' ? state.layer - 1 : state.layer;
	return {...state, viewing: {kind, step, path: row.path}};
}

const HELP_MOVES: Partial<Record<Command, (scroll: number, height: number) => number>> = {
	up: scroll => scroll - 1,
	down: scroll => scroll + 1,
	'page-up': (scroll, height) => scroll - height,
	'page-down': (scroll, height) => scroll + height,
	home: () => 0,
	end: () => Number.MAX_SAFE_INTEGER,
};

type Details = NonNullable<ViewContext['details']>;

/** Cursor moves in the details pane, over its selectable lines. */
const DETAIL_MOVES: Partial<Record<Command, (cursor: number, details: Details) => number>> = {
	up: cursor => cursor - 1,
	down: cursor => cursor + 1,
	'page-up': (cursor, details) => cursor - Math.max(1, Math.floor(details.height / 2)),
	'page-down': (cursor, details) => cursor + Math.max(1, Math.floor(details.height / 2)),
	home: () => 0,
	end: (_, details) => details.stopCount - 1,
};

/**
 * The cursor on an entry, and the view scrolled so that all of it shows, with
 * the line below it (where a fix follows its paths) when there is room.
 */
function moveDetail(state: ViewState, details: Details, cursor: number): ViewState {
	const detailCursor = clamp(cursor, 0, Math.max(0, details.stopCount - 1));
	const stop = details.stop(detailCursor);
	if (!stop) return state;
	let detailScroll = state.detailScroll;
	const bottom = Math.min(stop.last + 1, stop.first + details.height - 1);
	if (bottom >= detailScroll + details.height) detailScroll = bottom - details.height + 1;
	if (stop.first < detailScroll) detailScroll = stop.first;
	return {...state, detailCursor, detailScroll};
}

/**
 * Opens the way to a path, whatever the default folding, and clears the
 * filter (a package's files too: the path may be another's); the row index is known only after the rows are rebuilt, so the app
 * resolves `pendingFocus`.
 */
function reveal(state: ViewState, ancestors: readonly number[]): ViewState {
	const collapsed = new Set(state.collapsed);
	for (const ancestor of ancestors) {
		if (state.foldAll) collapsed.add(ancestor);
		else collapsed.delete(ancestor);
	}
	return {...state, collapsed, filter: '', filtering: false, packageFiles: null, cursor: 0, scroll: 0};
}

/** The cursor to the next (or previous) match of what `f` looks for. */
function findFrom(state: ViewState, context: ViewContext, direction: 1 | -1): ViewState {
	if (state.find === '' || !context.find) return state;
	const target = context.find(state.find, context.rows.at(state.cursor)?.id ?? null, direction);
	if (!target) return {...state, findMissed: true};
	return {...reveal(state, target.ancestors), focus: 'files', findMissed: false, pendingFocus: target.pathId};
}

/** Text typed while finding; done, it jumps to the first match after the cursor. */
export function typeFind(state: ViewState, input: {char?: string; backspace?: boolean; done?: boolean; cancel?: boolean}, context: ViewContext): ViewState {
	if (input.cancel) return {...state, finding: false, find: '', findMissed: false};
	if (input.done) return findFrom({...state, finding: false}, context, 1);
	return {...state, find: input.backspace ? state.find.slice(0, -1) : state.find + (input.char ?? ''), findMissed: false};
}

/** Text typed while filtering. */
export function typeFilter(state: ViewState, input: {char?: string; backspace?: boolean; done?: boolean}): ViewState {
	if (input.done) return {...state, filtering: false};
	const filter = input.backspace ? state.filter.slice(0, -1) : state.filter + (input.char ?? '');
	return {...state, filter, cursor: 0, scroll: 0};
}

/** Keeps the cursor on screen: scrolls only when it would leave the page. */
export function withCursor(state: ViewState, cursor: number, rowCount: number, pageSize: number): ViewState {
	const next = clamp(cursor, 0, Math.max(0, rowCount - 1));
	let scroll = state.scroll;
	if (next < scroll) scroll = next;
	if (next >= scroll + pageSize) scroll = next - pageSize + 1;
	return {...state, cursor: next, scroll: clamp(scroll, 0, Math.max(0, rowCount - pageSize))};
}

function clamp(value: number, low: number, high: number): number {
	return Math.max(low, Math.min(high, value));
}

function toggled(set: ReadonlySet<number>, id: number): Set<number> {
	const next = new Set(set);
	if (next.has(id)) next.delete(id);
	else next.add(id);
	return next;
}
