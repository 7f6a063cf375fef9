import prettyBytes from 'pretty-bytes';
import type {Analysis} from '../analysis/analyse.js';
import type {PackageRecord, PackageReport} from '../packages/attribute.js';
import {escapeControlCharacters, escapeForTerminal} from '../report/escape.js';
import type {Style} from '../report/style.js';
import type {TreeView} from '../tree/tree-view.js';
import {fit} from './columns.js';
import {linePane} from './details-pane.js';

/**
 * The browser's packages (p): the analysis' package report, with the path
 * ids of the tree the file pane browses. The report's owners are by path id
 * of the final filesystem; the analysis' own layer trees use those very ids,
 * so most of the time nothing is mapped.
 */
export interface BrowserPackages {
	readonly report: PackageReport;
	/** The package (its index in the report) whose list holds a tree path first; -1 for none. */
	ownerOf(id: number): number;
	/** Whether a tree path is in the final filesystem (where packages are counted). */
	inFinal(id: number): boolean;
	/** By tree path id: 1 for the package's files in the final filesystem, and how many there are. */
	filesOf(index: number): {only: Uint8Array; count: number};
	/** The packages whose name holds `query` (ignoring case), as report indexes, largest first; the last few queries are kept. */
	shown(query: string): Int32Array;
}

const KEPT_QUERIES = 16;

/** `sameIds`: the tree is the analysis' own layer trees (asked of the caller: reading `analysis.trees` would build them). */
export function browserPackages(analysis: Analysis, tree: TreeView, sameIds: boolean): BrowserPackages {
	const report = analysis.packages;
	const fs = analysis.history.final;
	const owners = report.owners;
	// Another tree (tests give one) has ids of its own: the owned paths are looked up there once, by path.
	let mapped: Map<number, number> | undefined;
	const byTreeId = () => {
		if (!mapped) {
			mapped = new Map();
			for (let id = 0; id < owners.length; id++) {
				if (owners[id]! === 0) continue;
				const treeId = tree.idOf(fs.pathOf(id));
				if (treeId !== undefined) mapped.set(treeId, owners[id]! - 1);
			}
		}
		return mapped;
	};
	const lowerNames = report.packages.map(record => record.name.toLowerCase());
	const queries = new Map<string, Int32Array>();
	let lastFiles: {index: number; files: {only: Uint8Array; count: number}} | undefined;
	return {
		report,
		ownerOf: id => (sameIds ? (id < owners.length ? owners[id]! - 1 : -1) : (byTreeId().get(id) ?? -1)),
		inFinal(id) {
			if (sameIds) return id < fs.paths.size && fs.exists(id);
			const finalId = fs.lookupId(tree.pathOf(id));
			return finalId !== undefined && fs.exists(finalId);
		},
		filesOf(index) {
			if (lastFiles?.index === index) return lastFiles.files;
			const stamp = index + 1;
			let only: Uint8Array;
			let count = 0;
			if (sameIds) {
				only = new Uint8Array(owners.length);
				for (let id = 0; id < owners.length; id++) {
					if (owners[id] !== stamp) continue;
					only[id] = 1;
					count++;
				}
			} else {
				const ids = [...byTreeId()].filter(([, owner]) => owner === index).map(([id]) => id);
				only = new Uint8Array(Math.max(0, ...ids) + 1);
				for (const id of ids) only[id] = 1;
				count = ids.length;
			}
			lastFiles = {index, files: {only, count}};
			return lastFiles.files;
		},
		shown(query) {
			let found = queries.get(query);
			if (found) return found;
			const needle = query.toLowerCase();
			const kept = new Int32Array(lowerNames.length);
			let count = 0;
			for (let index = 0; index < lowerNames.length; index++) if (needle === '' || lowerNames[index]!.includes(needle)) kept[count++] = index;
			found = kept.slice(0, count);
			if (queries.size >= KEPT_QUERIES) queries.delete(queries.keys().next().value!);
			queries.set(query, found);
			return found;
		},
	};
}

/** "jq 1.6-2.1 (deb)": a package as the browser names it, escaped. */
export function packageName(record: Pick<PackageRecord, 'name' | 'version' | 'ecosystem'>): string {
	return `${escapeForTerminal(record.name)} ${escapeForTerminal(record.version)} (${record.ecosystem})`;
}

/** What Enter says of a package it cannot show files of (undefined: it has some in the final filesystem). */
export function nothingToShow(packages: BrowserPackages, index: number): string | undefined {
	const record = packages.report.packages[index];
	if (!record) return undefined;
	if (packages.filesOf(index).count > 0) return undefined;
	const why = record.removedIn === undefined ? 'it lists no file the final filesystem holds' : record.upgradedTo === undefined ? `removed in layer ${record.removedIn}` : `upgraded to ${escapeForTerminal(record.upgradedTo)} in layer ${record.removedIn}`;
	return `${packageName(record)}: no files to show in the final filesystem (${why})`;
}

/** The file pane's words for a package's files: "files of package jq 1.6-2.1 (deb)". */
export function packageFilesTitle(record: PackageRecord): string {
	return `files of package ${packageName(record)}`;
}

export interface PackageListView {
	cursor: number;
	scroll: number;
	query: string;
	typing: boolean;
	focused: boolean;
}

/** Rows above the packages: the title, the column header and the unowned bytes. */
export const PACKAGE_LIST_CHROME = 3;

/**
 * The packages list in the file pane's place: largest first, size, files,
 * the installing layer, then name, version and ecosystem, and what became of
 * a removed or upgraded version; only the rows on screen are formatted.
 */
export function packageListLines(packages: BrowserPackages, view: PackageListView, width: number, height: number, style: Style): string[] {
	const {report} = packages;
	const shown = packages.shown(view.query);
	const typed = view.query !== '' || view.typing ? ` · filter: ${escapeControlCharacters(view.query)}${view.typing ? '▏' : ''}${view.query !== '' ? ` (${shown.length} match${shown.length === 1 ? '' : 'es'})` : ''}` : '';
	const title = style(view.focused ? 'inverse' : 'bold', fit(`Packages (${report.packages.length})${typed}`, width));
	if (report.packages.length === 0) {
		// Said, never left blank: no database, or databases that could not be read (the notes say which).
		const entries = [{text: '  no package database found in the image (dpkg, apk, rpm sqlite, Python, npm)'}, ...report.notes.map(note => ({text: `  ${escapeForTerminal(note)}`, indent: '    ', tone: 'dim' as const}))];
		return [title, ...linePane(entries, width).lines(0, height - 1).map(line => (line.tone ? style(line.tone, fit(line.text, width)) : fit(line.text, width)))];
	}
	const lines = [title, style('dim', fit('       Size  Files Layer  Package (largest first)', width)), style('dim', fit(`  ${prettyBytes(report.unownedBytes).padStart(9)}${' '.repeat(15)}in no package (the app, caches, leftovers)`, width))];
	const rows = Math.max(0, height - PACKAGE_LIST_CHROME);
	for (let at = view.scroll; at < Math.min(shown.length, view.scroll + rows); at++) {
		const record = report.packages[shown[at]!]!;
		const selected = view.focused && at === view.cursor;
		lines.push(packageRow(record, width, selected, style));
	}
	if (shown.length === 0) lines.push(fit(`  no package name holds "${escapeControlCharacters(view.query)}"`, width));
	return lines;
}

function packageRow(record: PackageRecord, width: number, selected: boolean, style: Style): string {
	const fate = record.removedIn === undefined ? '' : record.upgradedTo !== undefined ? ` · upgraded to ${escapeForTerminal(record.upgradedTo)} in layer ${record.removedIn}` : ` · removed in layer ${record.removedIn}`;
	const dead = record.deadBytes > 0 ? ` · ${prettyBytes(record.deadBytes)} dead` : '';
	const arch = record.architecture === undefined ? '' : ` ${escapeForTerminal(record.architecture)}`;
	// Without color the cursor row is marked with ">", as in the file tree.
	const lead = selected && !style.enabled ? '>' : ' ';
	// A gone version has no bytes or files: its size column says what became of it, which a narrow pane still shows.
	const gone = record.removedIn !== undefined;
	const size = gone ? (record.upgradedTo !== undefined ? 'upgraded' : 'removed') : prettyBytes(record.bytes);
	const text = fit(`${lead} ${size.padStart(9)} ${(gone ? '-' : String(record.files)).padStart(6)} ${String(record.layer).padStart(5)}  ${packageName(record)}${arch}${fate}${dead}`, width);
	if (selected) return style('inverse', text);
	return record.removedIn === undefined ? text : style('dim', text);
}

/** The selected file's package, for the left column: "package: jq 1.6-2.1 (deb)"; undefined for a directory. */
export function ownerLine(packages: BrowserPackages, row: {id: number; isDir: boolean}, width: number): string | undefined {
	if (row.isDir) return undefined;
	const owner = packages.ownerOf(row.id);
	const record = owner >= 0 ? packages.report.packages[owner] : undefined;
	if (record) return fit(`package: ${packageName(record)}`, width);
	return fit(packages.inFinal(row.id) ? 'package: no package lists it' : 'package: not in the last layer', width);
}
