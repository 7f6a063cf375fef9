import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
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

/** The bytes layer N's tar holds at the paths its own copy of NAME.list names: read with tar from the layer's blob. */
function layerBytesListed(layer: number, name: string): number {
	const blobs = path.join(image.ociLayout, 'blobs/sha256');
	const blob = (digest: string) => path.join(blobs, digest.replace('sha256:', ''));
	const index = JSON.parse(readFileSync(path.join(image.ociLayout, 'index.json'), 'utf8')) as {manifests: Array<{digest: string}>};
	const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as {layers: Array<{digest: string}>};
	const tarball = blob(manifest.layers[layer]!.digest);
	const list = spawnSync('tar', ['-xzOf', tarball, `var/lib/dpkg/info/${name}.list`], {encoding: 'utf8'});
	if (list.status !== 0) throw new Error(`tar: ${list.stderr}`);
	const listed = new Set(list.stdout.split('\n').filter(line => line !== '' && line !== '/.').map(line => line.slice(1)));
	const members = spawnSync('tar', ['-tvzf', tarball, '--numeric-owner'], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	if (members.status !== 0) throw new Error(`tar: ${members.stderr}`);
	let bytes = 0;
	for (const line of members.stdout.split('\n')) {
		// "-rw-r--r-- 0/0  81584 2023-01-01 00:00 usr/bin/tree": regular files only.
		const match = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
		if (match && listed.has(match[2]!.replace(/^\.\//, ''))) bytes += Number(match[1]);
	}
	return bytes;
}

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

	it('finds tree installed in layer 1 and purged in layer 2: its dead bytes, its files among the paths', async () => {
		const [report, packages] = await Promise.all([runCli([image.ociLayout, '--json']), runCli(['packages', image.ociLayout, '--json'])]);
		expect(report.code, report.stderr).toBe(0);
		const findings = (JSON.parse(report.stdout) as {findings: Array<{id: string; title: string; bytes: number; layer: number; paths: Array<{path: string}>}>}).findings;
		const tree = (JSON.parse(packages.stdout) as {packages: Array<{name: string; deadBytes: number}>}).packages.find(record => record.name === 'tree')!;
		const removed = findings.filter(finding => finding.id === 'package-removed-in-later-layer');
		expect(removed).toHaveLength(1);
		expect(tree.deadBytes).toBe(layerBytesListed(1, 'tree'));
		expect(removed[0]).toMatchObject({layer: 1, bytes: tree.deadBytes, title: '1 package installed in layer 1 and removed in layer 2 still ships: tree'});
		expect(removed[0]!.paths[0]!.path).toBe('/usr/bin/tree');
		// tree's files are the package's finding, not the path rule's.
		for (const finding of findings.filter(finding => finding.id === 'removed-in-later-layer')) expect(finding.paths.map(item => item.path)).not.toContain('/usr/bin/tree');
	}, 120_000);
});
