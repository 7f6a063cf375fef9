import {spawn} from 'node:child_process';
import {builtCli} from './paths.js';

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the built CLI as a user would: a real process, optional stdin bytes or file. */
export function runCli(args: string[], options: {stdin?: Buffer | NodeJS.ReadableStream; env?: Record<string, string | undefined>; cwd?: string; /** Run as this unprivileged user (tests run as root). */ runAs?: 'nobody'} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		// A clean slate: no CI or GitHub variables from the machine running the tests, no color unless asked.
		const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
		const env = Object.fromEntries(Object.entries({...inherited, NO_COLOR: '1', ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		const user = options.runAs === 'nobody' ? {uid: 65534, gid: 65534} : {};
		const child = spawn(process.execPath, [builtCli, ...args], {env, cwd: options.cwd, ...user});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', reject);
		child.on('close', code => resolve({code, stdout, stderr}));
		child.stdin.on('error', () => {}); // the CLI may exit before reading all of it
		if (Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
		else if (options.stdin) options.stdin.pipe(child.stdin);
		else child.stdin.end();
	});
}
