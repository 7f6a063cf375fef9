import prettyBytes from 'pretty-bytes';
import type {AnalysisFacts} from '../../analysis/analyse.js';
import type {Comparison} from '../../compare/comparison.js';
import {signedBytes} from '../compare-summary.js';
import {escapeForTerminal} from '../escape.js';
import type {Style} from '../style.js';
import type {CiVerdict, RuleResult} from './rules.js';

const LABEL: Record<RuleResult['status'], string> = {pass: 'PASS', fail: 'FAIL', skip: 'SKIP'};

export function tally(verdict: CiVerdict): {total: number; passed: number; failed: number; skipped: number} {
	const count = (status: RuleResult['status']) => verdict.results.filter(result => result.status === status).length;
	return {total: verdict.results.length, passed: count('pass'), failed: count('fail'), skipped: count('skip')};
}

/** The gate's output: the measurements, one line per rule, one result line. */
export function ciLines(analysis: AnalysisFacts, verdict: CiVerdict, style: Style, comparison: Comparison | null = null): string[] {
	const {image, efficiency, waste} = analysis;
	const lines = [
		style('bold', `layerscope CI: ${escapeForTerminal(image.repoTags[0] ?? image.input)}`),
		`  efficiency: ${(efficiency.score * 100).toFixed(4)} %`,
		`  wastedBytes: ${efficiency.wastedBytes} bytes (${prettyBytes(efficiency.wastedBytes)})`,
		`  userWastedPercent: ${(efficiency.userWastedPercent * 100).toFixed(4)} %`,
		`  reclaimableBytes: ${waste.reclaimableBytes} bytes (${prettyBytes(waste.reclaimableBytes)})`,
		...(comparison ? [`  baseline: ${escapeForTerminal(comparison.a.repoTags[0] ?? comparison.a.input)}, content ${signedBytes(comparison.bytes.delta)} (${prettyBytes(comparison.bytes.a)} → ${prettyBytes(comparison.bytes.b)}), ${comparison.layers.shared} layers shared`] : []),
		'',
		style('bold', 'Rules:'),
	];
	for (const result of verdict.results) {
		const label = result.status === 'fail' ? style(['bold', 'red'], LABEL.fail) : result.status === 'pass' ? style('green', LABEL.pass) : style('dim', LABEL.skip);
		lines.push(`  ${label}  ${result.rule}: ${escapeForTerminal(result.message)}${result.status === 'skip' && result.source === 'default' ? '' : ` [${escapeForTerminal(result.source)}]`}`);
	}
	const t = tally(verdict);
	const summary = `Result: ${verdict.pass ? 'PASS' : 'FAIL'} [Total:${t.total}] [Passed:${t.passed}] [Failed:${t.failed}] [Skipped:${t.skipped}]`;
	lines.push('', verdict.pass ? style('green', summary) : style(['bold', 'red'], summary));
	return lines;
}
