import prettyBytes from 'pretty-bytes';
import type {Comparison} from '../compare/comparison.js';
import type {AlignedLayer} from '../compare/layer-alignment.js';
import type {ImageFacts} from '../model.js';
import {configLine, formatMetric, hasPackages, METRIC_LABELS, packageCounts, packageLine, signedBytes} from '../report/compare-summary.js';
import {imageName} from '../report/json-report.js';
import {escapeForTerminal} from '../report/escape.js';
import type {Style} from '../report/style.js';
import {shortInstruction} from '../report/summary.js';
import type {BrowserSubject} from './browser-subject.js';
import {fit} from './columns.js';
import {linePane, type PaneEntry} from './details-pane.js';
import {MARKER} from './format.js';

/**
 * A comparison in the browser: the steps are the two images (0: A, 1: B,
 * whose changes are the differences), the left column the aligned layers,
 * the figures and the config differences, the details pane all of it with
 * the packages that changed (plain lines) and the largest file and
 * directory changes, each of which opens in the tree.
 */
export function comparisonSubject(comparison: Comparison): BrowserSubject {
	const {a, b, layers, bytes} = comparison;
	const sides: Array<[string, ImageFacts]> = [['A', a], ['B', b]];
	const range = comparison.range;
	const sideName = (index: number) => (range ? `layer ${index === 0 ? range.from : range.to}` : escapeForTerminal(imageName(sides[index]![1])));
	return {
		tree: comparison.tree,
		listTitle: range ? `Layers ${range.from} → ${range.to}` : 'Images (2)',
		listLength: 2,
		listLines(selected, width, _height, focused, style) {
			return sides.map(([letter, image], index) => {
				const size = index === 0 ? bytes.a : bytes.b;
				const grown = index === 1 ? ` (${signedBytes(bytes.delta)})` : '';
				const text = fit(` ${letter}  ${sideName(index)} · ${range ? '' : `${image.layers.length} layers · `}${prettyBytes(size)}${grown}`, width);
				return index === selected ? style(focused ? 'inverse' : 'bold', text) : text;
			});
		},
		stepLines(step, width, style, counts) {
			const lines = [style('bold', fit(step === 1 ? `Differences ${range ? `layer ${range.from} → layer ${range.to}` : 'A → B'}` : `Image A: ${sideName(0)}`, width))];
			if (step === 1) lines.push(fit(`${MARKER.added}${counts.added} added  ${MARKER.modified}${counts.modified} modified  ${MARKER.metadata}${counts.metadataOnly} mode/owner  ${MARKER.removed}${counts.removed} removed`, width));
			else lines.push(fit(`${escapeForTerminal(a.id)}`, width));
			lines.push(fit(`layers: ${layers.shared} shared, ${layers.a.length - layers.shared} only in A, ${layers.b.length - layers.shared} only in B`, width));
			for (const line of alignedLines(comparison)) lines.push(fit(line, width));
			return lines;
		},
		overviewLines(width, height, style) {
			const lines = [style('bold', fit('Figures (A → B)', width))];
			for (const metric of comparison.metrics) lines.push(fit(`${METRIC_LABELS[metric.name].padEnd(18)} ${formatMetric(metric.name, metric.before)} → ${formatMetric(metric.name, metric.after)}`, width));
			if (comparison.config.length > 0) {
				lines.push(style('bold', fit(`Config (${comparison.config.length} differences)`, width)));
				for (const change of comparison.config) lines.push(fit(configLine(change), width));
			}
			return lines.slice(0, height);
		},
		details: width => linePane(detailEntries(comparison), width),
		// Both sizes and the change where there is room; on a narrow pane, B's size and the change, so names keep theirs.
		sizeColumn(width) {
			const both = width >= 80;
			return {
				header: both ? `${'A'.padStart(9)}    ${'B'.padStart(9)} ${'change'.padStart(10)}` : `${'B'.padStart(9)} ${'change'.padStart(10)}`,
				text(row) {
					const [before, after] = [comparison.tree.sizeAt(row.id, 0), comparison.tree.sizeAt(row.id, 1)];
					const change = `${prettyBytes(after).padStart(9)} ${signedBytes(after - before).padStart(10)}`;
					return both ? `${prettyBytes(before).padStart(9)} →  ${change}` : change;
				},
			};
		},
		noWaste: 'w: a comparison has no waste of its own; the figures show each image\'s reclaimable bytes (layerscope IMAGE walks through them)',
		describe(step, view) {
			if (step === 1) return view === 'layer' ? `differences ${range ? `layer ${range.from} → ${range.to}` : 'A → B'}` : `${range ? `after layer ${range.to}` : 'image B'}, differences marked`;
			return range ? `after layer ${range.from}` : 'image A';
		},
	};
}

/** Each layer once: the shared base (=), then A's own (A) and B's own (B), with instructions. */
function alignedLines(comparison: Comparison): string[] {
	const {layers} = comparison;
	const line = (mark: string, layer: AlignedLayer) => `${mark} ${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)}  ${escapeForTerminal(shortInstruction(layer.instruction ?? '(no history)'))}${layer.status === 'elsewhere' ? ` (also ${mark === 'A' ? 'B' : 'A'}'s ${layer.otherIndex})` : ''}`;
	return [...layers.b.filter(layer => layer.status === 'shared').map(layer => line('=', layer)), ...layers.a.filter(layer => layer.status !== 'shared').map(layer => line('A', layer)), ...layers.b.filter(layer => layer.status !== 'shared').map(layer => line('B', layer))];
}

/** The details pane's entries: figures, layers, config, packages, findings, then the largest changes, each a stop that opens in the tree. */
function detailEntries(comparison: Comparison): PaneEntry[] {
	const {files, range} = comparison;
	const entries: PaneEntry[] = [];
	const add = (text: string, options: Omit<PaneEntry, 'text'> = {}) => entries.push({text, ...options});
	add(range ? `Layers ${range.from} → ${range.to} of ${escapeForTerminal(imageName(comparison.a))}` : `${escapeForTerminal(imageName(comparison.a))} → ${escapeForTerminal(imageName(comparison.b))}`, {tone: 'bold'});
	for (const metric of comparison.metrics) add(`${METRIC_LABELS[metric.name]}: ${formatMetric(metric.name, metric.before)} → ${formatMetric(metric.name, metric.after)}`);
	add('');
	add(`Layers (${comparison.layers.shared} shared)`, {tone: 'bold'});
	for (const line of alignedLines(comparison)) add(line, {indent: '       '});
	if (comparison.config.length > 0) {
		add('');
		add(`Config (${comparison.config.length})`, {tone: 'bold'});
		for (const change of comparison.config) add(configLine(change), {indent: '  '});
	}
	if (hasPackages(comparison.packages)) {
		add('');
		add(`Packages (${comparison.packages.changes.length} changed)`, {tone: 'bold'});
		add(packageCounts(comparison.packages), {indent: '  '});
		for (const change of comparison.packages.changes) add(`${signedBytes(change.bytes.delta).padStart(10)}  ${packageLine(change)} · ${change.kind}`, {indent: '            '});
	}
	const {new: added, fixed} = comparison.findings;
	if (added.length + fixed.length > 0) {
		add('');
		add('Findings', {tone: 'bold'});
		for (const finding of added) add(`new: ${escapeForTerminal(finding.title)}`, {indent: '  ', tone: 'yellow'});
		for (const finding of fixed) add(`fixed: ${escapeForTerminal(finding.title)}`, {indent: '  '});
	}
	add('');
	add(`Largest changes (${comparison.largestFiles.length})`, {tone: 'bold'});
	for (const index of comparison.largestFiles) {
		const other = files.movedWith(index);
		const {before, after} = other === undefined ? files.sizes(index) : {before: 0, after: 0};
		const how = other === undefined ? (files.metadataOnly(index) ? 'mode or owner' : files.status(index)) : `moved from ${escapeForTerminal(files.path(other))}`;
		add(`${signedBytes(after - before).padStart(10)}  ${escapeForTerminal(files.path(index))} · ${how}`, {indent: '            ', target: {layer: 1, path: files.path(index)}});
	}
	if (comparison.directories.length > 0) {
		add('');
		add(`Directories (${comparison.directories.length})`, {tone: 'bold'});
		for (const dir of comparison.directories) add(`${signedBytes(dir.delta).padStart(10)}  ${escapeForTerminal(dir.path)} · ${prettyBytes(dir.before)} → ${prettyBytes(dir.after)}`, {indent: '            ', target: {layer: 1, path: dir.path}});
	}
	return entries;
}
