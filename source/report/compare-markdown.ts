import prettyBytes from 'pretty-bytes';
import type {Comparison} from '../compare/comparison.js';
import {formatMetric, hasPackages, METRIC_LABELS, packageCounts, packageSide, signedBytes} from './compare-summary.js';
import {escapeForMarkdown} from './escape.js';
import {imageName} from './json-report.js';
import {shortInstruction} from './summary.js';

/** Rows of each table: a pull-request comment stays short. */
export const MARKDOWN_ROWS = 10;

/**
 * A compact Markdown summary for a pull-request comment or
 * $GITHUB_STEP_SUMMARY: the headline, the figures, the largest file and
 * directory changes, the packages that changed, the layers each side has
 * alone, config and findings.
 * Every string from an image goes through escapeForMarkdown (never into a
 * code span, where references are not decoded).
 */
export function compareMarkdown(comparison: Comparison): string {
	const {a, b, bytes, counts, files, range} = comparison;
	const md = escapeForMarkdown;
	const title = range ? `${md(imageName(a))}, layer ${range.from} → layer ${range.to}` : `${md(imageName(a))} → ${md(imageName(b))}`;
	const lines = [
		`### layerscope diff: ${title}`,
		'',
		`**${md(signedBytes(bytes.delta))}** of content (${prettyBytes(bytes.a)} → ${prettyBytes(bytes.b)}); layers shared: ${comparison.layers.shared}; ${counts.added} added, ${counts.removed} removed, ${counts.modified} modified${counts.moved > 0 ? `, ${counts.moved} moved` : ''}`,
		'',
		'| | A | B | change |',
		'| --- | ---: | ---: | ---: |',
		...comparison.metrics.map(metric => `| ${METRIC_LABELS[metric.name]} | ${md(formatMetric(metric.name, metric.before))} | ${md(formatMetric(metric.name, metric.after))} | ${md(metricDelta(metric.name, metric.delta))} |`),
	];
	const largest = [...comparison.largestFiles.subarray(0, MARKDOWN_ROWS)];
	if (largest.length > 0) {
		lines.push('', '| file | change | bytes |', '| --- | --- | ---: |');
		for (const index of largest) {
			const other = files.movedWith(index);
			const {before, after} = other === undefined ? files.sizes(index) : {before: 0, after: 0};
			const how = other === undefined ? (files.metadataOnly(index) ? 'mode or owner' : files.status(index)) : `${files.status(index) === 'added' ? 'moved from' : 'moved to'} ${md(files.path(other))}`;
			lines.push(`| ${md(files.path(index))} | ${how} | ${md(signedBytes(after - before))} |`);
		}
	}
	const dirs = comparison.directories.slice(0, MARKDOWN_ROWS);
	if (dirs.length > 0) {
		lines.push('', '| directory | A | B | change |', '| --- | ---: | ---: | ---: |');
		for (const dir of dirs) lines.push(`| ${md(dir.path)} | ${prettyBytes(dir.before)} | ${prettyBytes(dir.after)} | ${md(signedBytes(dir.delta))} |`);
	}
	const packages = comparison.packages;
	if (hasPackages(packages)) {
		lines.push('', `**Packages**: ${md(packageCounts(packages))}`);
		if (packages.changes.length > 0) lines.push('', '| package | A | B | change | bytes |', '| --- | --- | --- | --- | ---: |');
		for (const change of packages.changes.slice(0, MARKDOWN_ROWS)) {
			const name = `${change.ecosystem} ${change.name}${change.architecture === null ? '' : ` ${change.architecture}`}`;
			lines.push(`| ${md(name)} | ${md(packageSide(change, 'a'))} | ${md(packageSide(change, 'b'))} | ${change.kind} | ${md(signedBytes(change.bytes.delta))} |`);
		}
		if (packages.changes.length > MARKDOWN_ROWS) lines.push('', `… and ${packages.changes.length - MARKDOWN_ROWS} more`);
	}
	const own = comparison.layers.b.filter(layer => layer.status === 'only');
	if (own.length > 0) {
		lines.push('', range ? '**Layers**' : '**Layers only in B**', '');
		for (const layer of own) lines.push(`- ${layer.index}: ${md(shortInstruction(layer.instruction ?? '(no history)'))} (${prettyBytes(layer.contentSize)})`);
	}
	if (comparison.config.length > 0) {
		lines.push('', '| config | A | B |', '| --- | --- | --- |');
		for (const change of comparison.config) {
			lines.push(`| ${md(change.key === null ? change.field : `${change.field} ${change.key}`)} | ${value(change.before)} | ${value(change.after)} |`);
		}
	}
	const {new: added, fixed} = comparison.findings;
	if (added.length > 0 || fixed.length > 0) {
		lines.push('');
		for (const finding of added) lines.push(`- new finding: ${md(finding.title)}`);
		for (const finding of fixed) lines.push(`- fixed: ${md(finding.title)}`);
	}
	return lines.join('\n') + '\n';
}

function metricDelta(name: keyof typeof METRIC_LABELS, delta: number): string {
	if (name === 'diveEfficiency') return `${delta >= 0 ? '+' : '−'}${Math.abs(delta * 100).toFixed(2)} points`;
	if (name === 'layers' || name === 'paths') return `${delta > 0 ? '+' : delta < 0 ? '−' : ''}${Math.abs(delta)}`;
	return signedBytes(delta);
}

function value(raw: unknown): string {
	return raw === null ? '(unset)' : escapeForMarkdown(typeof raw === 'string' ? raw : JSON.stringify(raw));
}
