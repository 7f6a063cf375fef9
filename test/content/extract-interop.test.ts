/**
 * `extract` against a second opinion: the real interoperability images, in every form, extracted whole and one
 * directory of them, equal what `umoci unpack` writes, entry by entry: type, mode (umoci keeps setuid and
 * setgid, extract drops them), mtime, content, link target, and which paths are hard links of one file.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FORMS, sampleImage, type FormName} from '../interop/sample-image.js';
import {runBinary} from './run-binary.js';
import {treeOnDisk, type DiskEntry} from './tree-on-disk.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-extract-interop-'));
let rootfs: string;

/** A tree as both sides must agree on it: setuid/setgid off, inodes as groups of hard-linked paths, owners left out (both run as the same user; umoci as root keeps the image's). */
function normalised(tree: Map<string, DiskEntry>): {entries: Record<string, unknown>; hardLinks: string[][]} {
	const byInode = new Map<number, string[]>();
	const entries: Record<string, unknown> = {};
	for (const [at, {ino, uid, gid, mode, ...rest}] of tree) {
		entries[at] = {...rest, mode: (mode & 0o1777).toString(8)};
		if (rest.type === 'file') byInode.set(ino, [...(byInode.get(ino) ?? []), at]);
	}
	return {entries, hardLinks: [...byInode.values()].filter(group => group.length > 1).map(group => group.sort()).sort()};
}

/** The part of a tree under `dir` (relative), with paths still relative to the root. */
function under(tree: Map<string, DiskEntry>, dir: string): Map<string, DiskEntry> {
	return new Map([...tree].filter(([at]) => at === dir || at.startsWith(dir + '/')));
}

beforeAll(() => {
	const layout = sampleImage('sample.oci');
	const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
	const bundle = path.join(scratch, 'bundle');
	execFileSync('umoci', ['unpack', '--image', `${layout}:${index.manifests[0].annotations['org.opencontainers.image.ref.name']}`, bundle], {stdio: 'pipe'});
	rootfs = path.join(bundle, 'rootfs');
}, 120_000);

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('extract equals umoci unpack, entry by entry', () => {
	it('umoci\'s root filesystem has what the comparison needs: directories, files, symlinks', () => {
		const tree = treeOnDisk(rootfs);
		const types = new Set([...tree.values()].map(entry => entry.type));
		expect([...types].sort()).toEqual(['dir', 'file', 'symlink']);
		expect(under(tree, 'app').size).toBeGreaterThan(3);
	});

	it.each(Object.keys(FORMS) as FormName[])('%s: the whole root, and /app alone', async name => {
		const whole = path.join(scratch, `${name}-whole`);
		const result = await runBinary(['extract', sampleImage(name), '/', '--to', whole]);
		expect(result.code, result.stderr).toBe(0);
		expect(normalised(treeOnDisk(whole))).toEqual(normalised(treeOnDisk(rootfs)));
		const app = path.join(scratch, `${name}-app`);
		const one = await runBinary(['extract', sampleImage(name), '/app', '--to', app]);
		expect(one.code, one.stderr).toBe(0);
		expect(normalised(treeOnDisk(app))).toEqual(normalised(under(treeOnDisk(rootfs), 'app')));
	}, 60_000);
});
