import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {parseChallenges} from '../../source/registry/challenge.js';
import {findCredentials} from '../../source/registry/credentials.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-auth-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let count = 0;

function configDir(config: unknown): string {
	const directory = path.join(scratch, `config-${count++}`);
	mkdirSync(directory, {recursive: true});
	writeFileSync(path.join(directory, 'config.json'), JSON.stringify(config));
	return directory;
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const lookUp = (registry: string, env: Record<string, string>) => findCredentials(registry, {env, home: path.join(scratch, 'nohome'), uid: 0});

describe('WWW-Authenticate challenges', () => {
	it("parses Docker Hub's Bearer challenge", () => {
		expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
			{scheme: 'bearer', params: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull'}},
		]);
	});

	it('parses several challenges, quoted commas and escapes, unquoted values', () => {
		expect(parseChallenges('Basic realm="a, \\"quoted\\" realm", Bearer realm=https://t.example/token,scope="repository:a/b:pull,push"')).toEqual([
			{scheme: 'basic', params: {realm: 'a, "quoted" realm'}},
			{scheme: 'bearer', params: {realm: 'https://t.example/token', scope: 'repository:a/b:pull,push'}},
		]);
	});

	it('gives nothing for an empty header', () => {
		expect(parseChallenges('')).toEqual([]);
	});
});

describe('registry credentials, as docker login and podman login store them', () => {
	it('auths: base64 "auth", username/password, any spelling of the host', async () => {
		const directory = configDir({auths: {'https://ghcr.io': {auth: basic('me', 'p:w')}, 'quay.io': {username: 'q', password: 'r'}}});
		expect(await lookUp('ghcr.io', {DOCKER_CONFIG: directory})).toEqual({kind: 'basic', username: 'me', password: 'p:w', from: path.join(directory, 'config.json')});
		expect(await lookUp('quay.io', {DOCKER_CONFIG: directory})).toMatchObject({kind: 'basic', username: 'q', password: 'r'});
		expect(await lookUp('example.com', {DOCKER_CONFIG: directory})).toBeUndefined();
	});

	it("Docker Hub's key is https://index.docker.io/v1/", async () => {
		const directory = configDir({auths: {'https://index.docker.io/v1/': {identitytoken: 'refresh-me'}}});
		expect(await lookUp('registry-1.docker.io', {DOCKER_CONFIG: directory})).toMatchObject({kind: 'identity-token', token: 'refresh-me'});
	});

	it('a credential helper named for the registry comes before auths; the global store when none is', async () => {
		const bin = path.join(scratch, 'bin');
		mkdirSync(bin, {recursive: true});
		writeFileSync(path.join(bin, 'docker-credential-pass'), '#!/bin/sh\nread server\necho "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"from-helper\\",\\"Secret\\":\\"$server-secret\\"}"\n');
		writeFileSync(path.join(bin, 'docker-credential-token'), '#!/bin/sh\nread server\necho \'{"Username":"<token>","Secret":"identity"}\'\n');
		chmodSync(path.join(bin, 'docker-credential-pass'), 0o755);
		chmodSync(path.join(bin, 'docker-credential-token'), 0o755);
		const directory = configDir({credHelpers: {'ghcr.io': 'pass'}, credsStore: 'token', auths: {'ghcr.io': {auth: basic('stale', 'stale')}}});
		const env = {DOCKER_CONFIG: directory, PATH: `${bin}:${process.env.PATH}`};
		expect(await lookUp('ghcr.io', env)).toEqual({kind: 'basic', username: 'from-helper', password: 'ghcr.io-secret', from: 'docker-credential-pass'});
		expect(await lookUp('quay.io', env)).toEqual({kind: 'identity-token', token: 'identity', from: 'docker-credential-token'});
	});

	it('a helper that is missing or knows nothing falls back to auths', async () => {
		const directory = configDir({credsStore: 'absent-helper', auths: {'ghcr.io': {auth: basic('me', 'pw')}}});
		expect(await lookUp('ghcr.io', {DOCKER_CONFIG: directory})).toMatchObject({username: 'me', password: 'pw'});
	});

	it("podman's auth.json ($REGISTRY_AUTH_FILE) when Docker's config has nothing", async () => {
		const file = path.join(scratch, 'auth.json');
		writeFileSync(file, JSON.stringify({auths: {'registry.example:5000': {auth: basic('pod', 'man')}}}));
		expect(await lookUp('registry.example:5000', {DOCKER_CONFIG: configDir({}), REGISTRY_AUTH_FILE: file})).toEqual({kind: 'basic', username: 'pod', password: 'man', from: file});
	});
});
