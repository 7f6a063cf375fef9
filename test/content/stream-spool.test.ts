/**
 * A stream's layer blobs, kept in a private directory under TMPDIR for cat and extract: made only when a
 * mode reads files back, private (0700, files 0600), and gone after a normal exit, after SIGINT, SIGTERM or
 * SIGHUP mid-run, when the output pipe closes mid-file, and after an uncaught exception.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeImage} from '../fixtures/image-writer.js';
import {prng} from '../fixtures/random.js';
import {builtCli, repoRoot} from '../helpers/paths.js';
import {runBinary} from './run-binary.js';
import {contentKey, treeOnDisk} from './tree-on-disk.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-spool-test-'));
let archive: Buffer;
const BIG = (() => {
	const next = prng(11);
	return Buffer.from(Array.from({length: 4 * 1024 * 1024}, () => Math.floor(next() * 256)));
})();

/** A TMPDIR of the test's own, to see what the run leaves in it. */
function newTmp(name: string): string {
	const dir = path.join(scratch, name);
	mkdirSync(dir, {recursive: true});
	return dir;
}

function env(tmp: string): Record<string, string> {
	const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
	return {...(inherited as Record<string, string>), NO_COLOR: '1', TMPDIR: tmp, LAYERSCOPE_CACHE_DIR: path.join(tmp, '..', `${path.basename(tmp)}-cache`)};
}

function exited(child: ChildProcess): Promise<{code: number | null; signal: NodeJS.Signals | null}> {
	return new Promise(resolve => child.on('close', (code, signal) => resolve({code, signal})));
}

/** Waits until the run has made its spool and written part of a blob into it; returns the spool's path. */
async function spoolAppears(tmp: string): Promise<string> {
	for (let tries = 0; tries < 400; tries++) {
		const dirs = readdirSync(tmp).filter(name => name.startsWith('layerscope-blobs-'));
		if (dirs.length === 1) {
			const dir = path.join(tmp, dirs[0]!);
			const files = readdirSync(dir);
			if (files.length > 0 && statSync(path.join(dir, files[0]!)).size > 0) return dir;
		}
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	throw new Error(`no spool appeared in ${tmp}: ${readdirSync(tmp).join(', ')}`);
}

beforeAll(async () => {
	const written = await writeImage({layers: [{entries: [{type: 'file', path: 'big', content: BIG}, {type: 'file', path: 'etc/hosts', content: '127.0.0.1 localhost\n'}]}]}, {format: 'docker25', outPath: path.join(scratch, 'image.tar')});
	archive = readFileSync(written.path);
});

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('the spool of a stream', () => {
	it('extract from stdin writes the files; nothing is left in TMPDIR', async () => {
		const tmp = newTmp('extract');
		const dir = path.join(scratch, 'extracted');
		const result = await runBinary(['extract', '-', '/', '--to', dir], {stdin: archive, env: {TMPDIR: tmp}});
		expect(result.code, result.stderr).toBe(0);
		const tree = treeOnDisk(dir);
		expect(tree.get('big')?.content).toBe(contentKey(BIG));
		expect(tree.get('etc/hosts')?.content).toBe(contentKey('127.0.0.1 localhost\n'));
		expect(readdirSync(tmp)).toEqual([]);
	});

	it('is private while it exists, and only a mode that reads files back makes one', async () => {
		for (const args of [['cat', '-', '/etc/hosts'], ['-'], ['files', '-']]) {
			const tmp = newTmp(`private-${args.length}-${args[0]}`);
			const child = spawn(process.execPath, [builtCli, ...args], {env: env(tmp), stdio: ['pipe', 'pipe', 'pipe']});
			const done = exited(child);
			child.stdout.resume();
			child.stdin.write(archive.subarray(0, archive.length / 2));
			if (args[0] === 'cat') {
				const spool = await spoolAppears(tmp);
				expect((statSync(spool).mode & 0o777).toString(8)).toBe('700');
				for (const file of readdirSync(spool)) expect((statSync(path.join(spool, file)).mode & 0o777).toString(8)).toBe('600');
			} else {
				// Half the archive has passed (its layer with it) and the run waits for the rest: a spool would be there by now.
				await new Promise(resolve => setTimeout(resolve, 1500));
				expect(readdirSync(tmp)).toEqual([]);
			}
			child.stdin.end(archive.subarray(archive.length / 2));
			expect((await done).code).toBe(0);
			expect(readdirSync(tmp)).toEqual([]);
		}
	}, 60_000);

	it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('is gone after %s mid-run, the process ended by the signal', async signal => {
		const tmp = newTmp(`signal-${signal}`);
		const child = spawn(process.execPath, [builtCli, 'cat', '-', '/big'], {env: env(tmp), stdio: ['pipe', 'pipe', 'pipe']});
		const done = exited(child);
		child.stdin.on('error', () => {});
		child.stdin.write(archive.subarray(0, archive.length / 2));
		await spoolAppears(tmp);
		child.kill(signal);
		expect(await done).toEqual({code: null, signal});
		expect(readdirSync(tmp)).toEqual([]);
	}, 30_000);

	it('is gone when the output pipe closes mid-file', async () => {
		const tmp = newTmp('pipe');
		const child = spawn(process.execPath, [builtCli, 'cat', '-', '/big'], {env: env(tmp), stdio: ['pipe', 'pipe', 'pipe']});
		const done = exited(child);
		child.stdin.on('error', () => {});
		child.stdin.end(archive);
		// The first chunk of the 4 MiB file, then the reader goes away.
		await new Promise(resolve => child.stdout.once('data', resolve));
		expect(readdirSync(tmp).filter(name => name.startsWith('layerscope-blobs-'))).toHaveLength(1);
		child.stdout.destroy();
		await done;
		expect(readdirSync(tmp)).toEqual([]);
	}, 30_000);

	it('is gone after an uncaught exception in a process that made one', async () => {
		const tmp = newTmp('crash');
		// The module the CLI uses, in a process that then throws: Node's 'exit' comes after the exception's report.
		const module = path.join(repoRoot, 'dist/source/spool-dir.js');
		const script = `const {makeSpoolDir} = await import(${JSON.stringify(module)}); const fs = await import('node:fs'); const dir = await makeSpoolDir('layerscope-blobs-'); fs.writeFileSync(dir + '/0', 'x'); process.stdout.write(dir); setTimeout(() => { throw new Error('a crash'); }, 10);`;
		const child = spawn(process.execPath, ['--input-type=module', '-e', script], {env: env(tmp), stdio: ['ignore', 'pipe', 'pipe']});
		let made = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (made += chunk));
		child.stderr.setEncoding('utf8').on('data', chunk => (stderr += chunk));
		const {code} = await exited(child);
		expect(code).toBe(1);
		expect(stderr).toContain('a crash');
		expect(path.dirname(made)).toBe(tmp);
		expect(readdirSync(tmp)).toEqual([]);
	});
});
