import {mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {digestOf, identityOf, writeStamp} from '../../source/cache/code-identity.js';

describe('the code identity in an analysis key', () => {
	let dir: string;
	let module: string;
	beforeEach(() => {
		dir = mkdtempSync(path.join(os.tmpdir(), 'layerscope-code-'));
		mkdirSync(path.join(dir, 'cache'));
		module = path.join(dir, 'cache/code-identity.js');
		writeFileSync(module, 'export {};\n');
		writeFileSync(path.join(dir, 'rules.js'), 'export const limit = 1;\n');
	});
	afterEach(() => rmSync(dir, {recursive: true, force: true}));

	it('is a digest of every file, so that changed code changes it', () => {
		const before = digestOf(dir);
		writeFileSync(path.join(dir, 'rules.js'), 'export const limit = 2;\n');
		expect(digestOf(dir)).not.toBe(before);
	});

	it('is read from the build stamp, which does not count itself', () => {
		writeStamp(dir);
		expect(readFileSync(path.join(dir, 'code-identity.txt'), 'utf8').trim()).toBe(digestOf(dir));
		// A stamp saying something else is what is used: the files are not read again.
		const doctored = 'ab'.repeat(32);
		writeFileSync(path.join(dir, 'code-identity.txt'), `${doctored}\n`);
		const later = new Date(Date.now() + 10_000);
		utimesSync(path.join(dir, 'code-identity.txt'), later, later);
		expect(identityOf(dir, module)).toBe(doctored);
	});

	it('is made from the files again when a build left the stamp older than its output, or the stamp is not a digest', () => {
		writeStamp(dir);
		const stamp = path.join(dir, 'code-identity.txt');
		const past = new Date(Date.now() - 60_000);
		utimesSync(stamp, past, past);
		writeFileSync(path.join(dir, 'rules.js'), 'export const limit = 3;\n');
		writeFileSync(module, 'export {}; // rebuilt\n');
		expect(identityOf(dir, module)).toBe(digestOf(dir));
		expect(identityOf(dir, module)).not.toBe(readFileSync(stamp, 'utf8').trim());
		writeFileSync(stamp, 'not a digest\n');
		expect(identityOf(dir, module)).toBe(digestOf(dir));
	});
});
