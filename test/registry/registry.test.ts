import {execFile, execFileSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeMultiPlatformLayout} from '../fixtures/image-writer.js';
import {builtCli} from '../helpers/paths.js';
import {sampleImage} from '../interop/sample-image.js';
import {withoutTransport} from '../helpers/report.js';
import {runCli, type CliResult} from '../helpers/run-cli.js';
import {FaultProxy} from '../helpers/servers/fault-proxy.js';
import {RegistryServer, TLS_CERT} from '../helpers/servers/registry-server.js';
import {TokenService} from '../helpers/servers/token-service.js';

const sampleTar = sampleImage('sample.docker.tar');
const sampleZstd = sampleImage('sample.zstd.oci');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-registry-test-'));
/** TMPDIR of every run: it must stay empty (nothing is written on the way). */
const tmp = path.join(scratch, 'tmp');
let registry: RegistryServer;
let secured: RegistryServer;
let tokens: TokenService;
let proxy: FaultProxy;
let multi: Awaited<ReturnType<typeof writeMultiPlatformLayout>>;

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
	return runCli(args, {env: {HOME: path.join(scratch, 'home'), DOCKER_CONFIG: undefined, REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: undefined, TMPDIR: tmp, ...env}});
}

async function json(args: string[], env: Record<string, string | undefined> = {}) {
	const result = await cli([...args, '--json'], env);
	expect(result.stderr).toBe('');
	expect(result.code).toBe(0);
	return JSON.parse(result.stdout) as Record<string, any>;
}

function expectOneLine(result: CliResult, pattern: RegExp) {
	expect(result.code).toBe(2);
	expect(result.stdout).toBe('');
	expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
	expect(result.stderr).toMatch(pattern);
	expect(readdirSync(tmp)).toEqual([]);
}

/** A Docker config whose auths hold this login for HOST. */
function dockerConfig(name: string, host: string, user: string, password: string): string {
	const directory = path.join(scratch, name);
	mkdirSync(directory, {recursive: true});
	writeFileSync(path.join(directory, 'config.json'), JSON.stringify({auths: {[host]: {auth: Buffer.from(`${user}:${password}`).toString('base64')}}}));
	return directory;
}

beforeAll(async () => {
	mkdirSync(tmp, {recursive: true});
	mkdirSync(path.join(scratch, 'home'), {recursive: true});
	registry = await RegistryServer.start();
	tokens = await TokenService.start({tester: 's3cret'});
	secured = await RegistryServer.start({tokens});
	proxy = await FaultProxy.start(registry.host);
	// skopeo pushes as CI pipelines do: the docker save tarball gets gzip-compressed on the way.
	await registry.push(`docker-archive:${sampleTar}`, 'sample:1');
	await registry.push(`oci:${sampleZstd}`, 'sample-zstd:1', ['--preserve-digests']);
	multi = await writeMultiPlatformLayout({outPath: path.join(scratch, 'multi'), attestations: false});
	await registry.push(`oci:${multi.path}:latest`, 'multi:1', ['--all', '--preserve-digests']);
	await secured.push(`docker-archive:${sampleTar}`, 'private/sample:1', ['--dest-creds', 'tester:s3cret']);
}, 120_000);

afterAll(async () => {
	await proxy?.stop();
	await registry?.stop();
	await secured?.stop();
	await tokens?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

describe('reading from a registry (the distribution registry, fed by skopeo)', () => {
	it('gives the docker save tarball’s report, field for field but for how the layers are stored', async () => {
		const fromRegistry = await json([`registry://${registry.host}/sample:1`, '--insecure']);
		const fromFile = await json([sampleTar]);
		expect(fromRegistry.image).toMatchObject({format: 'registry', source: {kind: 'registry', endpoint: `http://${registry.host}`}, repoTags: [`${registry.host}/sample:1`]});
		expect(fromRegistry.image.manifestDigest).toBe(await registry.digestOf('sample:1'));
		expect(fromRegistry.layers.map((layer: any) => layer.compression)).toEqual(['gzip', 'gzip', 'gzip', 'gzip', 'gzip']);
		// The layer digests are the blobs the manifest names, checked while they streamed in.
		const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/sample:1`], {encoding: 'utf8'}));
		expect(fromRegistry.layers.map((layer: any) => layer.digest)).toEqual(manifest.layers.map((layer: any) => layer.digest));
		expect(withoutTransport(fromRegistry, {storedForm: true})).toEqual(withoutTransport(fromFile, {storedForm: true}));
		// Downloads parsed on worker threads (big layers are; these small ones only when forced) give the same report.
		expect(await json([`registry://${registry.host}/sample:1`, '--insecure'], {LAYERSCOPE_WORKERS: '2'})).toEqual(fromRegistry);
	}, 30_000);

	it('reads by digest, and a layout pushed with its digests kept equals the layout on disk exactly', async () => {
		const digest = await registry.digestOf('sample-zstd:1');
		const byDigest = await json([`registry://${registry.host}/sample-zstd@${digest}`, '--insecure']);
		const fromLayout = await json([sampleZstd]);
		expect(byDigest.image.manifestDigest).toBe(fromLayout.image.manifestDigest);
		expect(byDigest.layers.map((layer: any) => layer.compression)).toContain('zstd');
		const {format: _a, repoTags: _b, ...fromRegistryImage} = withoutTransport(byDigest).image;
		const {format: _c, repoTags: _d, ...fromLayoutImage} = withoutTransport(fromLayout).image;
		expect(fromRegistryImage).toEqual(fromLayoutImage);
		expect(byDigest.layers).toEqual(fromLayout.layers);
		expect(byDigest.findings).toEqual(fromLayout.findings);
	}, 30_000);

	it('picks one platform from a multi-platform index (--platform), like the layout on disk', async () => {
		for (const platform of ['linux/arm64/v8', 'linux/arm/v7']) {
			const fromRegistry = await cli(['files', `registry://${registry.host}/multi:1`, '--insecure', '--platform', platform, '--json']);
			const fromLayout = await cli(['files', multi.path, '--platform', platform, '--json']);
			expect(fromRegistry.stderr).toBe('');
			expect(fromRegistry.stdout).toBe(fromLayout.stdout);
			expect(fromRegistry.stdout).toContain('"/platform"');
		}
		const wanted = multi.images.find(image => image.platform === 'linux/arm/v7')!;
		const report = await json([`registry://${registry.host}/multi:1`, '--insecure', '--platform', 'linux/arm/v7']);
		expect(report.image.manifestDigest).toBe(wanted.manifestDigest);
	}, 30_000);

	it('logs in with a Bearer token, using the credentials of ~/.docker/config.json', async () => {
		const config = dockerConfig('login-good', secured.host, 'tester', 's3cret');
		tokens.requests.length = 0;
		const report = await json([`registry://${secured.host}/private/sample:1`, '--insecure'], {DOCKER_CONFIG: config});
		expect(report.image.id).toBe((await json([sampleTar])).image.id);
		expect(tokens.requests).toContainEqual({scope: 'repository:private/sample:pull', service: 'layerscope-test-registry', user: 'tester'});
	}, 30_000);

	it('asks a credential helper when the config names one', async () => {
		const bin = path.join(scratch, 'bin');
		mkdirSync(bin, {recursive: true});
		writeFileSync(path.join(bin, 'docker-credential-fixture'), `#!/bin/sh\nread server\n[ "$server" = "${secured.host}" ] && echo '{"ServerURL":"${secured.host}","Username":"tester","Secret":"s3cret"}' && exit 0\necho "credentials not found in native keychain"; exit 1\n`);
		chmodSync(path.join(bin, 'docker-credential-fixture'), 0o755);
		const config = path.join(scratch, 'helper-config');
		mkdirSync(config, {recursive: true});
		writeFileSync(path.join(config, 'config.json'), JSON.stringify({credsStore: 'fixture'}));
		const report = await json([`registry://${secured.host}/private/sample:1`, '--insecure'], {DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}`});
		expect(report.layers).toHaveLength(5);
	}, 30_000);
});

describe('fetching', () => {
	it('fetches layers concurrently, at most four at once', async () => {
		proxy.faults = [];
		proxy.maxBlobsInFlight = 0;
		await json([`registry://${proxy.host}/sample:1`, '--insecure']);
		expect(proxy.maxBlobsInFlight).toBeGreaterThan(1);
		expect(proxy.maxBlobsInFlight).toBeLessThanOrEqual(4);
	}, 30_000);

	it('follows a blob download redirected elsewhere (a CDN)', async () => {
		const seen: Array<{path: string; authorization: string | undefined}> = [];
		proxy.faults = [{match: /\/blobs\//, redirectTo: registry.host, seen}];
		const report = await json([`registry://${proxy.host}/sample:1`, '--insecure']);
		expect(seen.length).toBe(6); // the config and five layers, each sent on
		expect(report.layers.map((layer: any) => layer.diffId)).toEqual((await json([sampleTar])).layers.map((layer: any) => layer.diffId));
	}, 30_000);

	it('does not send the registry token to the host a download is redirected to', async () => {
		// The CDN stand-in is a recording proxy before the plain registry, which holds the same blobs: copied
		// from the secured one as they are, since a fresh push of the tarball lets skopeo mount the zstd
		// blobs it knows the plain registry has for the same layers (sample-zstd), and the digests differ.
		await registry.push(`docker://${secured.host}/private/sample:1`, 'private/sample:1', ['--src-tls-verify=false', '--src-creds', 'tester:s3cret', '--preserve-digests']);
		const cdn = await FaultProxy.start(registry.host);
		const front = await FaultProxy.start(secured.host);
		const atCdn: Array<{path: string; authorization: string | undefined}> = [];
		const atRegistry: Array<{path: string; authorization: string | undefined}> = [];
		cdn.faults = [{match: /\/blobs\//, record: atCdn}];
		front.faults = [{match: /\/blobs\//, redirectTo: cdn.host, seen: atRegistry}];
		try {
			const config = dockerConfig('login-cdn', front.host, 'tester', 's3cret');
			const report = await json([`registry://${front.host}/private/sample:1`, '--insecure'], {DOCKER_CONFIG: config});
			expect(report.layers).toHaveLength(5);
			expect(atRegistry.length).toBe(6);
			expect(atRegistry.every(request => request.authorization?.startsWith('Bearer '))).toBe(true);
			expect(atCdn.map(request => request.authorization)).toEqual(atRegistry.map(() => undefined));
		} finally {
			await cdn.stop();
			await front.stop();
		}
	}, 30_000);

	it('shows on a terminal how many of the manifest’s bytes have arrived', async () => {
		const report = path.join(scratch, 'progress.json');
		const env = Object.fromEntries(Object.entries({...process.env, HOME: path.join(scratch, 'home'), TMPDIR: tmp}).filter(([, value]) => value !== undefined)) as Record<string, string>;
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile('script', ['-qec', `${process.execPath} ${builtCli} registry://${registry.host}/sample:1 --insecure --json ${report}`, '/dev/null'], {env}, (error, out) => (error ? reject(error) : resolve(out)));
		});
		const lines = stdout.split('\r').filter(line => line.includes('reading'));
		const total = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/sample:1`], {encoding: 'utf8'})).layers.reduce((sum: number, layer: any) => sum + layer.size, 0);
		expect(lines.at(-1)).toMatch(new RegExp(`reading layer 5 of 5, [\\d.]+ MB of ${(total / 1e6).toFixed(2).replace('.', '\\.')} MB \\[█+\\] 100 %`));
	}, 30_000);

	it('talks HTTPS by default, and checks the certificate', async () => {
		const tls = await RegistryServer.start({tls: true});
		try {
			await tls.push(`docker-archive:${sampleTar}`, 'sample:1');
			const untrusted = await cli([`registry://${tls.host}/sample:1`]);
			expectOneLine(untrusted, /certificate is not trusted/);
			const trusted = await json([`registry://${tls.host}/sample:1`], {NODE_EXTRA_CA_CERTS: TLS_CERT});
			expect(trusted.image.source).toEqual({kind: 'registry', endpoint: `https://${tls.host}`});
			expect(trusted.image.id).toBe((await json([sampleTar])).image.id);
		} finally {
			await tls.stop();
		}
	}, 60_000);
});

describe('registry failures: one line, exit 2, nothing left behind', () => {
	it('an unknown tag', async () => {
		const result = await cli([`registry://${registry.host}/sample:2`, '--insecure']);
		expectOneLine(result, new RegExp(`^layerscope: registry://${registry.host}/sample:2: registry ${registry.host}: has no tag "2" in sample \\(MANIFEST_UNKNOWN`));
	}, 30_000);

	it('an unknown repository', async () => {
		const result = await cli([`registry://${registry.host}/nothing/here:1`, '--insecure']);
		// Distribution answers MANIFEST_UNKNOWN here (others say NAME_UNKNOWN, which is reported as "has no repository").
		expectOneLine(result, /has no tag "1" in nothing\/here \((MANIFEST|NAME)_UNKNOWN/);
	}, 30_000);

	it('no login for a registry that wants one (401)', async () => {
		const result = await cli([`registry://${secured.host}/private/sample:1`, '--insecure']);
		expectOneLine(result, new RegExp(`registry ${secured.host}: token service http://127\\.0\\.0\\.1:\\d+/token answered HTTP 401 \\(no credentials for ${secured.host} in ~/.docker/config.json\\)`));
	}, 30_000);

	it('a wrong password', async () => {
		const config = dockerConfig('login-bad', secured.host, 'tester', 'wrong');
		const result = await cli([`registry://${secured.host}/private/sample:1`, '--insecure'], {DOCKER_CONFIG: config});
		expectOneLine(result, new RegExp(`answered HTTP 401 \\(credentials from ${config}/config.json refused\\)`));
	}, 30_000);

	it('a 401 that does not say how to log in', async () => {
		proxy.faults = [{match: /\/manifests\//, status: 401}];
		const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure']);
		expectOneLine(result, /answered HTTP 401 for tag "1" without saying how to log in/);
	}, 30_000);

	it('a registry answering 500', async () => {
		proxy.faults = [{match: /\/blobs\//, status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"storage backend down"}]}'}];
		const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure']);
		expectOneLine(result, /registry 127\.0\.0\.1:\d+: answered HTTP 500 for (config|blob|layer blob) sha256:[a-f0-9]{64} \(UNKNOWN: storage backend down\)/);
	}, 30_000);

	it('a registry answering 404 for a blob the manifest names', async () => {
		proxy.faults = [{match: /\/blobs\//, status: 404, body: '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'}];
		const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure']);
		expectOneLine(result, /has no (config|blob|layer blob) sha256:[a-f0-9]{64} in sample \(BLOB_UNKNOWN/);
	}, 30_000);

	it('a connection cut in the middle of a layer blob', async () => {
		const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/sample:1`], {encoding: 'utf8'}));
		const biggest = manifest.layers.reduce((a: any, b: any) => (a.size > b.size ? a : b));
		proxy.faults = [{match: new RegExp(`/blobs/${biggest.digest}`), cutAfter: 100_000}];
		for (const workers of ['0', '2']) {
			const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure'], {LAYERSCOPE_WORKERS: workers});
			expectOneLine(result, new RegExp(`cut the connection while sending layer blob ${biggest.digest} after \\d+ of ${biggest.size} bytes`));
		}
	}, 30_000);

	it('a manifest whose bytes do not match the digest asked for', async () => {
		const digest = await registry.digestOf('sample:1');
		proxy.faults = [{match: /\/manifests\//, rewrite: body => Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1))}];
		const result = await cli([`registry://${proxy.host}/sample@${digest}`, '--insecure']);
		expectOneLine(result, new RegExp(`manifest ${digest} does not match its digest: its bytes hash to sha256:[a-f0-9]{64}`));
	}, 30_000);

	it('a manifest for a tag that does not match the digest the registry gives for it', async () => {
		proxy.faults = [{match: /\/manifests\//, rewrite: body => Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1))}];
		const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure']);
		expectOneLine(result, /manifest for tag "1" does not match the digest the registry gives for it/);
	}, 30_000);

	it('a layer blob whose bytes do not match its digest', async () => {
		const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/sample:1`], {encoding: 'utf8'}));
		const last = manifest.layers.at(-1);
		const other = manifest.layers[1];
		// The registry serves another (valid) layer under this digest.
		const otherBytes = Buffer.from(await (await fetch(`http://${registry.host}/v2/sample/blobs/${other.digest}`)).arrayBuffer());
		proxy.faults = [{match: new RegExp(`/blobs/${last.digest}`), rewrite: () => otherBytes}];
		const result = await cli([`registry://${proxy.host}/sample:1`, '--insecure']);
		expectOneLine(result, new RegExp(`layer 4 \\(blobs/sha256/${last.digest.slice(7)}\\) does not match its digest: expected ${last.digest}, got ${other.digest}`));
	}, 30_000);

	it('HTTPS asked of a plain-HTTP registry', async () => {
		const result = await cli([`registry://${registry.host}/sample:1`]);
		expectOneLine(result, /https:\/\/127\.0\.0\.1:\d+ does not speak HTTPS \(for a plain-HTTP registry on loopback, add --insecure\)/);
	}, 30_000);

	it('a registry that is not there', async () => {
		const {freePort} = await import('../helpers/servers/free-port.js');
		const port = await freePort();
		const result = await cli([`registry://127.0.0.1:${port}/sample:1`, '--insecure']);
		expectOneLine(result, new RegExp(`cannot connect to http://127\\.0\\.0\\.1:${port}: connection refused`));
	}, 30_000);
});
