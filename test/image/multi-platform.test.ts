import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {filesystemAt} from '../../source/cli/files-command.js';
import {loadImage} from '../../source/image/load.js';
import {formatPlatform, hostPlatform} from '../../source/image/platform.js';
import type {Image} from '../../source/model.js';
import {writeMultiPlatformLayout} from '../fixtures/image-writer.js';
import {runCli} from '../helpers/run-cli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-platforms-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;
const out = (name: string) => path.join(scratch, `${counter++}-${name}`);

/** The fixture writes each platform's name into /platform and its ref into /ref. */
function contentOf(image: Image, file: string): number | undefined {
	return filesystemAt(image).lookup(file)?.size;
}

const host = formatPlatform(hostPlatform());
const platforms = [host, 'linux/arm64/v8', 'linux/arm/v7', 'linux/s390x'].filter((p, i, all) => all.indexOf(p) === i);

describe('multi-platform layouts', () => {
	it('chooses the host platform by default, through a nested index, skipping attestations', async () => {
		const written = await writeMultiPlatformLayout({outPath: out('nested'), platforms});
		const image = await loadImage(written.path);
		const expected = written.images.find(i => i.platform === host)!;
		expect(image.manifestDigest).toBe(expected.manifestDigest);
		expect(formatPlatform(image.platform)).toBe(host);
		expect(contentOf(image, '/platform')).toBe(host.length);
	});

	it('chooses another platform with --platform, in a directory, an archive or a gzip archive', async () => {
		for (const [archive, outerGzip] of [[false, false], [true, false], [true, true]] as const) {
			const written = await writeMultiPlatformLayout({outPath: out('choose'), platforms, archive, outerGzip});
			const image = await loadImage(written.path, {platform: 'linux/arm/v7'});
			expect(image.manifestDigest).toBe(written.images.find(i => i.platform === 'linux/arm/v7')!.manifestDigest);
		}
	});

	it('skips platforms whose blobs the producer left out, and says so when the one asked for is absent', async () => {
		const written = await writeMultiPlatformLayout({outPath: out('missing'), platforms, missingPlatforms: ['linux/s390x']});
		expect((await loadImage(written.path)).manifestDigest).toBe(written.images.find(i => i.platform === host)!.manifestDigest);
		await expect(loadImage(written.path, {platform: 'linux/s390x'})).rejects.toThrow(/has no image for linux\/s390x; available: .*linux\/arm\/v7/);
	});

	it('chooses by ref name (PATH:REF or --ref) and lists the refs when the choice is ambiguous', async () => {
		const written = await writeMultiPlatformLayout({outPath: out('refs'), platforms: [host], refNames: ['v1', 'v2'], attestations: false});
		const v2 = written.images.find(i => i.refName === 'v2')!;
		expect((await loadImage(`${written.path}:v2`)).manifestDigest).toBe(v2.manifestDigest);
		expect((await loadImage(written.path, {ref: 'v2'})).manifestDigest).toBe(v2.manifestDigest);
		const result = await runCli(['files', written.path]);
		expect(result.code).toBe(2);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(/holds several images .*v1.*v2.*choose one/);
	});

	it('reads a flat index (no nested image index) too', async () => {
		const written = await writeMultiPlatformLayout({outPath: out('flat'), platforms, nestedIndex: false});
		expect((await loadImage(written.path, {platform: 'linux/arm64'})).manifestDigest).toBe(written.images.find(i => i.platform === 'linux/arm64/v8')!.manifestDigest);
	});

	it('reads a containerd docker save: manifest.json for the kept platform, an index naming all of them', async () => {
		const written = await writeMultiPlatformLayout({outPath: out('containerd'), platforms, archive: true, dockerManifest: true, missingPlatforms: platforms.filter(p => p !== host)});
		const image = await loadImage(written.path);
		expect(image.format).toBe('docker-archive-oci');
		expect(image.manifestDigest).toBe(written.images.find(i => i.platform === host)!.manifestDigest);
		expect(image.repoTags.length).toBeGreaterThan(0);
	});

	it('rejects a malformed --platform in one line', async () => {
		const result = await runCli(['files', '--platform', 'linux', path.join(scratch)]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--platform must look like os\/arch/);
	});
});
