import {spawn} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {builtCli} from './paths.js';

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs the built CLI as a user would: a real process, optional stdin bytes or file. Each run has a
 * layer cache of its own, removed when it ends, unless the test gives LAYERSCOPE_CACHE_DIR itself
 * (the cache tests): one run's layers never make another's faster or different.
 */
export function runCli(args: string[], options: {stdin?: Buffer | NodeJS.ReadableStream; env?: Record<string, string | undefined>; cwd?: string; /** Run as this unprivileged user (tests run as root). */ runAs?: 'nobody'} = {}): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		// A clean slate: no CI or GitHub variables from the machine running the tests, no color unless asked.
		const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
		const ownCache = options.env && 'LAYERSCOPE_CACHE_DIR' in options.env ? undefined : mkdtempSync(path.join(os.tmpdir(), 'layerscope-run-cache-'));
		const env = Object.fromEntries(Object.entries({...inherited, NO_COLOR: '1', LAYERSCOPE_CACHE_DIR: ownCache, ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		const cleanUp = () => ownCache && rmSync(ownCache, {recursive: true, force: true});
		// An unprivileged run may write its own cache too (mkdtemp makes it root's alone).
		if (ownCache && options.runAs) chmodSync(ownCache, 0o777);
		const user = options.runAs === 'nobody' ? {uid: 65534, gid: 65534} : {};
		const child = spawn(process.execPath, [builtCli, ...args], {env, cwd: options.cwd, ...user});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', error => (cleanUp(), reject(error)));
		child.on('close', code => (cleanUp(), resolve({code, stdout, stderr})));
		child.stdin.on('error', () => {}); // the CLI may exit before reading all of it
		if (Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
		else if (options.stdin) options.stdin.pipe(child.stdin);
		else child.stdin.end();
	});
}
