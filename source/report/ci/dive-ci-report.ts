import type {AnalysisFacts} from '../../analysis/analyse.js';
import {escapeForTerminal} from '../escape.js';
import type {Style} from '../style.js';
import {humanizeBytes} from './go-format.js';
import type {CiVerdict} from './rules.js';

/**
 * `--ci-format dive`: the gate's output in dive's own layout (runtime/ci's
 * evaluator), line for line, so scripts that grep dive's output keep working:
 * the three measurements, the inefficient files, one `STATUS: rule[: message]`
 * line per rule sorted by name, and `Result:PASS [Total:…] … [Skipped:…]`.
 * Our own rules, when configured, appear among dive's.
 */
export function diveCiLines(analysis: AnalysisFacts, verdict: CiVerdict, style: Style): string[] {
	const {efficiency} = analysis;
	const row = (count: string, size: string, path: string) => `${count.padStart(5)}  ${size.padStart(12)}  ${path}`;
	const lines = [
		`  efficiency: ${(efficiency.score * 100).toFixed(4)} %`,
		`  wastedBytes: ${efficiency.wastedBytes} bytes (${humanizeBytes(efficiency.wastedBytes)})`,
		`  userWastedPercent: ${(efficiency.userWastedPercent * 100).toFixed(4)} %`,
		style('bold', 'Inefficient Files:'),
		row('Count', 'Wasted Space', 'File Path'),
	];
	if (efficiency.inefficientFiles.length === 0) lines.push('None');
	for (const file of efficiency.inefficientFiles) lines.push(row(String(file.count), humanizeBytes(file.cumulativeBytes), escapeForTerminal(file.path)));
	lines.push(style('bold', 'Results:'));
	const label = {pass: 'PASS', fail: style(['bold', 'inverse', 'red'], 'FAIL'), skip: style('blue', 'SKIP')};
	for (const result of [...verdict.results].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))) {
		// dive says nothing more of a rule that passed; a skipped one is "rule disabled".
		const message = result.status === 'fail' ? (result.diveMessage ?? result.message) : result.status === 'skip' ? result.message : '';
		lines.push(message ? `  ${label[result.status]}: ${result.rule}: ${escapeForTerminal(message)}` : `  ${label[result.status]}: ${result.rule}`);
	}
	const count = (status: string) => verdict.results.filter(result => result.status === status).length;
	const summary = `Result:${verdict.pass ? 'PASS' : 'FAIL'} [Total:${verdict.results.length}] [Passed:${count('pass')}] [Failed:${count('fail')}] [Warn:0] [Skipped:${count('skip')}]`;
	lines.push(style(verdict.pass ? 'green' : 'red', summary));
	return lines;
}
