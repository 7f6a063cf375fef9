/**
 * diff-file and diff --file on fixture images: a text file modified, added and removed, a binary file, a
 * chmod and a chown alone, a symlink's new target, content that carries terminal escapes, in uncompressed,
 * gzip and zstd layers, across two images; every unified diff applies back (jsdiff's applyPatch) to the
 * bytes `cat` gives for the layer below, giving the bytes `cat` gives for the layer.
 */
import {createHash} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {applyPatch} from 'diff';
import {afterAll, describe, expect, it} from 'vitest';
import {compareFile, lastChangeOf, pathHistory, versionAt} from '../../source/content/file-change.js';
import {filesystemAt} from '../../source/cli/files-command.js';
import {writeImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {openForReading} from './read-back.js';
import {runBinary, type BinaryResult} from './run-binary.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-diff-file-test-'));
const tmp = path.join(scratch, 'tmp');
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const lines = (count: number, word: string) => Array.from({length: count}, (_, i) => `${word} line ${i + 1}`).join('\n') + '\n';
const CONFIG_0 = lines(40, 'config');
// Two changes far apart (two hunks), one line added at the end.
const CONFIG_1 = CONFIG_0.replace('config line 5\n', 'config line five\n').replace('config line 30\n', 'config line thirty\nan inserted line\n') + 'the last line\n';
const OSC52 = '\u001b]52;c;ZWNobyBwd25lZA==\u0007';
const CLEAR = '\u001b[2J';
const EVIL_0 = 'harmless\nsecond\n';
const EVIL_1 = `harmless\n${OSC52}copied${CLEAR}\nsecond\n`;
const BINARY_0 = Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10]);
const BINARY_1 = Buffer.from([0, 1, 2, 4, 0xff, 10, 10, 10]);

const LAYER_0: EntrySpec[] = [
	{type: 'dir', path: 'etc'},
	{type: 'file', path: 'etc/app.conf', content: CONFIG_0},
	{type: 'file', path: 'etc/gone.txt', content: 'to be removed\nin layer 1\n'},
	{type: 'file', path: 'etc/script.sh', content: '#!/bin/sh\necho hi\n', mode: 0o644},
	{type: 'file', path: 'etc/owned', content: 'owned\n', uid: 0, gid: 0},
	{type: 'file', path: 'etc/evil.txt', content: EVIL_0},
	{type: 'file', path: 'etc/no-newline', content: 'one\ntwo'},
	{type: 'file', path: 'bin/tool', content: BINARY_0},
	{type: 'file', path: 'target-a', content: 'a\n'},
	{type: 'file', path: 'target-b', content: 'b\n'},
	{type: 'symlink', path: 'link', target: 'target-a'},
];
const LAYER_1: EntrySpec[] = [
	{type: 'file', path: 'etc/app.conf', content: CONFIG_1},
	{type: 'whiteout', path: 'etc/gone.txt'},
	{type: 'file', path: 'etc/new.txt', content: 'a new file\nof two lines\n'},
	{type: 'file', path: 'etc/script.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755},
	{type: 'file', path: 'etc/owned', content: 'owned\n', uid: 1000, gid: 100},
	{type: 'file', path: 'etc/evil.txt', content: EVIL_1},
	{type: 'file', path: 'etc/no-newline', content: 'one\nthree'},
	{type: 'file', path: 'bin/tool', content: BINARY_1},
	{type: 'symlink', path: 'link', target: 'target-b'},
];
/** Changes something else, and places /etc/owned again identically but for its mtime: the default --layer for the files above stays 1. */
const LAYER_2: EntrySpec[] = [
	{type: 'file', path: 'etc/other', content: 'other\n'},
	{type: 'file', path: 'etc/owned', content: 'owned\n', uid: 1000, gid: 100, mtime: 1_700_000_000},
	{type: 'file', path: 'etc/\u001b[31mred\u0007', content: 'a name with escapes\n'},
];

function write(name: string, compression: 'none' | 'gzip' | 'zstd', layers = [LAYER_0, LAYER_1, LAYER_2]) {
	return writeImage({layers: layers.map(entries => ({entries}))}, {format: 'oci-dir', compression, outPath: path.join(scratch, name)});
}

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<BinaryResult> {
	return runBinary(args, {env: {TMPDIR: tmp, ...env}});
}

async function ok(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
	const result = await run(args, env);
	expect(result.stderr, args.join(' ')).toBe('');
	expect(result.code, args.join(' ')).toBe(0);
	return result.stdout.toString();
}

/** The file's bytes as `cat` gives them after a layer, as text. */
async function catText(image: string, file: string, layer: number): Promise<string> {
	return ok(['cat', image, file, '--layer', String(layer)]);
}

/** The diff applied to `before` must give `after` exactly. */
function expectApplies(diff: string, before: string, after: string): void {
	expect(applyPatch(before, diff), diff).toBe(after);
}

describe('diff-file', () => {
	it.each(['none', 'gzip', 'zstd'] as const)('%s layers: text modified, added, removed, without a final newline; each diff applies back', async compression => {
		const image = (await write(`kinds-${compression}`, compression)).path;
		const modified = await ok(['diff-file', image, '/etc/app.conf', '--layer', '1']);
		expect(modified.split('\n').slice(0, 2)).toEqual(['--- /etc/app.conf (after layer 0)', '+++ /etc/app.conf (layer 1)']);
		expect(modified).toContain('\n-config line 5\n+config line five\n');
		expect(modified.match(/^@@ /gm)).toHaveLength(3);
		expectApplies(modified, await catText(image, '/etc/app.conf', 0), await catText(image, '/etc/app.conf', 1));

		const added = await ok(['diff-file', image, '/etc/new.txt', '--layer', '1']);
		expect(added.split('\n')[0]).toMatch(/^\/etc\/new\.txt: new regular file \(rw-r--r--, 0:0, 24 bytes\) in layer 1$/);
		expect(added).toContain('--- /dev/null\n+++ /etc/new.txt (layer 1)\n@@ -0,0 +1,2 @@\n+a new file\n+of two lines\n');
		expectApplies(added, '', await catText(image, '/etc/new.txt', 1));

		const removed = await ok(['diff-file', image, '/etc/gone.txt', '--layer', '1']);
		expect(removed.split('\n')[0]).toMatch(/^\/etc\/gone\.txt: removed in layer 1 \(was a regular file/);
		expect(removed).toContain('--- /etc/gone.txt (after layer 0)\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-to be removed\n-in layer 1\n');
		expectApplies(removed, await catText(image, '/etc/gone.txt', 0), '');

		const noNewline = await ok(['diff-file', image, '/etc/no-newline', '--layer', '1']);
		expect(noNewline).toContain('\\ No newline at end of file');
		expectApplies(noNewline, 'one\ntwo', await catText(image, '/etc/no-newline', 1));

		// Layer 0 added everything: against nothing.
		const first = await ok(['diff-file', image, '/etc/app.conf', '--layer', '0']);
		expectApplies(first, '', CONFIG_0);
	});

	it('without --layer: the last layer that changed the path', async () => {
		const image = (await write('default', 'gzip')).path;
		expect(await ok(['diff-file', image, '/etc/app.conf'])).toBe(await ok(['diff-file', image, '/etc/app.conf', '--layer', '1']));
		expect(await ok(['diff-file', image, '/etc/other'])).toContain('+++ /etc/other (layer 2)');
		// A path gone since still has the layer that removed it.
		expect(await ok(['diff-file', image, '/etc/gone.txt'])).toContain('removed in layer 1');
		// A layer that did not touch it: unchanged.
		expect(await ok(['diff-file', image, '/etc/app.conf', '--layer', '2'])).toBe('/etc/app.conf: unchanged from after layer 1 to layer 2\n');
		// An identical copy placed again is no change: the default is the layer before, which changed its owner.
		expect(await ok(['diff-file', image, '/etc/owned'])).toContain('  owner: 0:0 -> 1000:100');
		expect(await ok(['diff-file', image, '/etc/owned', '--layer', '2'])).toBe('/etc/owned: unchanged from after layer 1 to layer 2 (set again, identically, by layer 2)\n');
	});

	it('binary: sizes and digests, before and after', async () => {
		const image = (await write('binary', 'none')).path;
		const out = await ok(['diff-file', image, '/bin/tool', '--layer', '1']);
		const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
		expect(out).toBe(['/bin/tool: binary content differs', `  after layer 0: 7 bytes, sha256:${digest(BINARY_0)}`, `  layer 1: 8 bytes, sha256:${digest(BINARY_1)}`, ''].join('\n'));
	});

	it('metadata only: the old and new mode, owner, link target; no content diff', async () => {
		const image = (await write('metadata', 'zstd')).path;
		expect(await ok(['diff-file', image, '/etc/script.sh', '--layer', '1'])).toBe(['/etc/script.sh: mode changed from after layer 0 to layer 1, content the same', '  mode: rw-r--r-- (0644) -> rwxr-xr-x (0755)', ''].join('\n'));
		expect(await ok(['diff-file', image, '/etc/owned', '--layer', '1'])).toBe(['/etc/owned: owner changed from after layer 0 to layer 1, content the same', '  owner: 0:0 -> 1000:100', ''].join('\n'));
		expect(await ok(['diff-file', image, '/link', '--layer', '1'])).toBe(['/link: link target changed from after layer 0 to layer 1', '  link target: "target-a" -> "target-b"', ''].join('\n'));
	});

	it('content carrying terminal escapes comes out escaped, the +/- prefix kept; colour only on request', async () => {
		const image = (await write('escapes', 'gzip')).path;
		const plain = await ok(['diff-file', image, '/etc/evil.txt', '--layer', '1']);
		expect(plain).not.toContain('\u001b');
		expect(plain).not.toContain('\u0007');
		expect(plain).toContain('\n+\\e]52;c;ZWNobyBwd25lZA==\\u{7}copied\\e[2J\n');
		const coloured = await ok(['diff-file', image, '/etc/evil.txt', '--layer', '1'], {NO_COLOR: undefined, FORCE_COLOR: '1'});
		// The only escapes are the colours: the content's own are shown as text.
		expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
		expect(coloured).toMatch(/\u001b\[32m\+\\e\]52;c;/);
		expect(coloured).toMatch(/\u001b\[36m@@ -1,2 \+1,3 @@\u001b\[39m/);
		expect(coloured).toMatch(/\u001b\[31m--- \/etc\/evil\.txt/);
		expect(await ok(['diff-file', image, '/etc/evil.txt', '--layer', '1', '--no-color'], {NO_COLOR: undefined, FORCE_COLOR: '1'})).toBe(plain);
		// A name is escaped wherever it is printed: the first line, the +++ line.
		const named = await ok(['diff-file', image, '/etc/\u001b[31mred\u0007']);
		// No control character but the line ends.
		expect(named).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
		expect(named).toContain('+++ /etc/\\e[31mred\\u{7} (layer 2)');
		expect(named.split('\n')[0]).toMatch(/^\/etc\/\\e\[31mred\\u\{7\}: new regular file/);
	});

	it('usage and input errors: one line, exit 2', async () => {
		const image = (await write('errors', 'none')).path;
		const oneLine = async (args: string[], pattern: RegExp) => {
			const result = await run(args);
			expect(result.stdout.toString()).toBe('');
			expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
			expect(result.stderr).toMatch(pattern);
			expect(result.code).toBe(2);
		};
		await oneLine(['diff-file', image, '/nothing'], /"\/nothing": no such file or directory in any layer$/m);
		await oneLine(['diff-file', image, '/etc/new.txt', '--layer', '0'], /"\/etc\/new\.txt": no such file or directory before layer 0 nor after layer 0/);
		await oneLine(['diff-file', image, '/etc/app.conf', '--layer', '3'], /--layer must be between 0 and 2 for this image, not 3/);
		await oneLine(['diff-file', image], /diff-file needs an image and one path/);
		await oneLine(['diff-file', image, '/etc/app.conf', '--json'], /--json does not apply to it/);
		await oneLine(['files', image, '--file', '/etc/app.conf'], /--file applies to diff/);
	});
});

describe('diff --file', () => {
	it("A's final version against B's, and between two layers of one image; each diff applies back", async () => {
		const a = (await write('a', 'gzip', [LAYER_0])).path;
		const b = (await write('b', 'zstd', [LAYER_0, LAYER_1, LAYER_2])).path;
		const across = await ok(['diff', a, b, '--file', '/etc/app.conf']);
		expect(across.split('\n').slice(0, 2)).toEqual([`--- /etc/app.conf (${a})`, `+++ /etc/app.conf (${b})`]);
		expectApplies(across, await catText(a, '/etc/app.conf', 0), await catText(b, '/etc/app.conf', 2));
		// The same hunks as the layer's own change.
		const hunks = (text: string) => text.slice(text.indexOf('\n@@'));
		expect(hunks(across)).toBe(hunks(await ok(['diff-file', b, '/etc/app.conf', '--layer', '1'])));
		expect(await ok(['diff', a, b, '--file', '/etc/gone.txt'])).toContain('+++ /dev/null');
		expect(await ok(['diff', b, a, '--file', '/etc/new.txt'])).toMatch(/^\/etc\/new\.txt: removed in /);
		expect(await ok(['diff', a, b, '--file', '/etc/script.sh'])).toContain('  mode: rw-r--r-- (0644) -> rwxr-xr-x (0755)');
		const ranged = await ok(['diff', b, '--from', '0', '--to', '2', '--file', '/etc/app.conf']);
		expect(ranged.split('\n').slice(0, 2)).toEqual(['--- /etc/app.conf (after layer 0)', '+++ /etc/app.conf (after layer 2)']);
		expectApplies(ranged, CONFIG_0, CONFIG_1);
		const refused = await run(['diff', a, b, '--file', '/etc/app.conf', '--json']);
		expect(refused.stderr).toMatch(/--file prints one file's change as a unified diff; --json does not apply to it/);
		expect(refused.code).toBe(2);
	});
});

describe('compareFile (core)', () => {
	it('the record the renderers share: kind, metadata fields, hunks; a text file over the limit as binary', async () => {
		const written = await write('core', 'none');
		const opened = await openForReading(written.path);
		try {
			const {image, source} = opened;
			const history = pathHistory(image, '/etc/app.conf');
			expect(history.map(version => version?.facts.layer)).toEqual([0, 1, 1]);
			expect(lastChangeOf(history)).toBe(1);
			// Placed again in layer 2 with only a new mtime: no change there.
			expect(pathHistory(image, '/etc/owned').map(version => version?.facts.layer)).toEqual([0, 1, 2]);
			expect(lastChangeOf(pathHistory(image, '/etc/owned'))).toBe(1);
			expect(lastChangeOf(pathHistory(image, '/etc/gone.txt'))).toBe(1);
			expect(lastChangeOf(pathHistory(image, '/nothing'))).toBeUndefined();
			const side = (layer: number, file: string) => ({image, source, version: versionAt(filesystemAt(image, layer), file)});
			const text = await compareFile(side(0, '/etc/app.conf'), side(1, '/etc/app.conf'), {verify: true});
			expect(text.kind).toBe('text');
			expect(text.metadata).toEqual([]);
			expect(text.content?.form === 'text' && text.content.hunks.length).toBe(3);
			const big = await compareFile(side(0, '/etc/app.conf'), side(1, '/etc/app.conf'), {verify: true, textLimit: 100});
			expect(big.content).toEqual({form: 'binary', before: {size: CONFIG_0.length, digest: expect.stringMatching(/^[0-9a-f]{64}$/)}, after: {size: CONFIG_1.length, digest: expect.stringMatching(/^[0-9a-f]{64}$/)}, note: expect.stringMatching(/not compared as text/)});
			const chmod = await compareFile(side(0, '/etc/script.sh'), side(1, '/etc/script.sh'), {verify: true});
			expect(chmod).toMatchObject({kind: 'metadata', metadata: ['mode'], content: null});
			const same = await compareFile(side(1, '/etc/app.conf'), side(2, '/etc/app.conf'), {verify: true});
			expect(same).toMatchObject({kind: 'unchanged', metadata: [], content: null});
			const added = await compareFile({image, source, version: null}, side(1, '/etc/new.txt'), {verify: true});
			expect(added.kind).toBe('added');
			expect(added.content?.form).toBe('text');
		} finally {
			await opened.close();
		}
	});
});
