import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureRealImage, type RealImage} from '../bench/real-images.js';
import {runCli} from '../helpers/run-cli.js';
import {dpkgInstalled, listedBytes, unpackRootfs} from './real-oracles.js';

/**
 * A real Debian image (test/packages/debian-packages.Containerfile: jq, tree and less installed, tree
 * purged in the next layer), built by the project's script into the git-ignored cache. The oracle is
 * dpkg's own: dpkg-query over the image's root filesystem as umoci unpacks it, and the .list files
 * read against that root filesystem (real-oracles.ts).
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-real-debian-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

let image: RealImage;
let rootfs: string;
beforeAll(() => {
	image = ensureRealImage('packages');
	rootfs = unpackRootfs(image, scratch);
}, 900_000);

describe('a real Debian image', () => {
	it('lists exactly the packages dpkg-query lists, with the bytes and files their lists name in the unpacked root', async () => {
		const result = await runCli(['packages', image.ociLayout, '--json']);
		expect(result.code, result.stderr).toBe(0);
		const document = JSON.parse(result.stdout) as {packages: Array<{ecosystem: string; name: string; version: string; architecture: string; bytes: number; files: number; layer: number; removedIn?: number; deadBytes: number}>};
		const live = document.packages.filter(record => record.ecosystem === 'deb' && record.removedIn === undefined);
		const installed = dpkgInstalled(rootfs);
		expect(installed.length).toBeGreaterThan(80);
		expect(live.map(record => `${record.name} ${record.version} ${record.architecture}`).sort()).toEqual(installed);
		const measured = live.map(record => ({name: record.name, ...listedBytes(rootfs, record.name, record.architecture)}));
		expect(live.map(record => ({name: record.name, bytes: record.bytes, files: record.files}))).toEqual(measured);
		// jq came in layer 1; tree was installed there and purged in layer 2, its bytes still shipped in layer 1.
		const jq = live.find(record => record.name === 'jq')!;
		expect(jq.layer).toBe(1);
		const tree = document.packages.filter(record => record.name === 'tree');
		expect(tree).toHaveLength(1);
		expect(tree[0]).toMatchObject({layer: 1, removedIn: 2, bytes: 0, files: 0});
		expect(tree[0]!.deadBytes).toBeGreaterThan(0);
		expect(live.find(record => record.name === 'base-files')!.layer).toBe(0);
	}, 120_000);
});
