import {spawnSync} from 'node:child_process';
import {chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {repoRoot} from '../helpers/paths.js';
import {ensureSystemTools, missingTools, SYSTEM_TOOLS, type Environment} from './system-tools.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-tools-'));
chmodSync(scratch, 0o755);
/** HOME and TMPDIR of the unprivileged runs (tsx keeps its cache there). */
const nobodysHome = path.join(scratch, 'home');
spawnSync('mkdir', ['-m', '700', nobodysHome]);
chownSync(nobodysHome, 65534, 65534);
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;

/** A PATH of one folder holding stand-ins for the named commands (the check only looks for them). */
function pathWith(commands: readonly string[]): string {
	const dir = path.join(scratch, `bin-${counter++}`);
	spawnSync('mkdir', ['-m', '755', dir]);
	for (const command of commands) writeFileSync(path.join(dir, command), '#!/bin/sh\nexit 0\n', {mode: 0o755});
	return dir;
}

const allBut = (...left: string[]) => SYSTEM_TOOLS.map(tool => tool.command).filter(command => !left.includes(command));

describe('the test set-up\'s system tools', () => {
	it('stops a user who cannot install with one line naming the missing tools and the command', () => {
		// As the set-up runs it, in a process of its own, as an unprivileged user, with umoci and busybox off the PATH.
		const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/setup/system-tools.ts'], {
			cwd: repoRoot,
			uid: 65534,
			gid: 65534,
			encoding: 'utf8',
			env: {PATH: pathWith(allBut('umoci', 'busybox')), HOME: nobodysHome, TMPDIR: nobodysHome},
		});
		expect(result.stdout).toBe('');
		expect(result.stderr).toBe('layerscope tests: missing umoci, busybox; install with: sudo apt-get update && apt-get install -y umoci busybox-static\n');
		expect(result.status).toBe(1);
	});

	it('says nothing and goes on when every tool is there', () => {
		const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/setup/system-tools.ts'], {cwd: repoRoot, uid: 65534, gid: 65534, encoding: 'utf8', env: {PATH: pathWith(allBut()), HOME: nobodysHome, TMPDIR: nobodysHome}});
		expect([result.status, result.stdout, result.stderr]).toEqual([0, '', '']);
	});

	it('finds only executables on the PATH', () => {
		const dir = pathWith(allBut());
		rmSync(path.join(dir, 'tmux'));
		writeFileSync(path.join(dir, 'tmux'), 'not executable', {mode: 0o644});
		expect(missingTools(dir).map(tool => tool.command)).toEqual(['tmux']);
		expect(missingTools(`/nonexistent${path.delimiter}${dir}${path.delimiter}`).map(tool => tool.command)).toEqual(['tmux']);
	});

	it('as root with apt-get: updates once, installs the missing packages, and goes on when they came', () => {
		const dir = pathWith([...allBut('podman', 'docker-registry'), 'apt-get']);
		const calls: string[] = [];
		const environment: Environment = {
			searchPath: dir,
			isRoot: true,
			run: (command, args) => {
				calls.push([command, ...args].join(' '));
				if (args[0] === 'install') for (const name of ['podman', 'docker-registry']) writeFileSync(path.join(dir, name), '#!/bin/sh\n', {mode: 0o755});
				return true;
			},
		};
		expect(ensureSystemTools(environment)).toBeNull();
		expect(calls).toEqual(['apt-get update -qq', 'apt-get install -y -qq podman docker-registry']);
		// Nothing missing: apt-get is not run at all.
		expect(ensureSystemTools(environment)).toBeNull();
		expect(calls).toHaveLength(2);
	});

	it('as root, names what apt-get could not install; without apt-get, does not try', () => {
		const calls: string[] = [];
		const failing: Environment = {searchPath: pathWith([...allBut('tmux'), 'apt-get']), isRoot: true, run: (command, args) => (calls.push(command + ' ' + args[0]), false)};
		expect(ensureSystemTools(failing)).toBe('layerscope tests: missing tmux; install with: sudo apt-get update && apt-get install -y tmux');
		expect(calls).toEqual(['apt-get update', 'apt-get install']);
		const noApt: Environment = {searchPath: pathWith(allBut('tmux')), isRoot: true, run: () => expect.unreachable('no apt-get to run')};
		expect(ensureSystemTools(noApt)).toMatch(/^layerscope tests: missing tmux; /);
	});
});
