import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {UsageError} from '../../source/errors.js';
import {formatImageReference, isImageId, parseImageReference} from '../../source/image/image-reference.js';
import {classifyInput} from '../../source/image/input-source.js';
import {registryLocation} from '../../source/registry/registry-files.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-input-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('image references', () => {
	it.each([
		['nginx', {domain: null, path: 'nginx', tag: null, digest: null}],
		['nginx:1.27', {domain: null, path: 'nginx', tag: '1.27', digest: null}],
		['library/nginx:1.27-alpine', {domain: null, path: 'library/nginx', tag: '1.27-alpine', digest: null}],
		['localhost/sample:1', {domain: 'localhost', path: 'sample', tag: '1', digest: null}],
		['127.0.0.1:5000/team/app:v2', {domain: '127.0.0.1:5000', path: 'team/app', tag: 'v2', digest: null}],
		['ghcr.io/org/app@sha256:' + 'a'.repeat(64), {domain: 'ghcr.io', path: 'org/app', tag: null, digest: 'sha256:' + 'a'.repeat(64)}],
		['[::1]:5000/app:1', {domain: '[::1]:5000', path: 'app', tag: '1', digest: null}],
	])('parses %s', (text, expected) => {
		expect(parseImageReference(text)).toEqual(expected);
		expect(formatImageReference(parseImageReference(text)!)).toBe(text);
	});

	it.each(['Nginx', 'app:', 'a//b', 'app:tag:again', '-app', 'app@sha256:short', 'x'.repeat(256)])('refuses %s', text => {
		expect(parseImageReference(text)).toBeNull();
	});

	it('knows image IDs', () => {
		expect(isImageId('sha256:' + 'b'.repeat(64))).toBe(true);
		expect(isImageId('51f5dd70383a')).toBe(true);
		expect(isImageId('51f5dd')).toBe(false);
	});

	it("maps Docker Hub's names to its API host and library/", () => {
		expect(registryLocation(parseImageReference('docker.io/nginx:1')!)).toEqual({registry: 'registry-1.docker.io', repository: 'library/nginx'});
		expect(registryLocation(parseImageReference('docker.io/bitnami/redis')!)).toEqual({registry: 'registry-1.docker.io', repository: 'bitnami/redis'});
		expect(registryLocation(parseImageReference('ghcr.io/nginx')!)).toEqual({registry: 'ghcr.io', repository: 'nginx'});
	});
});

describe('what an argument names', () => {
	const file = path.join(scratch, 'app');
	writeFileSync(file, 'x');
	mkdirSync(path.join(scratch, 'layout'));

	it('an existing path is always a path, even when it reads as an image name', async () => {
		expect(await classifyInput(file)).toEqual({kind: 'path', location: file, ref: undefined});
		expect(await classifyInput(`${path.join(scratch, 'layout')}:v1`)).toEqual({kind: 'path', location: path.join(scratch, 'layout'), ref: 'v1'});
	});

	it('"-" is standard input', async () => {
		expect(await classifyInput('-')).toEqual({kind: 'stdin'});
	});

	it('a name that is not a path goes to an engine; file-like names stay files', async () => {
		expect(await classifyInput('nginx:1.27')).toEqual({kind: 'engine', engine: 'any', name: 'nginx:1.27'});
		expect(await classifyInput('app.tar')).toMatchObject({kind: 'path', location: 'app.tar'});
		expect(await classifyInput('./nginx')).toMatchObject({kind: 'path'});
		expect(await classifyInput('Not An Image')).toMatchObject({kind: 'path'});
		expect(await classifyInput('nginx', {ref: 'v1'})).toMatchObject({kind: 'path', ref: 'v1'});
	});

	it('schemes and --source choose the source', async () => {
		expect(await classifyInput('docker://nginx')).toEqual({kind: 'engine', engine: 'docker', name: 'nginx'});
		expect(await classifyInput('podman://localhost/app:1')).toEqual({kind: 'engine', engine: 'podman', name: 'localhost/app:1'});
		expect(await classifyInput('nginx', {source: 'podman'})).toEqual({kind: 'engine', engine: 'podman', name: 'nginx'});
		expect(await classifyInput('registry://ghcr.io/org/app:1')).toEqual({kind: 'registry', reference: 'ghcr.io/org/app:1'});
		expect(await classifyInput('ghcr.io/org/app:1', {source: 'registry'})).toEqual({kind: 'registry', reference: 'ghcr.io/org/app:1'});
		expect(await classifyInput('nginx', {source: 'file'})).toMatchObject({kind: 'path', location: 'nginx'});
		// dive's spellings of a file source.
		expect(await classifyInput('docker-archive://app.tar')).toEqual({kind: 'path', location: 'app.tar', ref: undefined});
		expect(await classifyInput('nginx', {source: 'docker-archive'})).toMatchObject({kind: 'path', location: 'nginx'});
	});

	it.each([
		[['registry://nginx:1'], /registry:\/\/HOST\[:PORT\]\/REPOSITORY/],
		[['docker://Bad Name'], /is not an image name/],
		[['nginx', {source: 'kubernetes'}], /--source must be docker, podman, registry, file or docker-archive/],
		[['docker://nginx', {source: 'registry'}], /names a docker image but --source says registry/],
		[['-', {source: 'docker'}], /cannot read "-"/],
	] as const)('refuses %j', async (args, message) => {
		const [input, options] = args as unknown as [string, {source?: string} | undefined];
		const error = await classifyInput(input, options).catch(error_ => error_);
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toMatch(message);
	});
});
