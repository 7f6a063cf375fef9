import prettyBytes from 'pretty-bytes';
import type {Comparison} from '../compare/comparison.js';
import type {ConfigChange} from '../compare/config-diff.js';
import {PACKAGE_CHANGE_KINDS, type PackageChange, type PackageDiff} from '../compare/package-diff.js';
import {escapeForTerminal} from './escape.js';
import {imageName} from './json-report.js';
import type {Style} from './style.js';
import {shortInstruction} from './summary.js';

/** How many of the largest file and directory changes the text summary lists. */
export const TOP_CHANGES = 20;

/** The text summary of a comparison: the headline, the layers, the largest changes, config and findings. */
export function compareSummaryLines(comparison: Comparison, style: Style): string[] {
	const {a, b, bytes, counts, files, range} = comparison;
	const heading = (text: string) => style('bold', text);
	const lines = [
		heading(range ? `${escapeForTerminal(imageName(a))}: layer ${range.from} → layer ${range.to}` : `${escapeForTerminal(imageName(a))} → ${escapeForTerminal(imageName(b))}`),
		`content ${prettyBytes(bytes.a)} → ${prettyBytes(bytes.b)} (${paint(bytes.delta, signedBytes(bytes.delta), style)}${bytes.a > 0 ? `, ${signedPercent(bytes.delta / bytes.a)}` : ''})`,
		...comparison.metrics.filter(metric => metric.name !== 'contentBytes').map(metric => style('dim', `${METRIC_LABELS[metric.name]} ${formatMetric(metric.name, metric.before)} → ${formatMetric(metric.name, metric.after)}`)),
		'',
		...layerLines(comparison, style),
		'',
		`${heading('files')}: ${counts.added} added, ${counts.removed} removed, ${counts.modified} modified${counts.metadataOnly > 0 ? ` (${counts.metadataOnly} only in mode or owner)` : ''}${counts.moved > 0 ? `, ${counts.moved} moved` : ''}`,
	];
	const largest = [...comparison.largestFiles.subarray(0, TOP_CHANGES)];
	for (const index of largest) {
		const other = files.movedWith(index);
		const {before, after} = other === undefined ? files.sizes(index) : {before: 0, after: 0};
		const how = other === undefined ? files.status(index) : files.status(index) === 'added' ? `moved from ${escapeForTerminal(files.path(other))}` : `moved to ${escapeForTerminal(files.path(other))}`;
		lines.push(`  ${paint(after - before, signedBytes(after - before).padStart(10), style)}  ${escapeForTerminal(files.path(index))}  ${style('dim', files.metadataOnly(index) ? 'mode or owner' : how)}`);
	}
	if (comparison.largestFiles.length > TOP_CHANGES) lines.push(style('dim', `  … and ${comparison.largestFiles.length - TOP_CHANGES} more`));
	if (comparison.directories.length > 0) {
		lines.push('', heading('directories'));
		for (const dir of comparison.directories.slice(0, TOP_CHANGES)) {
			lines.push(`  ${paint(dir.delta, signedBytes(dir.delta).padStart(10), style)}  ${escapeForTerminal(dir.path)}  ${style('dim', `${prettyBytes(dir.before)} → ${prettyBytes(dir.after)}`)}`);
		}
	}
	if (hasPackages(comparison.packages)) {
		lines.push('', `${heading('packages')}: ${packageCounts(comparison.packages)}`);
		for (const change of comparison.packages.changes.slice(0, TOP_CHANGES)) {
			lines.push(`  ${paint(change.bytes.delta, signedBytes(change.bytes.delta).padStart(10), style)}  ${packageLine(change)}  ${style('dim', change.kind)}`);
		}
		if (comparison.packages.changes.length > TOP_CHANGES) lines.push(style('dim', `  … and ${comparison.packages.changes.length - TOP_CHANGES} more`));
	}
	if (comparison.config.length > 0) {
		lines.push('', heading('config'));
		for (const change of comparison.config) lines.push(`  ${configLine(change)}`);
	}
	const {new: added, fixed} = comparison.findings;
	if (added.length > 0 || fixed.length > 0) {
		lines.push('', heading('findings'));
		for (const finding of added) lines.push(`  ${style('yellow', 'new  ')} ${escapeForTerminal(finding.title)}`);
		for (const finding of fixed) lines.push(`  ${style('green', 'fixed')} ${escapeForTerminal(finding.title)}`);
	}
	return lines;
}

export const METRIC_LABELS = {
	contentBytes: 'content',
	storedBytes: 'stored in layers',
	compressedBytes: 'compressed',
	reclaimableBytes: 'reclaimable',
	diveEfficiency: "dive's efficiency",
	layers: 'layers',
	paths: 'paths',
} as const;

export function formatMetric(name: keyof typeof METRIC_LABELS, value: number): string {
	if (name === 'diveEfficiency') return `${(value * 100).toFixed(2)} %`;
	if (name === 'layers' || name === 'paths') return String(value);
	return prettyBytes(value);
}

/** The shared base, then each side's own layers with their instructions. */
function layerLines(comparison: Comparison, style: Style): string[] {
	const {layers, range} = comparison;
	const lines = [`${style('bold', 'layers')}: ${layers.shared} shared${layers.shared > 0 ? ' (the base)' : ''}`];
	const own = (side: 'a' | 'b') => layers[side].filter(layer => layer.status !== 'shared');
	const sides: Array<['a' | 'b', string]> = range ? [['b', `layers ${range.from + 1}–${range.to}`]] : [['a', 'only in A'], ['b', 'only in B']];
	for (const [side, label] of sides) {
		const list = own(side);
		if (list.length === 0) continue;
		lines.push(`  ${label}:`);
		for (const layer of list) {
			const where = layer.status === 'elsewhere' ? style('dim', ` (= ${side === 'a' ? 'B' : 'A'}'s layer ${layer.otherIndex})`) : '';
			lines.push(`  ${String(layer.index).padStart(4)} ${prettyBytes(layer.contentSize).padStart(9)}  ${escapeForTerminal(shortInstruction(layer.instruction ?? '(no history)'))}${where}`);
		}
	}
	return lines;
}

/** One config difference for a terminal: `env MODE: "dev" → "prod"`, values as JSON, every image string escaped. */
export function configLine(change: ConfigChange): string {
	const name = change.key === null ? change.field : `${change.field} ${escapeForTerminal(change.key)}`;
	const value = (raw: unknown) => (raw === null ? '(unset)' : escapeForTerminal(JSON.stringify(raw)));
	return `${name}: ${value(change.before)} → ${value(change.after)}`;
}

/** Whether either side lists any package: two images without package databases have no packages section. */
export function hasPackages(diff: PackageDiff): boolean {
	return diff.changes.length > 0 || diff.unchanged > 0;
}

/** `2 added (+1.2 MB), 1 upgraded (+3 kB), 40 unchanged; unowned 1 MB → 1.1 MB`: the kinds that occur, with their bytes. */
export function packageCounts(diff: PackageDiff): string {
	const kinds = PACKAGE_CHANGE_KINDS.filter(kind => diff.totals[kind].count > 0).map(kind => `${diff.totals[kind].count} ${kind} (${signedBytes(diff.totals[kind].delta)})`);
	return `${[...kinds, `${diff.unchanged} unchanged`].join(', ')}; unowned ${prettyBytes(diff.unowned.a)} → ${prettyBytes(diff.unowned.b)}`;
}

/** One package's change for a terminal: `deb curl 8.5 → 8.6 amd64`, every name and version escaped. */
export function packageLine(change: PackageChange): string {
	const arch = change.architecture === null ? '' : ` ${escapeForTerminal(change.architecture)}`;
	return `${change.ecosystem} ${escapeForTerminal(change.name)} ${escapeForTerminal(packageVersions(change))}${arch}`;
}

/**
 * The versions as data, unescaped (each output escapes its own way): one
 * side's for an added or removed package or where both read the same (a
 * resized one), `A → B` otherwise; a side with several installations says
 * how many.
 */
export function packageVersions(change: PackageChange): string {
	if (change.kind === 'added') return packageSide(change, 'b');
	if (change.kind === 'removed') return packageSide(change, 'a');
	const [a, b] = [packageSide(change, 'a'), packageSide(change, 'b')];
	return a === b ? a : `${a} → ${b}`;
}

/** One side's versions as data: `1.0, 2.0 (3 installs)`; "" where that side has no such package. */
export function packageSide(change: PackageChange, side: 'a' | 'b'): string {
	const [versions, installs] = [change.versions[side], change.installs[side]];
	if (installs === 0) return '';
	return `${versions.join(', ') || '(no version)'}${installs > 1 ? ` (${installs} installs)` : ''}`;
}

export function signedBytes(delta: number): string {
	return delta === 0 ? '0 B' : `${delta > 0 ? '+' : '−'}${prettyBytes(Math.abs(delta))}`;
}

/** Growth in yellow, shrinking in green; applied after padding, so the columns hold. */
function paint(delta: number, text: string, style: Style): string {
	return delta === 0 ? text : style(delta > 0 ? 'yellow' : 'green', text);
}

function signedPercent(ratio: number): string {
	return `${ratio >= 0 ? '+' : '−'}${Math.abs(ratio * 100).toFixed(1)} %`;
}
