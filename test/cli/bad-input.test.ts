import {createHash} from 'node:crypto';
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {sampleImage, type FormName} from '../interop/sample-image.js';
import {expectOneLineError} from '../helpers/expect-error.js';
import {runCli} from '../helpers/run-cli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-bad-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function copyOf(name: FormName): string {
	const target = path.join(scratch, `${Math.random().toString(36).slice(2)}-${name}`);
	cpSync(sampleImage(name), target, {recursive: true});
	return target;
}

function gzipLayerOf(layout: string): string {
	const blobs = path.join(layout, 'blobs/sha256');
	// The largest blob is the base layer.
	return readdirSync(blobs).map(name => path.join(blobs, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
}

function fingerprint(dir: string): string {
	const hash = createHash('sha256');
	const walk = (at: string) => {
		for (const name of readdirSync(at).sort()) {
			const full = path.join(at, name);
			const info = statSync(full);
			hash.update(`${full}:${info.size}:${info.mtimeMs}\n`);
			if (info.isDirectory()) walk(full);
			else hash.update(readFileSync(full));
		}
	};
	walk(dir);
	return hash.digest('hex');
}

describe('bad input: one clear line, exit 2', () => {
	it('a path that does not exist', async () => {
		expectOneLineError(await runCli(['files', path.join(scratch, 'nope.tar')]), 'nope.tar', /no such file/);
	});

	it('an empty file', async () => {
		const file = path.join(scratch, 'empty.tar');
		writeFileSync(file, '');
		expectOneLineError(await runCli(['files', file]), file, /is empty/);
	});

	it('empty standard input', async () => {
		expectOneLineError(await runCli(['files', '-'], {stdin: Buffer.alloc(0)}), '-', /is empty/);
	});

	it('a directory that is not a layout', async () => {
		const dir = mkdtempSync(path.join(scratch, 'plain-'));
		writeFileSync(path.join(dir, 'hello.txt'), 'hi');
		expectOneLineError(await runCli(['files', dir]), dir, /not an OCI image layout/);
	});

	it('a file that is no archive at all', async () => {
		const file = path.join(scratch, 'random.bin');
		writeFileSync(file, Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 251)));
		expectOneLineError(await runCli(['files', file]), file, /not an image: neither a tar archive nor a gzip- or zstd-compressed one/);
	});

	it('a truncated docker save tarball', async () => {
		const file = copyOf('sample.docker.tar');
		truncateSync(file, 1_000_000);
		expectOneLineError(await runCli(['files', file]), file, /truncated/);
	});

	it('a truncated archive on standard input', async () => {
		const bytes = readFileSync(sampleImage('sample.docker.tar')).subarray(0, 1_500_000);
		expectOneLineError(await runCli(['files', '-'], {stdin: bytes}), '-', /truncated/);
	});

	it('a truncated gzip archive on standard input', async () => {
		const {gzipSync} = await import('node:zlib');
		const bytes = gzipSync(readFileSync(sampleImage('sample.oci.tar')));
		expectOneLineError(await runCli(['files', '-'], {stdin: bytes.subarray(0, bytes.length / 2)}), '-', /truncated|unexpected end/i);
	});

	it('a missing layer blob', async () => {
		const layout = copyOf('sample.oci');
		const layer = gzipLayerOf(layout);
		rmSync(layer);
		expectOneLineError(await runCli(['files', layout]), layout, new RegExp(`${path.basename(layer)}.*missing|missing.*${path.basename(layer)}`));
	});

	it('an index pointing to a manifest that does not exist', async () => {
		const layout = copyOf('sample.oci');
		const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
		index.manifests[0].digest = 'sha256:' + '0'.repeat(64);
		writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
		expectOneLineError(await runCli(['files', layout]), layout, /points to blobs\/sha256\/0{64}, which is missing/);
	});

	it('a layer whose bytes do not match its digest, and the corrupt gzip behind it with --no-verify', async () => {
		const layout = copyOf('sample.oci');
		const layer = gzipLayerOf(layout);
		const bytes = readFileSync(layer);
		bytes.fill(0x55, 5000, 6000);
		writeFileSync(layer, bytes);
		expectOneLineError(await runCli(['files', layout]), layout, /does not match its digest|corrupt gzip/);
		expectOneLineError(await runCli(['files', '--no-verify', layout]), layout, /corrupt gzip|not a valid tar/);
	});

	it('a corrupt zstd layer', async () => {
		const layout = copyOf('sample.zstd.oci');
		const layer = gzipLayerOf(layout);
		const bytes = readFileSync(layer);
		bytes.fill(0xaa, 2000, 3000);
		writeFileSync(layer, bytes);
		expectOneLineError(await runCli(['files', '--no-verify', layout]), layout, /corrupt zstd/);
	});

	it('never writes to the input', async () => {
		const layout = copyOf('sample.oci');
		const archive = copyOf('sample.docker.tar');
		const before = [fingerprint(layout), statSync(archive).mtimeMs, readdirSync(scratch).length];
		expect((await runCli(['files', layout])).code).toBe(0);
		expect((await runCli(['files', archive])).code).toBe(0);
		expect([fingerprint(layout), statSync(archive).mtimeMs, readdirSync(scratch).length]).toEqual(before);
	});

	it('unknown flags', async () => {
		const result = await runCli(['files', '--frobnicate', sampleImage('sample.oci')]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/frobnicate/);
	});

	it('a --layer out of range', async () => {
		expectOneLineError(await runCli(['files', '--layer', '9', sampleImage('sample.oci')]), '--layer', /between 0 and 4/);
	});
});
