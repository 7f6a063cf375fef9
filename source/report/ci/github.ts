import prettyBytes from 'pretty-bytes';
import type {AnalysisFacts} from '../../analysis/analyse.js';
import {escapeForMarkdown, escapeWorkflowData, escapeWorkflowProperty} from '../escape.js';
import type {CiVerdict} from './rules.js';
import {tally} from './ci-report.js';

/** One `::error` annotation per failed rule. */
export function githubAnnotations(verdict: CiVerdict): string[] {
	return verdict.results.filter(result => result.status === 'fail').map(result => `::error title=${escapeWorkflowProperty(`layerscope ${result.rule}`)}::${escapeWorkflowData(result.message)}`);
}

/** A Markdown job summary for $GITHUB_STEP_SUMMARY. Image data is shown as text, never inside a code span. */
export function githubSummary(analysis: AnalysisFacts, verdict: CiVerdict): string {
	const t = tally(verdict);
	const {image, efficiency, waste} = analysis;
	const lines = [
		`### layerscope: ${verdict.pass ? 'PASS' : 'FAIL'} for ${escapeForMarkdown(image.repoTags[0] ?? image.input)}`,
		'',
		`Efficiency ${(efficiency.score * 100).toFixed(2)} % · wasted ${prettyBytes(efficiency.wastedBytes)} · reclaimable ${prettyBytes(waste.reclaimableBytes)} · ${image.layers.length} layers`,
		'',
		'| rule | result | details |',
		'| --- | --- | --- |',
		...verdict.results.map(result => `| ${result.rule} | ${result.status.toUpperCase()} | ${escapeForMarkdown(result.message)} |`),
		'',
		`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`,
		'',
	];
	return lines.join('\n');
}
