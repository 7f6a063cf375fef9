import {useInput} from 'ink';
import prettyBytes from 'pretty-bytes';
import React, {useMemo, useRef, useState} from 'react';
import type {FileAccess} from '../content/file-access.js';
import type {FileChange} from '../content/file-change.js';
import {escapeControlCharacters, escapeForTerminal} from '../report/escape.js';
import type {Style} from '../report/style.js';
import {fit} from './columns.js';
import {commandFor, type Binding} from './keymap.js';
import {keyPress} from './key-press.js';
import {PaintedLines} from './painted-lines.js';
import {useViewedFile, type Viewed} from './use-viewed-file.js';
import {INITIAL_VIEWER, reduceViewer, typeViewerQuery, viewerRows, type ViewerRows, type ViewerState} from './viewer-state.js';
import type {Viewing} from './view-state.js';

export interface FileViewerProps {
	access: FileAccess | undefined;
	viewing: Viewing;
	width: number;
	/** Rows for the whole pane, its title included. */
	height: number;
	style: Style;
	keymap: readonly Binding[];
	onClose: () => void;
	onQuit: () => void;
}

/**
 * The viewer pane, over the file pane: a file's text with line numbers (cut
 * or wrapped), or its hex dump; scrolled, searched with `/` and `n`. It has
 * the keys while it is open (the browser's are inactive).
 */
export function FileViewer({access, viewing, width, height, style, keymap, onClose, onQuit}: FileViewerProps) {
	const viewed = useViewedFile(access, viewing);
	const [state, setState] = useState<ViewerState>(INITIAL_VIEWER);
	const document = viewed.state === 'ready' ? viewed.document : undefined;
	const page = Math.max(1, height - 1);
	const rows = useMemo(() => (document ? viewerRows(document, width - 1, state.wrap) : undefined), [document, width, state.wrap]);
	const latest = useRef(state);
	latest.current = state;

	useInput((input, key) => {
		const press = keyPress(input, key);
		if (press.ctrl && press.name === 'c') return onQuit();
		const current = latest.current;
		if (current.typing) {
			const typed = press.name === 'escape' ? {cancel: true} : press.name === 'return' ? {done: true} : press.name === 'backspace' ? {backspace: true} : !press.ctrl && input.length > 0 ? {char: input} : undefined;
			if (typed) setState((latest.current = typeViewerQuery(current, typed, document, rows, page)));
			return;
		}
		const command = commandFor(press, 'viewer', keymap);
		if (!command) return;
		if (command === 'quit') return onQuit();
		const next = reduceViewer(current, command, document, rows, page);
		if (next === 'close') return onClose();
		setState((latest.current = next));
	});

	const lines = [title(viewed, viewing, access, state, rows, page, width - 1, style)];
	if (document && rows) {
		for (let row = state.top; row < Math.min(rows.count, state.top + page); row++) {
			const {line, part} = rows.at(row);
			const text = document.row(line, width - 1, part);
			const tone = document.tone?.(line);
			lines.push(line === state.match ? style('inverse', text) : tone ? style(tone, text) : text);
		}
		if (rows.count === 0) lines.push(style('dim', fit('(empty file)', width - 1)));
	} else {
		const progress = viewed.state === 'loading' && viewed.progress ? ` (the layer read up to it: ${prettyBytes(viewed.progress.bytes)} of ${prettyBytes(viewed.progress.total)}, ${Math.floor((100 * viewed.progress.bytes) / Math.max(1, viewed.progress.total))} %)` : '';
		lines.push(fit(viewed.state === 'error' ? `cannot show it: ${viewed.message}` : `reading ${escapeForTerminal(viewing.path)} from ${access?.stepName(viewing.step) ?? 'the image'}…${progress}`, width - 1));
	}
	return <PaintedLines lines={lines.map(line => `│${line.trimEnd()}`)} />;
}

function title(viewed: Viewed, viewing: Viewing, access: FileAccess | undefined, state: ViewerState, rows: ReturnType<typeof viewerRows> | undefined, page: number, width: number, style: Style): string {
	const where = `${escapeForTerminal(viewing.path)} · ${access?.stepName(viewing.step) ?? ''}`;
	let about = '';
	if (viewed.state === 'ready' && viewed.change) {
		const {change, document} = viewed;
		about = ` · ${CHANGE_WORDS[change.kind]}${shownLines('lines', document.lineCount, state.top, rows, page)}`;
	} else if (viewed.state === 'ready' && viewed.file) {
		const {file, document} = viewed;
		const shown = shownLines(document.kind === 'text' ? 'lines' : 'rows', document.lineCount, state.top, rows, page);
		const part = file.truncated ? ` · the first ${prettyBytes(file.bytes.length)} of ${prettyBytes(file.size)}` : ` · ${prettyBytes(file.size)}`;
		const linked = file.path !== viewing.path ? ` → ${escapeForTerminal(file.path)}` : '';
		about = `${linked}${part} · ${document.kind === 'text' ? (document.crlf ? 'text, CRLF' : 'text') : 'binary, hex'}${shown}${state.wrap ? ' · wrapped' : ''}`;
	}
	const query = state.typing || state.query ? ` · /${escapeControlCharacters(state.query)}${state.typing ? '▏' : state.missed ? ' (no match)' : ''}` : '';
	return style('inverse', fit(`${viewing.kind === 'diff' ? 'Change' : 'View'}: ${where}${about}${query}`, width));
}

/** " · lines 3–30 of 60": the lines on screen (a wrapped line counts once), none for an empty document. */
function shownLines(word: string, lineCount: number, top: number, rows: ViewerRows | undefined, page: number): string {
	if (!rows || rows.count === 0) return '';
	return ` · ${word} ${rows.at(top).line + 1}–${rows.at(Math.min(rows.count, top + page) - 1).line + 1} of ${lineCount}`;
}

const CHANGE_WORDS: Record<FileChange['kind'], string> = {text: 'text changed', binary: 'binary content changed', metadata: 'metadata only', added: 'added', removed: 'removed', unchanged: 'unchanged'};
