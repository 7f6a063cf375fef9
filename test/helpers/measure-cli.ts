import {spawn} from 'node:child_process';
import type {Readable} from 'node:stream';
import {builtCli} from './paths.js';
import type {CliResult} from './run-cli.js';

export interface MeasuredResult extends CliResult {
	/** Wall time from spawn to exit. */
	seconds: number;
	/** The process's peak resident memory (all its threads), in MiB, as the kernel counted it; undefined if it was killed. */
	peakMiB: number | undefined;
	/** Killed after `timeoutMs`. */
	timedOut: boolean;
}

/**
 * The peak RSS, reported by the child itself as it exits (process.resourceUsage's maxRSS is
 * getrusage's ru_maxrss: the high-water mark of the whole process, worker threads included),
 * written to fd 3 so that stdout and stderr stay the CLI's own. Needs no tool outside Node.
 */
const REPORT_PEAK = 'data:text/javascript,' + encodeURIComponent('import {writeSync} from "node:fs"; process.on("exit", () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });');

/**
 * Runs the built CLI as a user would (as run-cli.ts does: a clean environment, NO_COLOR) and
 * measures it: wall time and peak memory. A run that outlives `timeoutMs` is killed, so a
 * hanging defect fails its test instead of hanging the suite.
 */
export function runMeasured(args: string[], options: {stdin?: Buffer | Readable; env?: Record<string, string | undefined>; timeoutMs?: number} = {}): Promise<MeasuredResult> {
	return new Promise((resolve, reject) => {
		const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
		const env = Object.fromEntries(Object.entries({...inherited, NO_COLOR: '1', ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		const started = performance.now();
		const child = spawn(process.execPath, ['--import', REPORT_PEAK, builtCli, ...args], {env, stdio: ['pipe', 'pipe', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		let peak = '';
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, options.timeoutMs ?? 20_000);
		child.stdout!.setEncoding('utf8').on('data', chunk => (stdout += chunk));
		child.stderr!.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		(child.stdio[3] as Readable).setEncoding('utf8').on('data', chunk => (peak += chunk));
		child.on('error', reject);
		child.on('close', code => {
			clearTimeout(timer);
			const kib = Number.parseInt(peak, 10);
			resolve({code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakMiB: Number.isFinite(kib) ? kib / 1024 : undefined, timedOut});
		});
		child.stdin!.on('error', () => {}); // the CLI may exit before reading all of it
		const stdin = options.stdin;
		if (Buffer.isBuffer(stdin)) child.stdin!.end(stdin);
		else if (stdin) {
			stdin.on('error', () => {});
			stdin.pipe(child.stdin!);
			child.on('close', () => stdin.destroy());
		} else child.stdin!.end();
	});
}
