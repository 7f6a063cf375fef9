import prettyBytes from 'pretty-bytes';
import type {Analysis} from '../analysis/analyse.js';
import type {DeadContent, WasteCause} from '../analysis/layer-history.js';
import type {LayerWaste} from '../analysis/waste.js';
import {modeString} from '../cli/files-command.js';
import {formatPlatform} from '../image/platform.js';
import {escapeForTerminal} from '../report/escape.js';
import type {Style} from '../report/style.js';
import type {ChangeCounts} from '../tree/tree-view.js';
import {shortInstruction} from '../report/summary.js';
import {columns as columnsOf, fit, tailColumns} from './columns.js';
import type {Row} from './visible-rows.js';

const TYPE_LETTER: Record<string, string> = {file: '-', hardlink: '-', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p'};

/**
 * The style the browser paints with: a foreground color or weight leaves a
 * line's trailing blanks invisible, so they are not drawn (Ink segments and
 * copies every character of every line on every frame, about a microsecond
 * each); inverse, whose blanks show as a bar, keeps them.
 */
export function screenStyle(style: Style): Style {
	const painted = ((format: Parameters<Style>[0], text: string) => style(format, format === 'inverse' ? text : text.trimEnd())) as Style;
	painted.enabled = style.enabled;
	return painted;
}

/** Marker characters say what colors say, for terminals without color. */
export const MARKER = {added: '+', removed: '-', modified: '~', metadata: '*', unmodified: ' '} as const;

export function rowMarker(row: Pick<Row, 'status' | 'metadataOnly'>): string {
	return row.metadataOnly ? MARKER.metadata : MARKER[row.status];
}

/**
 * Which rows show a dead version of a file: the bytes this version of the
 * path stored (in the layer that set it) are killed by a later layer, so they
 * ship without being seen. Built once per analysis from its list of dead files.
 */
export function deadIndex(analysis: Analysis): (row: Pick<Row, 'path' | 'state' | 'status'>) => DeadContent | undefined {
	const dead = new Map<string, DeadContent>();
	for (const file of analysis.waste.files) dead.set(`${file.storedIn}\u0000${file.path}`, file);
	return row => (row.status === 'removed' ? undefined : dead.get(`${row.state.layer}\u0000${row.path}`));
}

export function formatRow(row: Row, width: number, attributes: boolean, selected: boolean, style: Style, dead?: DeadContent, sizeText?: string): string {
	const state = row.state;
	const size = sizeText ?? (row.isDir && row.size === 0 ? '-' : prettyBytes(row.size)).padStart(9);
	const columns = attributes ? `${TYPE_LETTER[state.type]}${modeString(state.mode)} ${`${state.uid}:${state.gid}`.padStart(9)} ${size} ` : `${size} `;
	const fold = row.isDir ? (row.collapsed ? '⊕ ' : '') : '';
	const own = escapeForTerminal(row.name);
	let name = own;
	if (state.type === 'symlink') name += ` → ${escapeForTerminal(state.linkTarget ?? '')}`;
	// Dead bytes are marked in words, so they read without color too.
	if (dead) name += `  ✝ ${dead.cause} in layer ${dead.killedBy}`;
	// Without color (NO_COLOR, --no-color) the cursor row would look like any other: a ">" marks it.
	const lead = `${rowMarker(row)}${selected && !style.enabled ? '>' : ' '}${columns}${row.guide}${fold}`;
	// A name too long for the pane is cut at its end, except on the cursor row, which shows its end instead.
	const room = width - columnsOf(lead);
	const shown = selected && room > 1 && columnsOf(name) > room ? `…${tailColumns(own, room - 1)}` : name;
	const text = fit(`${lead}${shown}`, width);
	if (selected) return style('inverse', text);
	if (row.metadataOnly) return style('cyan', text);
	if (row.status === 'added') return style('green', text);
	if (row.status === 'removed') return style('red', text);
	if (row.status === 'modified') return style('yellow', text);
	return text;
}

/** Columns the mode and owner take, and the fewest a name should keep before they give way. */
const ATTRIBUTE_COLUMNS = 21;
const READABLE_NAME = 16;

/**
 * Shows the mode and owner columns only when the names on screen keep a
 * readable width beside them: on a narrow terminal they yield before names do.
 */
export function attributesFit(rows: readonly Pick<Row, 'depth'>[], width: number): boolean {
	// Rows deeper than four levels are the exception (a cache's a/b/c/…): they may be cut, the others should not.
	const deepest = Math.min(3, rows.reduce((most, row) => Math.max(most, row.depth), 0));
	// Marker and cursor (2), size (10), guides (4 a level), a fold mark (2).
	const nameRoom = width - 2 - 10 - 4 * (deepest + 1) - 2 - ATTRIBUTE_COLUMNS;
	return nameRoom >= READABLE_NAME;
}

/** The layers pane: one line per history step; steps without a layer are dimmed. */
export function layerLines(analysis: Analysis, selected: number, width: number, height: number, focused: boolean, style: Style): string[] {
	const {image} = analysis;
	const largest = Math.max(1, ...image.layers.map(layer => layer.contentSize));
	const steps = image.history.length > 0 ? image.history : image.layers.map((layer, index) => ({createdBy: '', layerIndex: index, emptyLayer: false}));
	const lines = steps.map(step => {
		if (step.layerIndex === null) return {layer: null as number | null, text: style('dim', fit(`          ${' '.repeat(6)}  ${escapeForTerminal(shortInstruction(step.createdBy))}`, width))};
		const layer = image.layers[step.layerIndex]!;
		const bar = '█'.repeat(Math.max(layer.contentSize > 0 ? 1 : 0, Math.round((layer.contentSize / largest) * 6))).padEnd(6);
		const text = fit(`${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)} ${bar}  ${escapeForTerminal(shortInstruction(step.createdBy))}`, width);
		return {layer: layer.index, text: layer.index === selected ? style(focused ? 'inverse' : 'bold', text) : text};
	});
	// Layers without a history step still need a line.
	for (const layer of image.layers) if (!steps.some(step => step.layerIndex === layer.index)) lines.push({layer: layer.index, text: fit(`${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)}         (no history)`, width)});
	const at = Math.max(0, lines.findIndex(line => line.layer === selected));
	const start = Math.max(0, Math.min(at - Math.floor(height / 2), lines.length - height));
	return lines.slice(start, start + height).map(line => line.text);
}

/** The selected layer's details; what it changed is counted once, by the tree the file pane browses. */
export function layerDetailLines(analysis: Analysis, index: number, width: number, style: Style, counts: ChangeCounts = analysis.trees.changeCounts(index)): string[] {
	const {image, waste} = analysis;
	const layer = image.layers[index]!;
	const step = layer.historyIndex === null ? undefined : image.history[layer.historyIndex];
	const instruction = escapeForTerminal(shortInstruction(step?.createdBy ?? '(no history)'));
	const dead = waste.byLayer[index]!;
	return [
		style('bold', fit(`Layer ${index}`, width)),
		fit(`digest  ${escapeForTerminal(layer.digest ?? '-')}`, width),
		fit(`diff_id ${escapeForTerminal(layer.diffId)}`, width),
		fit(`${prettyBytes(layer.contentSize)} content · ${prettyBytes(layer.size)} tar · ${prettyBytes(layer.compressedSize)} stored (${layer.compression})`, width),
		fit(instruction.slice(0, width), width),
		fit(instruction.length > width ? instruction.slice(width) : '', width),
		fit(`${MARKER.added}${counts.added} added  ${MARKER.modified}${counts.modified} modified  ${MARKER.metadata}${counts.metadataOnly} mode/owner  ${MARKER.removed}${counts.removed} removed`, width),
		...layerWasteLines(dead).map(line => (line.reclaimable ? style('yellow', fit(line.text, width)) : fit(line.text, width))),
	];
}

function percentOf(part: number, whole: number): string {
	return `${whole === 0 ? 0 : ((part / whole) * 100).toFixed(1)} %`;
}

/**
 * What a layer wastes, in words that match the findings: its own bytes that
 * later layers kill, then what it does to earlier bytes (a chmod layer "stores
 * 69.6 kB again", an rm layer "removes … (they still ship)"). Always two lines.
 */
export function layerWasteLines(dead: LayerWaste): Array<{text: string; reclaimable: boolean}> {
	const layers = (list: number[]) => `layer${list.length === 1 ? '' : 's'} ${list.join(', ')}`;
	const own = dead.storedDeadBytes > 0 ? {text: `${prettyBytes(dead.storedDeadBytes)} of what it stores is dead, by ${layers(dead.killedBy)}`, reclaimable: true} : {text: 'nothing it stores is dead later', reclaimable: false};
	const words: Record<WasteCause, (bytes: string, from: string) => string> = {
		duplicate: (bytes, from) => `stores ${bytes} again (duplicates of ${from})`,
		overwritten: (bytes, from) => `rewrites ${bytes} of ${from} (the old bytes still ship)`,
		removed: (bytes, from) => `removes ${bytes} of ${from} (they still ship)`,
		replaced: (bytes, from) => `replaces ${bytes} of ${from} by other types`,
	};
	const effects = dead.kills.map(kill => words[kill.cause](prettyBytes(kill.bytes), layers(kill.storedIn)));
	return [own, {text: effects.length > 0 ? effects.join('; ') : 'kills nothing earlier layers stored', reclaimable: effects.length > 0}];
}

export function imageDetailLines(analysis: Analysis, width: number, height: number, style: Style): string[] {
	const {image, efficiency, waste, findings} = analysis;
	const lines = [
		style('bold', fit(`Image ${escapeForTerminal(image.repoTags.join(', ') || image.input)}`, width)),
		fit(`${escapeForTerminal(formatPlatform(image.platform))} · ${image.layers.length} layers · ${prettyBytes(waste.storedBytes)} of content`, width),
		// The honest headline first: what removing the waste would save. dive's figures count every copy, and say so.
		style(waste.reclaimableBytes > 0 ? 'yellow' : 'green', fit(`reclaimable ${prettyBytes(waste.reclaimableBytes)} (${percentOf(waste.reclaimableBytes, waste.storedBytes)} of the content)`, width)),
		fit(`dive's figures: efficiency ${(efficiency.score * 100).toFixed(2)} % · wasted ${prettyBytes(efficiency.wastedBytes)} (every copy counted)`, width),
		fit(`  user wasted ${(efficiency.userWastedPercent * 100).toFixed(1)} % of the bytes added over the base`, width),
		fit(`id ${escapeForTerminal(image.id)}`, width),
		...findings.map(finding => fit(`${finding.severity === 'high' ? '!!' : finding.severity === 'medium' ? '! ' : '· '} ${escapeForTerminal(finding.title)}`, width)),
	];
	return lines.slice(0, height);
}
