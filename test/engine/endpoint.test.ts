import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {findEngine, type EngineEnvironment} from '../../source/engine/endpoint.js';
import {UsageError} from '../../source/errors.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-endpoint-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
const environment = (env: Record<string, string>, home = path.join(scratch, 'home')): EngineEnvironment => ({env, home, uid: 4242});

function writeContext(configDir: string, name: string, host: string, tls = false): void {
	const id = createHash('sha256').update(name).digest('hex');
	mkdirSync(path.join(configDir, 'contexts/meta', id), {recursive: true});
	writeFileSync(path.join(configDir, 'contexts/meta', id, 'meta.json'), JSON.stringify({Name: name, Endpoints: {docker: {Host: host, SkipTLSVerify: false}}}));
	if (tls) {
		mkdirSync(path.join(configDir, 'contexts/tls', id, 'docker'), {recursive: true});
		writeFileSync(path.join(configDir, 'contexts/tls', id, 'docker/ca.pem'), 'ca');
	}
}

describe('finding the engine', () => {
	it('DOCKER_HOST wins, with TLS settings from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
		const certs = path.join(scratch, 'certs');
		mkdirSync(certs, {recursive: true});
		for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(certs, file), file);
		const {endpoint} = findEngine('any', environment({DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs, CONTAINER_HOST: 'unix:///x'}));
		expect(endpoint).toEqual({url: 'tcp://docker:2376', origin: 'DOCKER_HOST', tls: {ca: path.join(certs, 'ca.pem'), cert: path.join(certs, 'cert.pem'), key: path.join(certs, 'key.pem'), verify: true}});
	});

	it("the Docker CLI's context (DOCKER_CONTEXT, then config.json's currentContext), with its TLS files", () => {
		const config = path.join(scratch, 'docker-config');
		writeContext(config, 'remote', 'tcp://build-host:2376', true);
		writeContext(config, 'local', 'unix:///var/run/other.sock');
		writeFileSync(path.join(config, 'config.json'), JSON.stringify({currentContext: 'local'}));
		expect(findEngine('docker', environment({DOCKER_CONFIG: config})).endpoint).toEqual({url: 'unix:///var/run/other.sock', origin: 'docker context "local"', tls: undefined});
		const remote = findEngine('docker', environment({DOCKER_CONFIG: config, DOCKER_CONTEXT: 'remote'})).endpoint!;
		expect(remote.origin).toBe('docker context "remote"');
		expect(remote.tls).toMatchObject({ca: expect.stringMatching(/ca\.pem$/), verify: true});
		// "default" is the Docker CLI's name for "no context": the default socket is looked at.
		expect(findEngine('docker', environment({DOCKER_CONFIG: config, DOCKER_CONTEXT: 'default'})).tried).toEqual(['/var/run/docker.sock']);
	});

	it('CONTAINER_HOST for podman; docker:// ignores it', () => {
		expect(findEngine('podman', environment({CONTAINER_HOST: 'unix:///run/p.sock', DOCKER_HOST: 'unix:///run/d.sock'})).endpoint?.url).toBe('unix:///run/p.sock');
		expect(findEngine('docker', environment({CONTAINER_HOST: 'unix:///run/p.sock'})).tried).toEqual(['/var/run/docker.sock']);
	});

	it("podman's default sockets, the first that exists", async () => {
		const runtime = path.join(scratch, 'runtime');
		mkdirSync(path.join(runtime, 'podman'), {recursive: true});
		const {tried, endpoint: none} = findEngine('podman', environment({XDG_RUNTIME_DIR: runtime}));
		expect(none).toBeUndefined();
		expect(tried).toEqual([path.join(runtime, 'podman/podman.sock'), '/run/user/4242/podman/podman.sock', '/run/podman/podman.sock']);
		const server = net.createServer();
		await new Promise<void>(resolve => server.listen(path.join(runtime, 'podman/podman.sock'), resolve));
		try {
			expect(findEngine('any', environment({XDG_RUNTIME_DIR: runtime})).endpoint).toEqual({url: `unix://${runtime}/podman/podman.sock`, origin: "podman's default socket"});
		} finally {
			server.close();
		}
	});

	it.each([
		['ssh://me@host', /ssh:\/\/ engines are not supported; forward the socket/],
		['npipe:////./pipe/docker_engine', /named pipes are not supported/],
		['/var/run/docker.sock', /expected unix:\/\/\/PATH or tcp:\/\/HOST:PORT/],
	])('refuses DOCKER_HOST=%s with a way out', (host, message) => {
		expect(() => findEngine('any', environment({DOCKER_HOST: host}))).toThrow(UsageError);
		expect(() => findEngine('any', environment({DOCKER_HOST: host}))).toThrow(message);
	});
});
