/**
 * Issue 13 on real images: test/interop/app-v1.Containerfile and app-v2.Containerfile, built by buildah
 * on the sample's base (test/interop/build-images.ts), compared across formats: `docker save` against a
 * layout, and a layout against the distribution registry (fed by skopeo). The file list must be the
 * difference of the two `files --json` listings.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/run-cli.js';
import {RegistryServer} from '../helpers/servers/registry-server.js';
import {sampleImage} from '../interop/sample-image.js';
import {byPath, filesJson, listingDifference} from './listing-difference.js';

const v1Archive = sampleImage('app-v1.docker.tar');
const v1Layout = sampleImage('app-v1.oci');
const v2Layout = sampleImage('app-v2.oci');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-real-pair-'));
let registry: RegistryServer;

beforeAll(async () => {
	registry = await RegistryServer.start();
	await registry.push(`oci:${v2Layout}:latest`, 'app:2', ['--preserve-digests']);
}, 120_000);

afterAll(async () => {
	await registry?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

async function diffJson(args: string[]) {
	const result = await runCli(['diff', ...args, '--json'], {env: {HOME: scratch, DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined}});
	expect(result.code, result.stderr).toBe(0);
	return JSON.parse(result.stdout);
}

describe('a v1 and a v2 of one app, built by buildah', () => {
	let report: any;
	beforeAll(async () => {
		report = await diffJson([v1Archive, v2Layout]);
	});

	it('docker save against a layout: the files are the difference of the two listings', async () => {
		expect(byPath(report.files)).toEqual(listingDifference(await filesJson(v1Archive), await filesJson(v2Layout)));
		const status = (p: string) => report.files.find((row: any) => row.path === p)?.status;
		expect(status('/srv/app/run.sh')).toBe('modified');
		expect(status('/srv/app/fixtures/sample.json')).toBe('removed');
		expect(status('/opt/tool-1.2/bin/tool')).toBe('added');
		expect(status('/srv/app/lib.bin')).toBeUndefined();
	});

	it('shares the base layer, and names the changed ENV and USER', () => {
		expect(report.layers.shared).toBe(1);
		expect(report.layers.b.map((layer: any) => layer.status)).toEqual(['shared', 'only', 'only']);
		expect(report.config).toEqual([
			{field: 'user', key: null, before: 'root', after: '1000'},
			{field: 'env', key: 'APP_MODE', before: 'v1', after: 'v2'},
		]);
	});

	it('a layout against the same v2 in a registry gives the same comparison', async () => {
		const fromRegistry = await diffJson([v1Layout, `registry://${registry.host}/app:2`, '--insecure']);
		expect(fromRegistry.b.source).toEqual({kind: 'registry', endpoint: `http://${registry.host}`});
		for (const part of ['files', 'directories', 'config', 'packages', 'bytes', 'findings'] as const) expect(fromRegistry[part], part).toEqual(report[part]);
		expect(fromRegistry.layers.b.map((layer: any) => layer.diffId)).toEqual(report.layers.b.map((layer: any) => layer.diffId));
	});
});
