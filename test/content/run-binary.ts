import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {builtCli} from '../helpers/paths.js';

export interface BinaryResult {
	code: number | null;
	/** Exactly the bytes written (cat's output is not text). */
	stdout: Buffer;
	stderr: string;
}

/** The built CLI as run-cli.ts runs it (clean environment, a layer cache of its own unless given), with stdout kept as bytes. */
export function runBinary(args: string[], options: {stdin?: Buffer; env?: Record<string, string | undefined>} = {}): Promise<BinaryResult> {
	return new Promise((resolve, reject) => {
		const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
		const ownCache = options.env && 'LAYERSCOPE_CACHE_DIR' in options.env ? undefined : mkdtempSync(path.join(os.tmpdir(), 'layerscope-run-cache-'));
		const env = Object.fromEntries(Object.entries({...inherited, NO_COLOR: '1', LAYERSCOPE_CACHE_DIR: ownCache, ...options.env}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		const cleanUp = () => ownCache && rmSync(ownCache, {recursive: true, force: true});
		const child = spawn(process.execPath, [builtCli, ...args], {env});
		const out: Buffer[] = [];
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		child.on('error', error => (cleanUp(), reject(error)));
		child.on('close', code => (cleanUp(), resolve({code, stdout: Buffer.concat(out), stderr})));
		child.stdin.on('error', () => {});
		child.stdin.end(options.stdin);
	});
}
