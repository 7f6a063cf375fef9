/**
 * `extract` of a hostile image: nothing outside DIR changes, whatever the image's names and links say or what
 * DIR already holds; what is written equals, entry by entry, what the image shows (type, mode without
 * setuid/setgid, mtime, content, link target, hard links); devices and FIFOs are skipped and named escaped.
 */
import {createHash} from 'node:crypto';
import {closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {expectedApp, expectedPlanted, ESCAPING_FIFO, hostileLayers, type ExpectedEntry} from '../fixtures/hostile-extract.js';
import {writeImage} from '../fixtures/image-writer.js';
import {buildLayerTar} from '../fixtures/layer-builder.js';
import {filesystemAt} from '../../source/cli/files-command.js';
import {planExtraction, writeExtraction} from '../../source/content/extract.js';
import {layerSource} from '../../source/content/layer-source.js';
import {loadImage, type KeptBlobs} from '../../source/image/load.js';
import {runBinary, type BinaryResult} from './run-binary.js';
import {comparable, contentKey, treeOnDisk, type DiskEntry} from './tree-on-disk.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-extract-test-'));
const tmp = path.join(scratch, 'tmp');
let image: string;
let caseCount = 0;

/** A case: DIR to extract into, next to an `outside` directory the image's links point at, holding a file a link names. */
function newCase(): {root: string; dir: string; outside: string} {
	const root = path.join(scratch, `case-${++caseCount}`);
	const outside = path.join(root, 'outside');
	mkdirSync(path.join(outside, 'nested'), {recursive: true});
	writeFileSync(path.join(outside, 'victim'), 'the host file\n');
	writeFileSync(path.join(outside, 'nested', 'other'), 'another host file\n');
	return {root, dir: path.join(root, 'dir'), outside};
}

/** The outside directory the fixture's links and planted parents name (an image's links are fixed when it is built); each case has its own too, for what DIR holds before. */
const OUTSIDE = () => path.join(scratch, 'fixed', 'outside');

function extract(args: string[]): Promise<BinaryResult> {
	return runBinary(['extract', ...args], {env: {TMPDIR: tmp}});
}

/** What is around DIR: the case's root without DIR (a link followed would change it). */
function around(root: string, dir: string): Record<string, Omit<DiskEntry, 'ino'>> {
	const tree = comparable(treeOnDisk(root));
	const name = path.relative(root, dir);
	return Object.fromEntries(Object.entries(tree).filter(([at]) => at !== name && !at.startsWith(name + '/')));
}

function expectEntries(dir: string, expected: Map<string, ExpectedEntry>, options: {only?: boolean} = {}): void {
	const tree = treeOnDisk(dir);
	if (options.only) expect([...tree.keys()].sort()).toEqual([...expected.keys()].sort());
	for (const [at, want] of expected) {
		const got = tree.get(at);
		expect(got, at).toBeDefined();
		expect(got!.type, at).toBe(want.type);
		if (want.mode !== undefined) expect(got!.mode.toString(8), at).toBe(want.mode.toString(8));
		if (want.mtime !== undefined) expect(got!.mtime, at).toBe(want.mtime);
		if (want.content !== undefined) expect(got!.content, at).toBe(contentKey(want.content));
		if (want.target !== undefined) expect(got!.target, at).toBe(want.target);
		if (want.sameAs !== undefined) expect(got!.ino, `${at} is a hard link to ${want.sameAs}`).toBe(tree.get(want.sameAs)!.ino);
	}
}

function expectOneLine(result: BinaryResult, pattern: RegExp): void {
	expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
	expect(result.stderr.trimEnd()).toMatch(pattern);
	expect(result.code).toBe(2);
}

beforeAll(async () => {
	mkdirSync(tmp, {recursive: true});
	mkdirSync(OUTSIDE(), {recursive: true});
	writeFileSync(path.join(OUTSIDE(), 'victim'), 'the host file\n');
	image = (await writeImage({layers: hostileLayers(OUTSIDE()).map(entries => ({entries}))}, {format: 'oci-dir', compression: 'gzip', outPath: path.join(scratch, 'hostile')})).path;
});

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('extract: a hostile image', () => {
	it('writes /app entry by entry as the image shows it; links out stay links; nothing outside DIR changes', async () => {
		const {root, dir} = newCase();
		const fixedBefore = comparable(treeOnDisk(path.dirname(OUTSIDE())));
		const before = around(root, dir);
		const result = await extract([image, '/app', '--to', dir]);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout.length).toBe(0);
		expectEntries(dir, expectedApp(OUTSIDE()), {only: true});
		expect(around(root, dir)).toEqual(before);
		expect(comparable(treeOnDisk(path.dirname(OUTSIDE())))).toEqual(fixedBefore);
		const lines = result.stderr.trimEnd().split('\n');
		expect(lines).toEqual([
			'layerscope: skipped "/app/fifo-\\u001b]0;pwned\\u0007\\u001b[31m": a FIFO (extract makes no FIFOs)',
			'layerscope: skipped "/app/null": a character device (extract makes no device nodes)',
			`layerscope: 7 files, 3 dirs, 5 links written under ${JSON.stringify(dir)}, 2 skipped`,
		]);
		expect(result.stderr).not.toContain('\u001b');
		expect(ESCAPING_FIFO).toContain('\u001b');
	});

	it('the whole root: files under planted parents land inside DIR where the image resolves them, a hard link inside the set is a hard link', async () => {
		const {root, dir} = newCase();
		const fixedBefore = comparable(treeOnDisk(path.dirname(OUTSIDE())));
		const before = around(root, dir);
		const result = await extract([image, '/', '--to', dir]);
		expect(result.code, result.stderr).toBe(0);
		const expected = new Map([...expectedApp(OUTSIDE()), ...expectedPlanted(OUTSIDE())]);
		expected.set('app/hard-out', {...expected.get('app/hard-out')!, sameAs: 'shared/target'});
		expected.set('shared/target', {type: 'file', mode: 0o600, content: 'outside the extracted directory\n'});
		expectEntries(dir, expected);
		// Only what the image holds: its entries and the directories implied on the way to the planted files.
		const implied = path.dirname(OUTSIDE()).replace(/^\/+/, '').split('/');
		const impliedDirs = implied.map((_, i) => implied.slice(0, i + 1).join('/'));
		expect([...treeOnDisk(dir).keys()].sort()).toEqual([...expected.keys(), 'shared', ...impliedDirs, OUTSIDE().replace(/^\/+/, '')].sort());
		expect(around(root, dir)).toEqual(before);
		expect(comparable(treeOnDisk(path.dirname(OUTSIDE())))).toEqual(fixedBefore);
		expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(`layerscope: 9 files, ${4 + impliedDirs.length + 1} dirs, 6 links written under ${JSON.stringify(dir)}, 2 skipped`);
	});

	it('--layer 0: the filesystem as layer 0 left it', async () => {
		const {dir} = newCase();
		const result = await extract([image, '/app/plain', '/shared', '--to', dir, '--layer', '0']);
		expect(result.code, result.stderr).toBe(0);
		expectEntries(dir, new Map<string, ExpectedEntry>([
			['app/plain', {type: 'file', mode: 0o644, content: 'plain\n'}],
			['shared/target', {type: 'file', mode: 0o600, content: 'outside the extracted directory\n'}],
		]));
		expect(existsSync(path.join(dir, 'app', 'dotdot'))).toBe(false);
	});
});

describe('extract: what DIR already holds', () => {
	it('an existing file: refused without --force (nothing written at all), replaced with it', async () => {
		const {root, dir} = newCase();
		mkdirSync(path.join(dir, 'app'), {recursive: true});
		writeFileSync(path.join(dir, 'app', 'plain'), 'mine\n');
		const before = comparable(treeOnDisk(root));
		expectOneLine(await extract([image, '/app', '--to', dir]), /^layerscope: ".*\/dir\/app\/plain" exists \("\/app\/plain" would replace it; --force replaces\)$/);
		expect(comparable(treeOnDisk(root))).toEqual(before);
		const forced = await extract([image, '/app', '--to', dir, '--force']);
		expect(forced.code, forced.stderr).toBe(0);
		expectEntries(dir, expectedApp(OUTSIDE()), {only: true});
	});

	it('an existing symlink at a destination: never followed; with --force removed and the entry written', async () => {
		const {root, dir, outside} = newCase();
		mkdirSync(path.join(dir, 'app'), {recursive: true});
		symlinkSync(path.join(outside, 'victim'), path.join(dir, 'app', 'plain'));
		symlinkSync('../../outside/nested/other', path.join(dir, 'app', 'dotdot'));
		const before = around(root, dir);
		expectOneLine(await extract([image, '/app', '--to', dir]), /exists/);
		expect(around(root, dir)).toEqual(before);
		const forced = await extract([image, '/app', '--to', dir, '--force']);
		expect(forced.code, forced.stderr).toBe(0);
		expect(around(root, dir)).toEqual(before);
		expectEntries(dir, expectedApp(OUTSIDE()), {only: true});
	});

	it('an existing symlink where a directory goes: refused, or with --force replaced by a real directory', async () => {
		const {root, dir, outside} = newCase();
		mkdirSync(dir, {recursive: true});
		symlinkSync(outside, path.join(dir, 'app'));
		const before = around(root, dir);
		expectOneLine(await extract([image, '/app', '--to', dir]), /dir\/app" exists/);
		const forced = await extract([image, '/app', '--to', dir, '--force']);
		expect(forced.code, forced.stderr).toBe(0);
		expect(around(root, dir)).toEqual(before);
		expectEntries(dir, expectedApp(OUTSIDE()), {only: true});
	});

	it('a symlinked parent of a named file in DIR: not followed, even with --force', async () => {
		const {root, dir, outside} = newCase();
		mkdirSync(dir, {recursive: true});
		symlinkSync(outside, path.join(dir, 'app'));
		const before = around(root, dir);
		// The destination itself does not exist through the link (outside has no "plain"), so only the walk to it can catch the link.
		expectOneLine(await extract([image, '/app/plain', '--to', dir]), /dir\/app" is in the way of a directory \(a symbolic link, never followed; --force removes it\)$/);
		expect(around(root, dir)).toEqual(before);
		const forced = await extract([image, '/app/plain', '--to', dir, '--force']);
		expect(forced.code, forced.stderr).toBe(0);
		expect(around(root, dir)).toEqual(before);
		expect(statSync(path.join(dir, 'app')).isDirectory()).toBe(true);
		expectEntries(dir, new Map([['app/plain', expectedApp(OUTSIDE()).get('app/plain')!]]));
	});

	it('a directory where a file goes is never removed, --force or not', async () => {
		const {dir} = newCase();
		mkdirSync(path.join(dir, 'app', 'plain'), {recursive: true});
		expectOneLine(await extract([image, '/app', '--to', dir, '--force']), /dir\/app\/plain" is a directory, where the image has a file \("\/app\/plain"\); remove it first$/);
	});

	it('an existing hard link at a destination is replaced, its other name untouched', async () => {
		const {root, dir, outside} = newCase();
		mkdirSync(path.join(dir, 'app'), {recursive: true});
		linkSync(path.join(outside, 'victim'), path.join(dir, 'app', 'plain'));
		const before = around(root, dir);
		const forced = await extract([image, '/app', '--to', dir, '--force']);
		expect(forced.code, forced.stderr).toBe(0);
		expect(around(root, dir)).toEqual(before);
		expectEntries(dir, expectedApp(OUTSIDE()), {only: true});
	});
});

describe('extract: paths and flags', () => {
	it('a missing path, a path above the root, no --to, a report flag: one line, exit 2, nothing written', async () => {
		const {dir} = newCase();
		expectOneLine(await extract([image, '/app/missing', '--to', dir]), /: "\/app\/missing": no such file or directory$/);
		expectOneLine(await extract([image, '/../../etc', '--to', dir]), /leads out of the image root/);
		expectOneLine(await extract([image, '/app']), /extract needs --to DIR/);
		expectOneLine(await extract([image, '--to', dir]), /extract needs an image and at least one path/);
		expectOneLine(await extract([image, '/app', '--to', dir, '--json']), /--json does not apply to extract/);
		expectOneLine(await extract([image, '/app', '--to', dir, '--layer', '5']), /--layer must be between 0 and 1/);
		expect(existsSync(dir)).toBe(false);
	});

	it('a path through a symlink is resolved inside the image, as cat resolves it', async () => {
		const {dir} = newCase();
		// /app/abs-parent names the image's own copy of the outside path, which holds the planted file.
		const result = await extract([image, '/app/abs-parent/planted-abs', '--to', dir]);
		expect(result.code, result.stderr).toBe(0);
		const planted = [...expectedPlanted(OUTSIDE())].filter(([at]) => at.endsWith('/planted-abs'));
		expectEntries(dir, new Map(planted));
		expect([...treeOnDisk(dir)].filter(([, entry]) => entry.type === 'file').map(([at]) => at)).toEqual([planted[0]![0]]);
	});

	it('owners: the runner\'s without --same-owner; the image\'s with it, only as root', async () => {
		const owned = await writeImage({layers: [{entries: [{type: 'dir', path: 'o', uid: 1234, gid: 4321}, {type: 'file', path: 'o/f', content: 'x', uid: 1234, gid: 4321}, {type: 'symlink', path: 'o/l', target: 'f', uid: 1234, gid: 4321}]}]}, {format: 'oci-dir', outPath: path.join(scratch, 'owned')});
		const uid = process.getuid!();
		const plain = newCase().dir;
		expect((await extract([owned.path, '/o', '--to', plain])).code).toBe(0);
		for (const entry of treeOnDisk(plain).values()) expect([entry.uid, entry.gid]).toEqual([uid, process.getgid!()]);
		const same = newCase().dir;
		expect((await extract([owned.path, '/o', '--to', same, '--same-owner'])).code).toBe(0);
		const want = uid === 0 ? [1234, 4321] : [uid, process.getgid!()];
		for (const entry of treeOnDisk(same).values()) expect([entry.uid, entry.gid]).toEqual(want);
		expectOneLine(await runBinary(['files', owned.path, '--same-owner']), /--same-owner applies to extract/);
	});
});

describe('extract: a compressed layer that changes under it', () => {
	it('its files come in one pass, each checked: a file whose bytes no longer match is not left behind, exit 2', async () => {
		const entries = [
			{type: 'file' as const, path: 'a/one', content: 'first file\n'},
			{type: 'file' as const, path: 'a/two', content: 'second file\n'},
			{type: 'file' as const, path: 'a/three', content: 'third file\n'},
		];
		// Stored gzip (level 0): the same tar with one byte changed is a valid blob of the same size, so only the content check can tell.
		const tar = buildLayerTar(entries);
		const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
		const written = await writeImage({layers: [{blob: gzipSync(tar, {level: 0}), diffId, compression: 'gzip'}]}, {format: 'oci-dir', outPath: path.join(scratch, 'changing')});
		let kept: KeptBlobs | undefined;
		const loaded = await loadImage(written.path, {keepBlobs: blobs => (kept = blobs)});
		const source = layerSource(loaded, kept!);
		try {
			expect(loaded.layers[0]!.compression).toBe('gzip');
			const fs = filesystemAt(loaded);
			const good = newCase().dir;
			const summary = await writeExtraction(loaded, source, fs, planExtraction(fs, ['/a'], loaded.input), good, {force: false, sameOwner: false, verify: true});
			expect(summary).toEqual({files: 3, dirs: 1, links: 0, skipped: 0});
			expectEntries(good, new Map(entries.map(entry => [entry.path, {type: 'file' as const, content: entry.content}])));
			// Alter "second" in place in the blob the load checked.
			const altered = Buffer.from(tar);
			altered.write('S', altered.indexOf('second file'));
			const blob = path.join(written.path, written.where.layers[0]!);
			const fd = openSync(blob, 'r+');
			writeSync(fd, gzipSync(altered, {level: 0}), 0, undefined, 0);
			closeSync(fd);
			const bad = newCase().dir;
			await expect(writeExtraction(loaded, source, fs, planExtraction(fs, ['/a'], loaded.input), bad, {force: false, sameOwner: false, verify: true})).rejects.toThrow(/layer 0, "\/a\/two": the bytes read back do not match the digest the load recorded/);
			expect(existsSync(path.join(bad, 'a', 'two'))).toBe(false);
		} finally {
			await source.close();
		}
	});
});
