import {execFile, execFileSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createHash} from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeImage} from '../fixtures/image-writer.js';
import {builtCli} from '../helpers/paths.js';
import {sampleImage} from '../interop/sample-image.js';
import {withoutTransport} from '../helpers/report.js';
import {runCli} from '../helpers/run-cli.js';
import {freePort} from '../helpers/servers/free-port.js';
import {PodmanService} from '../helpers/servers/podman-service.js';

const sample = sampleImage('sample.docker.tar');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-engine-'));
let podman: PodmanService;
let fixture: string;
let sampleId: string;

/** The machine's own engine settings must not leak into a test: a home of its own, no variables. */
function engineEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
	return {HOME: scratch, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: undefined, CONTAINER_HOST: undefined, XDG_RUNTIME_DIR: scratch, ...extra};
}

async function json(args: string[], env: Record<string, string | undefined> = {}) {
	const result = await runCli([...args, '--json'], {env: engineEnv(env)});
	expect(result.stderr).toBe('');
	expect(result.code).toBe(0);
	return JSON.parse(result.stdout) as Record<string, any>;
}

beforeAll(async () => {
	podman = await PodmanService.start();
	await podman.load(sample);
	// A second image, built here: deletions, a rewrite and an opaque directory; podman exports the legacy docker save layout, so the file is written in it too.
	fixture = path.join(scratch, 'fixture.tar');
	await writeImage(
		{
			layers: [
				{entries: [{type: 'dir', path: 'etc'}, {type: 'file', path: 'etc/app.conf', content: 'a=1\n'}, {type: 'dir', path: 'cache'}, {type: 'file', path: 'cache/blob', content: Buffer.alloc(70_000, 7)}]},
				{entries: [{type: 'file', path: 'etc/app.conf', content: 'a=2\n'}, {type: 'whiteout', path: 'cache/blob'}]},
				{entries: [{type: 'opaque', path: 'etc'}, {type: 'file', path: 'etc/only', content: 'x'}]},
			],
			repoTags: ['localhost/fixture:2'],
		},
		{format: 'docker-legacy', outPath: fixture},
	);
	await podman.load(fixture);
	sampleId = JSON.parse((await runCli([sample, '--json'])).stdout).image.id;
}, 60_000);

afterAll(async () => {
	await podman?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

describe('reading from a Docker-compatible engine (podman system service)', () => {
	it('gives, field for field, the report of the docker save tarball (DOCKER_HOST, a plain name)', async () => {
		const fromEngine = await json(['localhost/sample:1'], {DOCKER_HOST: podman.url});
		const fromFile = await json([sample]);
		expect(fromEngine.image.source).toEqual({kind: 'engine', endpoint: podman.url});
		expect(fromEngine.image.input).toBe('localhost/sample:1');
		expect(withoutTransport(fromEngine)).toEqual(withoutTransport(fromFile));
		// The export's layers parsed on worker threads while the stream goes on: the same report.
		expect(await json(['localhost/sample:1'], {DOCKER_HOST: podman.url, LAYERSCOPE_WORKERS: '2'})).toEqual(fromEngine);
	}, 30_000);

	it('reads an image built here the same way as its file does (docker://, whiteouts, opaque directory)', async () => {
		const fromEngine = await json(['docker://localhost/fixture:2'], {DOCKER_HOST: podman.url});
		const fromFile = await json([fixture]);
		expect(fromEngine.layers).toHaveLength(3);
		expect(withoutTransport(fromEngine)).toEqual(withoutTransport(fromFile));
		// The files too, not only the report's numbers.
		const env = engineEnv({DOCKER_HOST: podman.url});
		const files = await runCli(['files', 'localhost/fixture:2', '--json'], {env});
		expect(files.stdout).toBe((await runCli(['files', fixture, '--json'])).stdout);
	}, 30_000);

	it('finds podman through CONTAINER_HOST with podman:// and with --source podman', async () => {
		const viaScheme = await json(['podman://localhost/sample:1'], {CONTAINER_HOST: podman.url});
		const viaFlag = await json(['localhost/sample:1', '--source', 'podman'], {CONTAINER_HOST: podman.url});
		expect(viaScheme.image.id).toBe(sampleId);
		expect(withoutTransport(viaFlag)).toEqual(withoutTransport(viaScheme));
	}, 30_000);

	it("follows the Docker CLI's current context when no variable is set", async () => {
		const config = path.join(scratch, 'docker-config');
		const meta = path.join(config, 'contexts/meta', createHash('sha256').update('ci-engine').digest('hex'));
		mkdirSync(meta, {recursive: true});
		writeFileSync(path.join(config, 'config.json'), JSON.stringify({currentContext: 'ci-engine'}));
		writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({Name: 'ci-engine', Metadata: {}, Endpoints: {docker: {Host: podman.url, SkipTLSVerify: false}}}));
		const report = await json(['localhost/sample:1'], {DOCKER_CONFIG: config});
		expect(report.image.source.endpoint).toBe(podman.url);
		expect(report.image.id).toBe(sampleId);
	}, 30_000);

	it('finds podman at its default socket under XDG_RUNTIME_DIR', async () => {
		const runtime = path.join(scratch, 'runtime');
		mkdirSync(path.join(runtime, 'podman'), {recursive: true});
		execFileSync('ln', ['-sf', podman.socket, path.join(runtime, 'podman/podman.sock')]);
		const report = await json(['localhost/sample:1'], {XDG_RUNTIME_DIR: runtime});
		expect(report.image.source.endpoint).toBe(`unix://${path.join(runtime, 'podman/podman.sock')}`);
	}, 30_000);

	it('reads an image by its ID', async () => {
		const report = await json([sampleId], {DOCKER_HOST: podman.url});
		expect(report.image.id).toBe(sampleId);
	}, 30_000);

	it('talks to an engine over tcp', async () => {
		// A tcp front for the same engine: the client side of DOCKER_HOST=tcp://… is what is tested.
		const port = await freePort();
		const server = net.createServer(client => {
			const upstream = net.connect(podman.socket);
			client.pipe(upstream).pipe(client);
			client.on('error', () => upstream.destroy());
			upstream.on('error', () => client.destroy());
		});
		await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
		try {
			const report = await json(['localhost/sample:1'], {DOCKER_HOST: `tcp://127.0.0.1:${port}`});
			expect(report.image.id).toBe(sampleId);
		} finally {
			server.close();
		}
	}, 30_000);
});

describe('TLS to a tcp engine (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)', () => {
	it('verifies the engine against ca.pem, and refuses one it cannot verify', async () => {
		// A TLS front for the engine, as dockerd --tlsverify listens on 2376.
		const {TLS_CERT} = await import('../helpers/servers/registry-server.js');
		const tls = await import('node:tls');
		const port = await freePort();
		const server = tls.createServer({cert: readFileSync(TLS_CERT), key: readFileSync(TLS_CERT.replace('tls-cert', 'tls-key'))}, client => {
			const upstream = net.connect(podman.socket);
			client.pipe(upstream).pipe(client);
			client.on('error', () => upstream.destroy());
			upstream.on('error', () => client.destroy());
		});
		await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
		const certs = path.join(scratch, 'engine-certs');
		mkdirSync(certs, {recursive: true});
		writeFileSync(path.join(certs, 'ca.pem'), readFileSync(TLS_CERT));
		const empty = path.join(scratch, 'no-certs');
		mkdirSync(empty, {recursive: true});
		try {
			const report = await json(['localhost/sample:1'], {DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs});
			expect(report.image.id).toBe(sampleId);
			const refused = await runCli(['localhost/sample:1'], {env: engineEnv({DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: empty})});
			expect(refused.code).toBe(2);
			expect(refused.stderr).toMatch(new RegExp(`^layerscope: localhost/sample:1: engine at tcp://127\\.0\\.0\\.1:${port} \\(DOCKER_HOST\\) cannot connect: .*certificate.*\\n$`));
		} finally {
			server.close();
		}
	}, 30_000);
});

describe('progress while the export streams in', () => {
	it('says on a terminal how much of about how much has arrived, then erases itself', async () => {
		// script(1) gives the CLI a terminal; --json FILE keeps it out of the browser.
		const report = path.join(scratch, 'progress.json');
		const {stdout} = await new Promise<{stdout: string}>((resolve, reject) => {
			const env = Object.fromEntries(Object.entries({...process.env, ...engineEnv({DOCKER_HOST: podman.url})}).filter(([, value]) => value !== undefined)) as Record<string, string>;
			execFile('script', ['-qec', `${process.execPath} ${builtCli} localhost/sample:1 --json ${report}`, '/dev/null'], {env}, (error, out) => (error ? reject(error) : resolve({stdout: out})));
		});
		const lines = stdout.split('\r').filter(line => line.includes('reading'));
		expect(lines.length).toBeGreaterThan(0);
		expect(lines.at(-1)).toMatch(/reading layer 5 of 5, 3\.\d+ MB of ~3\.\d+ MB \[█*░*\] +\d+ %/);
		expect(stdout.endsWith('\r\u001B[2K')).toBe(true);
		expect(JSON.parse(readFileSync(report, 'utf8')).image.id).toBe(sampleId);
	}, 30_000);
});

describe('engine failures: one line naming the socket, exit 2', () => {
	const expectOneLine = (result: {code: number | null; stderr: string; stdout: string}, pattern: RegExp) => {
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(pattern);
		expect(result.stderr).not.toMatch(/\n\s+at /);
	};

	it('an image the engine does not have', async () => {
		const result = await runCli(['localhost/nothing-here:9'], {env: engineEnv({DOCKER_HOST: podman.url})});
		expectOneLine(result, new RegExp(`^layerscope: localhost/nothing-here:9: engine at ${podman.url} \\(DOCKER_HOST\\) has no image "localhost/nothing-here:9"`));
	}, 30_000);

	it('a tag the engine does not have', async () => {
		const result = await runCli(['localhost/sample:2'], {env: engineEnv({DOCKER_HOST: podman.url})});
		expectOneLine(result, /has no image "localhost\/sample:2"/);
	}, 30_000);

	it('a socket that does not exist', async () => {
		const result = await runCli(['nginx:1.27'], {env: engineEnv({DOCKER_HOST: `unix://${scratch}/absent.sock`})});
		expectOneLine(result, new RegExp(`no socket at ${scratch}/absent.sock`));
	}, 30_000);

	it('a refused connection', async () => {
		const port = await freePort();
		const result = await runCli(['nginx:1.27'], {env: engineEnv({DOCKER_HOST: `tcp://127.0.0.1:${port}`})});
		expectOneLine(result, new RegExp(`engine at tcp://127.0.0.1:${port} \\(DOCKER_HOST\\) cannot connect: connection refused`));
	}, 30_000);

	it('a socket without permission', async () => {
		// The socket is root's and 0600; the CLI runs as nobody.
		const locked = path.join(scratch, 'locked');
		mkdirSync(locked, {mode: 0o755});
		chmodSync(scratch, 0o755);
		const server = net.createServer(socket => socket.destroy());
		await new Promise<void>(resolve => server.listen(path.join(locked, 'engine.sock'), resolve));
		chmodSync(path.join(locked, 'engine.sock'), 0o600);
		try {
			const result = await runCli(['nginx:1.27'], {env: engineEnv({DOCKER_HOST: `unix://${locked}/engine.sock`}), runAs: 'nobody'});
			expectOneLine(result, new RegExp(`permission denied on ${locked}/engine.sock`));
		} finally {
			server.close();
		}
	}, 30_000);

	it('an engine that cuts the connection in the middle of the export', async () => {
		const port = await freePort();
		const server = net.createServer(client => {
			const upstream = net.connect(podman.socket);
			let sent = 0;
			client.pipe(upstream);
			upstream.on('data', chunk => {
				sent += chunk.length;
				client.write(chunk);
				if (sent > 600_000) {
					client.destroy();
					upstream.destroy();
				}
			});
			client.on('error', () => upstream.destroy());
			upstream.on('error', () => client.destroy());
		});
		await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
		try {
			const result = await runCli(['localhost/sample:1'], {env: engineEnv({DOCKER_HOST: `tcp://127.0.0.1:${port}`})});
			expectOneLine(result, /engine at tcp:\/\/127\.0\.0\.1:\d+ \(DOCKER_HOST\) cut the connection after \d+ bytes of the export/);
		} finally {
			server.close();
		}
	}, 30_000);
});
