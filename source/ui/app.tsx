import {Box, Text, useInput} from 'ink';
import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import type {Analysis} from '../analysis/analyse.js';
import path from 'node:path';
import process from 'node:process';
import type {FileAccess} from '../content/file-access.js';
import {extractedWords} from '../content/extract.js';
import {InputError} from '../errors.js';
import {progressLine} from '../cli/progress.js';
import type {LoadProgress} from '../image/load.js';
import type {Style} from '../report/style.js';
import type {TreeView} from '../tree/tree-view.js';
import {escapeControlCharacters, escapeForTerminal} from '../report/escape.js';
import {fit} from './columns.js';
import {attributesFit, formatRow, screenStyle} from './format.js';
import {imageSubject, type BrowserSubject} from './browser-subject.js';
import {DEFAULT_BROWSER_CONFIG, type BrowserConfig} from './browser-config.js';
import {barHints, commandFor} from './keymap.js';
import {keyPress} from './key-press.js';
import {FileViewer} from './file-viewer.js';
import {PaintedLines} from './painted-lines.js';
import {nothingToShow, ownerLine, PACKAGE_LIST_CHROME, packageFilesTitle, packageListLines} from './packages-pane.js';
import {initialState, reduce, typeFilter, typeFind, typePackageQuery, withCursor, type ViewContext, type ViewState} from './view-state.js';
import {findMatch, prepareFlatRows, visibleRows} from './visible-rows.js';

const FOLD_ABOVE_PATHS = 5000;
const noDead = () => undefined;

export interface BrowserProps {
	/** What to browse: one image's analysis (its layers), or any subject (a comparison of two images). */
	analysis?: Analysis;
	subject?: BrowserSubject;
	/** With an analysis: the tree the file pane browses instead of its layer trees. */
	tree?: TreeView;
	width: number;
	height: number;
	style: Style;
	onQuit: () => void;
	/** For tests: start from another state. */
	initial?: Partial<ViewState>;
	/** The user's settings (keys, columns, layout, first layer, folding); the defaults otherwise. */
	config?: BrowserConfig;
	/** The files behind the tree, for the viewer (Enter or v on a file); without it the viewer says they cannot be read. */
	files?: FileAccess;
	/** Where x extracts to (the current directory by default). */
	extractInto?: string;
}

/** The directories above a path, nearest first. */
function ancestorsOf(tree: TreeView, id: number): number[] {
	const ancestors: number[] = [];
	for (let parent = tree.parentOf(id); parent !== tree.root && parent !== -1; parent = tree.parentOf(parent)) ancestors.push(parent);
	return ancestors;
}

export function Browser({analysis, subject: givenSubject, tree: givenTree, width, height, style: givenStyle, onQuit, initial, config = DEFAULT_BROWSER_CONFIG, files, extractInto = process.cwd()}: BrowserProps) {
	const keymap = config.keymap;
	const subject = useMemo(() => givenSubject ?? imageSubject(analysis!, givenTree), [givenSubject, analysis, givenTree]);
	const tree = subject.tree;
	const style = useMemo(() => screenStyle(givenStyle), [givenStyle]);
	// The first layer, as dive opens; big trees start folded: a hundred thousand open rows help nobody, and folded ones cost nothing to lay out.
	const [state, setState] = useState<ViewState>(() => {
		const last = Math.max(0, tree.stepCount - 1);
		const layer = config.layer === 'first' ? 0 : config.layer === 'last' ? last : Math.min(config.layer, last);
		const foldAll = config.fold === 'all' || (config.fold === 'auto' && tree.pathCount > FOLD_ABOVE_PATHS);
		return {...initialState(), layer, foldAll, attributes: config.attributes, ...initial};
	});
	const packages = subject.packages;
	const packageFiles = state.packageFiles === null ? undefined : packages?.report.packages[state.packageFiles];
	const only = state.packageFiles === null || !packages ? null : packages.filesOf(state.packageFiles).only;
	const rows = useMemo(
		() => visibleRows(tree, {layer: state.layer, view: state.view, collapsed: state.collapsed, foldAll: state.foldAll, filter: state.filter, only, hidden: state.hidden, sort: state.sort}),
		[tree, state.layer, state.view, state.collapsed, state.foldAll, state.filter, only, state.hidden, state.sort],
	);
	const waste = useCallback(
		(index: number) => {
			const dead = subject.waste?.(index);
			const id = dead && tree.idOf(dead.path);
			if (!dead || id === undefined) return undefined;
			return {layer: dead.step, pathId: id, ancestors: ancestorsOf(tree, id), notice: dead.notice};
		},
		[subject, tree],
	);
	const deadOf = subject.dead ?? noDead;

	// The left column takes its share, but leaves the file tree 50 columns on a narrow terminal.
	const leftWidth = Math.max(24, Math.min(Math.floor(width * (config.leftShare ?? 0.42)), width - 50));
	const rightWidth = Math.max(10, width - leftWidth - 1);
	const bodyHeight = Math.max(3, height - 1);
	const pageSize = Math.max(1, bodyHeight - 2);
	const packagePage = Math.max(1, bodyHeight - PACKAGE_LIST_CHROME);
	// The layers list takes up to 45 % of the left column; the details below it take the rest.
	const layersHeight = Math.max(3, Math.min(subject.listLength + 1, Math.floor(bodyHeight * 0.45)));
	const details = useMemo(() => subject.details(leftWidth), [subject, leftWidth]);
	const detailHeight = Math.max(1, bodyHeight - layersHeight - 1);
	const context: ViewContext = {
		layerCount: tree.stepCount,
		details: {
			stopCount: details.stopCount,
			stop: index => details.stop(index),
			height: detailHeight,
			open: selected => {
				const target = details.stop(selected)?.target;
				const pathId = target && tree.idOf(target.path);
				if (!target || pathId === undefined) return undefined;
				return {layer: target.layer, pathId, ancestors: ancestorsOf(tree, pathId)};
			},
		},
		rows,
		pageSize,
		help: {lines: keymap.length, height: bodyHeight - 1},
		waste,
		noWaste: subject.noWaste,
		find: (query, fromId, direction) => {
			const pathId = findMatch(tree, {layer: state.layer, view: state.view, sort: state.sort, hidden: state.hidden}, query, fromId, direction);
			return pathId === undefined ? undefined : {pathId, ancestors: ancestorsOf(tree, pathId)};
		},
		packages: packages && {shown: query => packages.shown(query), height: packagePage, nothingToShow: index => nothingToShow(packages, index)},
	};
	// The state as the last key left it, ahead of the next render: a key that quits acts at once, from the key
	// handler, rather than after a frame nobody will see has been laid out and drawn (a whole frame on a cold
	// process is tens of milliseconds, on a big image more).
	const latest = useRef(state);
	latest.current = state;

	useEffect(() => {
		if (state.pendingFocus === null) return;
		const index = rows.indexOfId(state.pendingFocus);
		setState(current => ({...withCursor(current, Math.max(0, index), rows.length, pageSize), pendingFocus: null}));
	}, [rows, state.pendingFocus, pageSize]);

	// While the user looks at a layer, lay out its whole tree for filtering, then its neighbours' for the next switch,
	// one at a time off the key-press path (the last four tables are kept). Any key starts the wait again, so the
	// work never lands between the keys of a filter being typed or of a cursor being held down.
	useEffect(() => {
		const layers = [state.layer, state.layer + 1, state.layer - 1].filter(layer => layer >= 0 && layer < tree.stepCount);
		let timer: NodeJS.Timeout;
		const next = (at: number) => {
			timer = setTimeout(() => {
				prepareFlatRows(tree, {layer: layers[at]!, view: state.view, sort: state.sort});
				if (at + 1 < layers.length) next(at + 1);
			}, at === 0 ? 150 : 50);
		};
		next(0);
		return () => clearTimeout(timer);
	}, [tree, state.layer, state.view, state.sort, state.filter, state.filtering, state.find, state.cursor, state.focus, state.collapsed, state.foldAll]);

	useInput((input, key) => {
		// Mouse wheel, as SGR mouse reports ("\e[<64;x;yM" up, 65 down): scrolls the pane under the pointer.
		const mouse = /^\[<(\d+);(\d+);(\d+)[Mm]$/.exec(input);
		if (mouse) {
			const button = Number(mouse[1]);
			if (button !== 64 && button !== 65) return;
			// The packages list stands where the file pane does: the wheel scrolls it there.
			const pane = Number(mouse[2]) <= leftWidth ? 'layers' : latest.current.focus === 'packages' ? 'packages' : 'files';
			const command = button === 64 ? 'up' : 'down';
			// The wheel also focuses the pane it scrolls, as clicking would.
			setState(current => {
				let next: ViewState = {...current, focus: pane};
				for (let step = 0; step < (pane === 'files' ? 3 : 1); step++) next = reduce(next, command, {...context, rows});
				return next;
			});
			return;
		}
		// Keys typed faster than a frame arrive as one string ("/blob"): take them one by one.
		const presses = input.length > 1 && !key.ctrl && !key.meta && !input.startsWith('\u001B') ? [...input].map(char => ({char, press: keyPress(char, {...key, return: false})})) : [{char: input, press: keyPress(input, key)}];
		for (const {char, press} of presses) {
			if (press.ctrl && press.name === 'c') {
				onQuit();
				return;
			}
			// x asked; y extracts (the write runs off the key path, its outcome on the status line), any other key cancels.
			const asked = latest.current.confirming;
			if (asked) {
				const target = extractTarget(extractInto, asked.path);
				if (char === 'y') {
					setState(current => ({...current, confirming: null, notice: `x: extracting ${escapeForTerminal(asked.path)} to ${escapeForTerminal(target)}…`}));
					(files ? files.extract(asked.step, asked.path, extractInto) : Promise.reject(new Error('files cannot be read back here'))).then(
						done => setState(current => ({...current, notice: `x: ${escapeForTerminal(asked.path)} → ${escapeForTerminal(target)}: ${extractedWords(done)}`})),
						(error: unknown) => setState(current => ({...current, notice: `x: not extracted: ${escapeControlCharacters(error instanceof InputError ? error.problem : (error as Error).message)}`})),
					);
				} else setState(current => ({...current, confirming: null, notice: 'x: not extracted'}));
				latest.current = {...latest.current, confirming: null};
				return;
			}
			const step = (current: ViewState): ViewState => {
				if (current.finding) {
					if (press.name === 'escape') return typeFind(current, {cancel: true}, context);
					if (press.name === 'return' || press.name === 'tab' || press.name === 'down' || press.name === 'up') return typeFind(current, {done: true}, {...context, rows});
					if (press.name === 'backspace') return typeFind(current, {backspace: true}, context);
					if (!press.ctrl && char.length > 0) return typeFind(current, {char}, context);
					return current;
				}
				if (current.packageTyping) {
					if (press.name === 'escape') return typePackageQuery(current, {cancel: true});
					if (press.name === 'return' || press.name === 'tab' || press.name === 'down' || press.name === 'up') return typePackageQuery(current, {done: true});
					if (press.name === 'backspace') return typePackageQuery(current, {backspace: true});
					if (!press.ctrl && char.length > 0) return typePackageQuery(current, {char});
					return current;
				}
				if (current.filtering) {
					if (press.name === 'escape') return reduce(current, 'clear-filter', context);
					if (press.name === 'return' || press.name === 'tab' || press.name === 'down' || press.name === 'up') return typeFilter(current, {done: true});
					if (press.name === 'backspace') return typeFilter(current, {backspace: true});
					if (!press.ctrl && char.length > 0) return typeFilter(current, {char});
					return current;
				}
				const command = commandFor(press, current.focus, keymap);
				return command ? reduce(current, command, {...context, rows}) : current;
			};
			const next = step(latest.current);
			if (next.quit) {
				onQuit();
				return;
			}
			latest.current = next;
			// Still an update of whatever state React holds: an effect's pending change (a focus jump) is kept.
			setState(step);
		}
	}, {isActive: state.viewing === null});
	const closeViewer = useCallback(() => setState(current => ({...current, viewing: null})), []);

	// The selected file's package, on the left column's last line while the file pane has focus (an image with packages only).
	const showsOwner = state.focus === 'files' && packages !== undefined && packages.report.packages.length > 0;
	const leftHeight = showsOwner ? bodyHeight - 1 : bodyHeight;
	// Left column: layers, the selected layer's details, the image's. Cursor moves in the file tree leave it as it is.
	const title = (text: string, focused: boolean, columns: number) => style(focused ? 'inverse' : 'bold', fit(text, columns));
	const left = useMemo(() => {
		const layers = [title(subject.listTitle, state.focus === 'layers', leftWidth), ...subject.listLines(state.layer, leftWidth, layersHeight - 1, state.focus === 'layers', style)];
		let below: string[];
		if (state.focus === 'details') {
			// Focused, the details pane is the whole image's story, scrolled: every finding, every reclaimable file.
			const selected = details.stop(state.detailCursor);
			const shown = details.lines(state.detailScroll, state.detailScroll + detailHeight).map((line, offset) => {
				const text = fit(line.text, leftWidth);
				const at = state.detailScroll + offset;
				if (selected && at >= selected.first && at <= selected.last) return style('inverse', text);
				return line.tone ? style(line.tone, text) : text;
			});
			below = [title(`Details · ${details.stopCount > 0 ? `${state.detailCursor + 1} of ${details.stopCount}` : 'nothing to open'} · Enter shows it in the tree`, true, leftWidth), ...shown];
		} else {
			const layer = subject.stepLines(state.layer, leftWidth, style, tree.changeCounts(state.layer));
			below = [...layer, ...subject.overviewLines(leftWidth, Math.max(0, bodyHeight - layersHeight - layer.length), style)];
		}
		const lines = [...layers, ...below].slice(0, leftHeight);
		while (lines.length < leftHeight) lines.push('');
		// The box places the right pane: trailing blanks need not be drawn, and every character costs Ink time on every frame.
		return lines.map(line => line.trimEnd());
	}, [subject, tree, state.layer, state.focus, state.detailCursor, state.detailScroll, leftWidth, bodyHeight, leftHeight, layersHeight, style, details, detailHeight]);
	const cursorRow = showsOwner ? rows.at(state.cursor) : undefined;
	const owner = showsOwner ? [(cursorRow && ownerLine(packages, cursorRow, leftWidth)) ?? ''] : undefined;

	let right: string[];
	if (state.viewing) {
		right = [];
	} else if (state.focus === 'packages' && !state.help && packages) {
		right = packageListLines(packages, {cursor: state.packageCursor, scroll: state.packageScroll, query: state.packageQuery, typing: state.packageTyping, focused: true}, rightWidth, bodyHeight, style);
	} else if (state.help) {
		const more = keymap.length > bodyHeight - 1 ? ` · ${state.helpScroll + 1}–${Math.min(keymap.length, state.helpScroll + bodyHeight - 1)} of ${keymap.length}, ↑↓ scroll` : '';
		right = [title(`Keys (? closes)${more}`, true, rightWidth), ...keymap.slice(state.helpScroll, state.helpScroll + bodyHeight - 1).map(binding => fit(`${binding.keys.join(' ').padEnd(18)} ${binding.label}${binding.pane ? ` (${binding.pane})` : ''}`, rightWidth))];
	} else {
		// What the user typed, as typed (a backslash stays one), with its match count; a broken pattern says it was read as text.
		const found = rows.filter;
		const counted = found && state.filter ? ` (${found.matches} match${found.matches === 1 ? '' : 'es'}${found.invalidPattern ? ', not a valid regular expression: read as text' : ''})` : '';
		const filter = state.filter || state.filtering ? ` · filter: ${escapeControlCharacters(state.filter)}${state.filtering ? '▏' : ''}${counted}` : '';
		const find = state.find || state.finding ? ` · find: ${escapeControlCharacters(state.find)}${state.finding ? '▏' : state.findMissed ? ' (no match)' : ' (n next, N previous)'}` : '';
		const hidden = Object.entries(state.hidden).filter(([, off]) => off).map(([status]) => status);
		// A package's files: what they are, and how many the layer shows (with a text filter, its count says).
		const ownFiles = packageFiles && rows.filter ? `${packageFilesTitle(packageFiles)}${state.filter ? '' : ` (${rows.filter.matches} file${rows.filter.matches === 1 ? '' : 's'})`}, ` : '';
		const what = ownFiles + subject.describe(state.layer, state.view);
		const onScreen = rows.slice(state.scroll, state.scroll + pageSize);
		// Mode and owner give way before names do.
		const sizeColumn = subject.sizeColumn?.(rightWidth);
		const attributes = state.attributes && attributesFit(onScreen, rightWidth - (sizeColumn ? sizeColumn.header.length - 9 : 0));
		const sizeHeader = sizeColumn?.header ?? '     Size';
		const header = attributes ? `  Permission      UID:GID ${sizeHeader}  Name` : `  ${sizeHeader}  Name${state.attributes ? '  (mode, owner: no room)' : ''}`;
		right = [
			title(`Files: ${what}${filter}${find}${hidden.length > 0 ? ` · hiding ${hidden.join(', ')}` : ''} · by ${state.sort}`, state.focus === 'files', rightWidth),
			style('dim', fit(header, rightWidth)),
			...onScreen.map((row, offset) => formatRow(row, rightWidth, attributes, state.focus === 'files' && state.scroll + offset === state.cursor, style, deadOf(row), sizeColumn?.text(row))),
		];
		if (rows.length === 0) right.push(fit(state.filter ? (rows.filter?.invalidPattern ? '  nothing matches: not a valid regular expression, and no path holds it as text' : rows.filter && rows.filter.matches > 0 ? '  the matches are all hidden (a, r, m, u show them)' : '  nothing matches the filter') : '  nothing to show', rightWidth));
	}
	// The rule between the panes starts each right-hand line; their trailing blanks need not be drawn.
	right = right.slice(0, bodyHeight).map(line => `│${line.trimEnd()}`);
	while (right.length < bodyHeight) right.push('│');

	const asking = state.confirming && `x: extract ${escapeForTerminal(state.confirming.path)} (as ${fileAccessStep(files, state.confirming.step)} left it) to ${escapeForTerminal(extractTarget(extractInto, state.confirming.path))}? y extracts, any other key cancels`;
	const bar = style('inverse', fit(` ${asking || state.notice || barHints(state.viewing ? 'viewer' : state.focus, keymap).map(hint => `${hint.keys} ${hint.label}`).join(' · ')} `, width));
	// Three text nodes: the left column's stays the same (and is measured once) while the cursor moves.
	return (
		<Box width={width} height={height} flexDirection="column">
			<Box height={bodyHeight}>
				<Box width={leftWidth} flexShrink={0} flexDirection="column">
					<PaintedLines lines={left} />
					{owner && <PaintedLines lines={owner} />}
				</Box>
				{state.viewing ? <FileViewer access={files} viewing={state.viewing} width={rightWidth + 1} height={bodyHeight} style={style} keymap={keymap} onClose={closeViewer} onQuit={onQuit} /> : <PaintedLines lines={right} />}
			</Box>
			<PaintedLines lines={[bar]} />
		</Box>
	);
}

/** Where x writes a path: under its own name in the directory, as extract's 'name' placement does (the root: its contents into the directory itself). */
function extractTarget(into: string, imagePath: string): string {
	return path.join(into, path.posix.basename(imagePath));
}

function fileAccessStep(files: FileAccess | undefined, step: number): string {
	return files?.stepName(step) ?? `step ${step}`;
}

/** The first frame while the image loads: what is read, how much of how much, and a bar. */
export function Loading({input, progress, width}: {input: string; progress: LoadProgress; width: number}) {
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">{fit(`layerscope · reading ${escapeForTerminal(input)}`, width)}</Text>
			<Text wrap="truncate">{fit(progressLine(progress).replace(/^reading /, ''), width)}</Text>
		</Box>
	);
}
