import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {createReadStream, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, symlinkSync, linkSync, writeFileSync, writeSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readLayer, type LayerReadResult} from '../../source/layer/read-layer.js';
import type {LayerEntry} from '../../source/model.js';

/**
 * Layers written by GNU tar itself (not by our own fixture writer), so the
 * reader is checked against the formats a real tool produces: GNU and PAX
 * long names, the three sparse encodings, devices, links, compression.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-gnutar-'));
const tree = path.join(scratch, 'tree');
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const longDir = 'd'.repeat(120);
const longName = `${longDir}/${'f'.repeat(150)}.txt`;
const sparseChunks = [{at: 1024 * 1024, text: 'middle'}, {at: 5 * 1024 * 1024, text: 'the end.'}];
const sparseSize = 5 * 1024 * 1024 + 'the end.'.length;
let expectedSparseDigest = '';

beforeAll(() => {
	mkdirSync(path.join(tree, 'etc'), {recursive: true});
	mkdirSync(path.join(tree, longDir), {recursive: true});
	writeFileSync(path.join(tree, 'etc/hosts'), '127.0.0.1 localhost\n');
	writeFileSync(path.join(tree, longName), 'long');
	symlinkSync('hosts', path.join(tree, 'etc/hosts.link'));
	symlinkSync('x'.repeat(200), path.join(tree, 'etc/long-target'));
	linkSync(path.join(tree, 'etc/hosts'), path.join(tree, 'etc/hosts.hard'));
	const fd = openSync(path.join(tree, 'sparse.img'), 'w');
	for (const {at, text} of sparseChunks) writeSync(fd, text, at);
	closeSync(fd);
	expectedSparseDigest = createHash('sha256').update(readFileSync(path.join(tree, 'sparse.img'))).digest('hex');
	execFileSync('mknod', [path.join(tree, 'null'), 'c', '1', '3']);
	execFileSync('mkfifo', [path.join(tree, 'pipe')]);
	execFileSync('chmod', ['4755', path.join(tree, 'etc/hosts')]);
	execFileSync('chown', ['1234:5678', path.join(tree, 'etc')]);
});

function gnuTar(name: string, ...args: string[]): string {
	const file = path.join(scratch, name);
	execFileSync('tar', ['-C', tree, '--sort=name', '--numeric-owner', '-cf', file, ...args, '.']);
	return file;
}

async function read(file: string): Promise<LayerReadResult> {
	return readLayer(createReadStream(file));
}

function byPath(result: LayerReadResult): Map<string, LayerEntry> {
	return new Map([...result.entries].map(entry => [entry.path, entry]));
}

const sha256File = (file: string) => 'sha256:' + createHash('sha256').update(readFileSync(file)).digest('hex');

describe.each([
	['gnu', ['--format=gnu', '--sparse']],
	['posix (PAX, sparse 1.0)', ['--format=posix', '--sparse', '--sparse-version=1.0']],
	['posix (PAX, sparse 0.1)', ['--format=posix', '--sparse', '--sparse-version=0.1']],
])('a layer written by GNU tar, format %s', (label, args) => {
	let file: string;
	let result: LayerReadResult;
	let entries: Map<string, LayerEntry>;
	beforeAll(async () => {
		file = gnuTar(`${label.replace(/\W+/g, '-')}.tar`, ...args);
		result = await read(file);
		entries = byPath(result);
	});

	it('keeps long names and long link targets', () => {
		expect(entries.get('/' + longName)).toMatchObject({type: 'file', size: 4});
		expect(entries.get('/etc/long-target')).toMatchObject({type: 'symlink', linkTarget: 'x'.repeat(200)});
	});

	it('reads attributes: setuid mode, owners, symlinks, hard links, devices, fifos', () => {
		expect(entries.get('/etc/hosts')).toMatchObject({type: 'file', mode: 0o4755, size: 20});
		expect(entries.get('/etc')).toMatchObject({type: 'dir', uid: 1234, gid: 5678});
		expect(entries.get('/etc/hosts.link')).toMatchObject({type: 'symlink', linkTarget: 'hosts'});
		expect(entries.get('/etc/hosts.hard')).toMatchObject({type: 'hardlink', linkTarget: '/etc/hosts'});
		expect(entries.get('/null')).toMatchObject({type: 'char', devMajor: 1, devMinor: 3});
		expect(entries.get('/pipe')).toMatchObject({type: 'fifo'});
		expect(entries.get('/')).toMatchObject({type: 'dir'});
	});

	it('hashes file content while streaming', () => {
		expect(entries.get('/etc/hosts')!.digest).toBe(createHash('sha256').update('127.0.0.1 localhost\n').digest('hex'));
	});

	it('expands sparse files to their real size and hashes the expanded content', () => {
		expect(entries.get('/sparse.img')).toMatchObject({type: 'file', size: sparseSize, digest: expectedSparseDigest});
		expect([...entries.keys()].some(p => p.includes('GNUSparseFile'))).toBe(false);
	});

	it('computes the diff_id of the uncompressed tar', () => {
		expect(result.compression).toBe('none');
		expect(result.diffId).toBe(sha256File(file));
		expect(result.blobDigest).toBe(result.diffId);
	});
});

describe('compressed layers', () => {
	let plain: string;
	beforeAll(() => {
		plain = gnuTar('plain.tar', '--format=posix');
	});

	it.each([
		['gzip', ['gzip', '-c']],
		['zstd', ['zstd', '-q', '-c']],
	])('sniffs %s from magic bytes and verifies both digests', async (compression, command) => {
		const file = `${plain}.${compression}`;
		writeFileSync(file, execFileSync(command[0]!, [...command.slice(1), plain], {maxBuffer: 1 << 30}));
		const result = await read(file);
		expect(result.compression).toBe(compression);
		expect(result.diffId).toBe(sha256File(plain));
		expect(result.blobDigest).toBe(sha256File(file));
		expect(result.compressedSize).toBe(readFileSync(file).length);
		expect(result.size).toBe(readFileSync(plain).length);
		expect(result.entries).toEqual((await read(plain)).entries);
	});

	it('reads multi-member gzip (as eStargz writes it)', async () => {
		const half = readFileSync(plain);
		const {gzipSync} = await import('node:zlib');
		const file = `${plain}.multi.gz`;
		writeFileSync(file, Buffer.concat([gzipSync(half.subarray(0, 10_000)), gzipSync(half.subarray(10_000))]));
		const result = await read(file);
		expect(result.diffId).toBe(sha256File(plain));
	});

	it('refuses bzip2 with a clear message', async () => {
		const file = `${plain}.bz2`;
		writeFileSync(file, execFileSync('bzip2', ['-c', plain], {maxBuffer: 1 << 30}));
		await expect(read(file)).rejects.toThrow(/bzip2-compressed/);
	});
});
