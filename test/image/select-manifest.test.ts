import {describe, expect, it} from 'vitest';
import {selectManifest, type ManifestCandidate} from '../../source/image/oci-index.js';
import {hostPlatform, parsePlatform, platformMatches} from '../../source/image/platform.js';

const host = hostPlatform();
const other = host.architecture === 'amd64' ? {os: 'linux', architecture: 'arm64', variant: 'v8'} : {os: 'linux', architecture: 'amd64'};

function candidate(digest: string, platform: ManifestCandidate['platform'], names: string[] = []): ManifestCandidate {
	return {digest: `sha256:${digest}`, platform, names};
}

const noConfigLookup = async () => undefined;

describe('selectManifest', () => {
	it('takes the only image without asking', async () => {
		const only = candidate('a', other);
		expect(await selectManifest('x', [only], {}, noConfigLookup)).toBe(only);
	});

	it('takes the host platform from a multi-platform index', async () => {
		const mine = candidate('mine', host);
		expect(await selectManifest('x', [candidate('theirs', other), mine], {}, noConfigLookup)).toBe(mine);
	});

	it('takes the platform asked for, with or without a variant', async () => {
		const arm = candidate('arm', {os: 'linux', architecture: 'arm', variant: 'v7'});
		const arm64 = candidate('arm64', {os: 'linux', architecture: 'arm64'});
		const pool = [candidate('amd', {os: 'linux', architecture: 'amd64'}), arm, arm64];
		expect(await selectManifest('x', pool, {platform: parsePlatform('linux/arm/v7')}, noConfigLookup)).toBe(arm);
		expect(await selectManifest('x', pool, {platform: parsePlatform('linux/arm64/v8')}, noConfigLookup)).toBe(arm64);
		await expect(selectManifest('x', pool, {platform: parsePlatform('linux/s390x')}, noConfigLookup)).rejects.toThrow(
			'x: has no image for linux/s390x; available: linux/amd64; linux/arm/v7; linux/arm64 (choose with --platform)',
		);
	});

	it('chooses by ref name, and lists the names when none matches', async () => {
		const v1 = candidate('v1', host, ['v1']);
		const v2 = candidate('v2', host, ['registry.test/app:v2']);
		expect(await selectManifest('x', [v1, v2], {ref: 'app:v2'}, noConfigLookup)).toBe(v2);
		await expect(selectManifest('x', [v1, v2], {ref: 'v3'}, noConfigLookup)).rejects.toThrow('has no image named "v3"; it has "v1", "registry.test/app:v2"');
	});

	it('refuses to guess between several images for the same platform', async () => {
		await expect(selectManifest('x', [candidate('a', host, ['a']), candidate('b', host, ['b'])], {}, noConfigLookup)).rejects.toThrow(/holds several images .*\(a\).*\(b\).*choose one with PATH:REF or --ref/);
	});

	it('reads platforms from configs when descriptors leave them out', async () => {
		const pool = [candidate('a', undefined), candidate('b', undefined)];
		const chosen = await selectManifest('x', pool, {}, async c => (c.digest === 'sha256:b' ? host : other));
		expect(chosen.digest).toBe('sha256:b');
	});

	it('treats one manifest listed twice as one image', async () => {
		expect((await selectManifest('x', [candidate('a', host, ['latest']), candidate('a', host, ['v1'])], {}, noConfigLookup)).digest).toBe('sha256:a');
	});
});

describe('platforms', () => {
	it('parses os/arch/variant and refuses anything else', () => {
		expect(parsePlatform('linux/arm64/v8')).toEqual({os: 'linux', architecture: 'arm64', variant: 'v8'});
		expect(() => parsePlatform('linux')).toThrow(/os\/arch/);
		expect(() => parsePlatform('a/b/c/d')).toThrow(/os\/arch/);
	});

	it('treats arm64 and arm64/v8 as the same', () => {
		expect(platformMatches({os: 'linux', architecture: 'arm64'}, {os: 'linux', architecture: 'arm64', variant: 'v8'})).toBe(true);
		expect(platformMatches({os: 'linux', architecture: 'arm', variant: 'v6'}, {os: 'linux', architecture: 'arm', variant: 'v7'})).toBe(false);
	});
});
