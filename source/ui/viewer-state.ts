import type {Command} from './keymap.js';
import type {ViewerDocument} from './viewer-document.js';

/** Where the viewer pane is in its document: the first row shown, wrapping, and what `/` looks for. */
export interface ViewerState {
	/** The first row on screen (a row is a line, or with wrap a piece of one). */
	top: number;
	wrap: boolean;
	query: string;
	/** Typing the query: keys go to it. */
	typing: boolean;
	/** The line of the last match, shown marked. */
	match: number | null;
	missed: boolean;
}

export const INITIAL_VIEWER: ViewerState = {top: 0, wrap: false, query: '', typing: false, match: null, missed: false};

/** The document's rows at a width: all lines cut, or wrapped into pieces. */
export interface ViewerRows {
	count: number;
	/** The line and its piece at a row. */
	at(row: number): {line: number; part: number | undefined};
	firstRowOf(line: number): number;
}

export function viewerRows(document: ViewerDocument, width: number, wrap: boolean): ViewerRows {
	if (!wrap || document.kind === 'binary') return {count: document.lineCount, at: row => ({line: row, part: undefined}), firstRowOf: line => line};
	// Where each line's first row is: one pass over the lines (the viewer's limit bounds them).
	const starts = new Int32Array(document.lineCount + 1);
	for (let line = 0; line < document.lineCount; line++) starts[line + 1] = starts[line]! + document.parts(line, width);
	return {
		count: starts[document.lineCount]!,
		at(row) {
			let low = 0;
			let high = document.lineCount - 1;
			while (low < high) {
				const mid = (low + high + 1) >> 1;
				if (starts[mid]! <= row) low = mid;
				else high = mid - 1;
			}
			return {line: low, part: row - starts[low]!};
		},
		firstRowOf: line => starts[line]!,
	};
}

/** A new viewer state for a command (or `close` for the browser to act on). */
export function reduceViewer(state: ViewerState, command: Command, document: ViewerDocument | undefined, rows: ViewerRows | undefined, page: number): ViewerState | 'close' {
	const last = Math.max(0, (rows?.count ?? 0) - page);
	const scroll = (top: number) => ({...state, top: Math.max(0, Math.min(last, top))});
	switch (command) {
		case 'close-viewer':
			return 'close';
		case 'up':
			return scroll(state.top - 1);
		case 'down':
			return scroll(state.top + 1);
		case 'page-up':
			return scroll(state.top - page);
		case 'page-down':
			return scroll(state.top + page);
		case 'home':
			return scroll(0);
		case 'end':
			return scroll(last);
		case 'wrap-lines': {
			// The line at the top stays at the top.
			return {...state, wrap: !state.wrap, top: rows && rows.count > 0 ? rows.at(state.top).line : 0};
		}
		case 'filter':
		case 'find':
			return {...state, typing: true, query: '', missed: false};
		case 'find-next':
		case 'find-previous':
			return document && rows ? search(state, document, rows, command === 'find-next' ? 1 : -1, page) : state;
		default:
			return state;
	}
}

/** Text typed after `/`; Enter looks for it from the line at the top, Esc gives up. */
export function typeViewerQuery(state: ViewerState, input: {char?: string; backspace?: boolean; done?: boolean; cancel?: boolean}, document: ViewerDocument | undefined, rows: ViewerRows | undefined, page: number): ViewerState {
	if (input.cancel) return {...state, typing: false, query: '', match: null, missed: false};
	if (input.done) {
		const typed = {...state, typing: false};
		return document && rows ? search(typed, document, rows, 1, page, true) : typed;
	}
	return {...state, query: input.backspace ? state.query.slice(0, -1) : state.query + (input.char ?? '')};
}

/** The next (previous) line holding the query after the last match (or from the top), round the end; it is put at the top. */
function search(state: ViewerState, document: ViewerDocument, rows: ViewerRows, direction: 1 | -1, page: number, fromTop = false): ViewerState {
	if (state.query === '' || document.lineCount === 0) return state;
	const needle = state.query.toLowerCase();
	const start = fromTop || state.match === null ? (rows.count > 0 ? rows.at(state.top).line : 0) - (direction === 1 ? 1 : -1) : state.match;
	for (let step = 1; step <= document.lineCount; step++) {
		const line = (((start + direction * step) % document.lineCount) + document.lineCount) % document.lineCount;
		if (document.text(line).toLowerCase().includes(needle)) {
			const last = Math.max(0, rows.count - page);
			return {...state, match: line, missed: false, top: Math.min(last, rows.firstRowOf(line))};
		}
	}
	return {...state, match: null, missed: true};
}
