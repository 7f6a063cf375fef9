import {spawnSync} from 'node:child_process';
import {lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureRealImage, type RealImage} from '../bench/real-images.js';
import {runCli} from '../helpers/run-cli.js';

/**
 * A real Debian image (test/packages/debian-packages.Containerfile: jq, tree and less installed, tree
 * purged in the next layer), built by the project's script into the git-ignored cache. The oracle is
 * dpkg's own: dpkg-query over the image's root filesystem as umoci unpacks it, and the .list files
 * read against that root filesystem here.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-real-debian-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

let image: RealImage;
let rootfs: string;
beforeAll(() => {
	image = ensureRealImage('packages');
	const bundle = path.join(scratch, 'bundle');
	const unpacked = spawnSync('umoci', ['unpack', '--rootless', '--image', `${image.ociLayout}:latest`, bundle], {encoding: 'utf8'});
	if (unpacked.status !== 0) throw new Error(`umoci unpack: ${unpacked.stderr}`);
	rootfs = path.join(bundle, 'rootfs');
}, 900_000);

/** What dpkg says is installed: "name version architecture". */
function dpkgInstalled(): string[] {
	const query = spawnSync('dpkg-query', [`--admindir=${rootfs}/var/lib/dpkg`, '-W', '-f', '${db:Status-Status} ${Package} ${Version} ${Architecture}\\n'], {encoding: 'utf8'});
	if (query.status !== 0) throw new Error(`dpkg-query: ${query.stderr}`);
	return query.stdout.split('\n').filter(line => line.startsWith('installed ')).map(line => line.slice('installed '.length)).sort();
}

/** A package's bytes as its .list says, against the unpacked root: regular files, each inode once; files: paths that are not directories, each once (the kernel follows /bin -> usr/bin). */
function listedBytes(name: string, architecture: string): {bytes: number; files: number} {
	const info = path.join(rootfs, 'var/lib/dpkg/info');
	const listName = readdirSync(info).includes(`${name}:${architecture}.list`) ? `${name}:${architecture}.list` : `${name}.list`;
	const seen = new Set<string>();
	const paths = new Set<string>();
	let bytes = 0;
	let files = 0;
	for (const listed of readFileSync(path.join(info, listName), 'utf8').split('\n')) {
		if (listed === '' || listed === '/.') continue;
		let stat;
		try {
			stat = lstatSync(path.join(rootfs, listed));
		} catch {
			continue;
		}
		if (stat.isDirectory()) continue;
		const real = path.join(realpathSync(path.dirname(path.join(rootfs, listed))), path.basename(listed));
		if (!paths.has(real)) {
			paths.add(real);
			files++;
		}
		const inode = `${stat.dev}:${stat.ino}`;
		if (seen.has(inode)) continue;
		seen.add(inode);
		if (stat.isFile()) bytes += stat.size;
	}
	return {bytes, files};
}

describe('a real Debian image', () => {
	it('lists exactly the packages dpkg-query lists, with the bytes and files their lists name in the unpacked root', async () => {
		const result = await runCli(['packages', image.ociLayout, '--json']);
		expect(result.code, result.stderr).toBe(0);
		const document = JSON.parse(result.stdout) as {packages: Array<{ecosystem: string; name: string; version: string; architecture: string; bytes: number; files: number; layer: number; removedIn?: number; deadBytes: number}>};
		const live = document.packages.filter(record => record.ecosystem === 'deb' && record.removedIn === undefined);
		const installed = dpkgInstalled();
		expect(installed.length).toBeGreaterThan(80);
		expect(live.map(record => `${record.name} ${record.version} ${record.architecture}`).sort()).toEqual(installed);
		const measured = live.map(record => ({name: record.name, ...listedBytes(record.name, record.architecture)}));
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
