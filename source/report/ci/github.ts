import prettyBytes from 'pretty-bytes';
import type {Analysis} from '../../analysis/analyse.js';
import type {CiVerdict} from './rules.js';
import {tally} from './ci-report.js';

/** GitHub's workflow commands need %, CR and LF escaped in their data. */
function escapeData(text: string): string {
	return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
	return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** One `::error` annotation per failed rule. */
export function githubAnnotations(verdict: CiVerdict): string[] {
	return verdict.results.filter(result => result.status === 'fail').map(result => `::error title=${escapeProperty(`layerscope ${result.rule}`)}::${escapeData(result.message)}`);
}

function cell(text: string): string {
	return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A Markdown job summary for $GITHUB_STEP_SUMMARY. */
export function githubSummary(analysis: Analysis, verdict: CiVerdict): string {
	const t = tally(verdict);
	const {image, efficiency, waste} = analysis;
	const lines = [
		`### layerscope: ${verdict.pass ? 'PASS' : 'FAIL'} for \`${cell(image.repoTags[0] ?? image.input)}\``,
		'',
		`Efficiency ${(efficiency.score * 100).toFixed(2)} % · wasted ${prettyBytes(efficiency.wastedBytes)} · reclaimable ${prettyBytes(waste.reclaimableBytes)} · ${image.layers.length} layers`,
		'',
		'| rule | result | details |',
		'| --- | --- | --- |',
		...verdict.results.map(result => `| ${result.rule} | ${result.status.toUpperCase()} | ${cell(result.message)} |`),
		'',
		`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`,
		'',
	];
	return lines.join('\n');
}
