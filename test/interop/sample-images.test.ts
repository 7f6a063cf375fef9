import {createReadStream, readFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {filesystemAt, fileRecord} from '../../source/cli/files-command.js';
import {loadImage} from '../../source/image/load.js';
import {analyseImage} from '../../source/analysis/analyse.js';
import type {Image} from '../../source/model.js';
import {walkTree} from '../../source/tree/filesystem.js';
import {runCli} from '../helpers/run-cli.js';
import {storageIndependent} from '../helpers/model.js';
import {ensureInteropImages} from './build-images.js';
import {containerfile, expectedFiles as unpackedByUmoci, FORMS as FORMATS, knownAnswers, layoutFacts, sampleImage, SIZES, type FormName} from './sample-image.js';

// The final filesystem as umoci unpacked the freshly built sample.oci: the second opinion every form is held to.
const expectedFiles = unpackedByUmoci();
const known = knownAnswers();

/** umoci's view of a root filesystem cannot tell a hard link from a file: compare as it sees them. */
function asUnpacked(image: Image): Array<Record<string, unknown>> {
	return [...walkTree(filesystemAt(image))].map(([path, node]) => {
		const record = fileRecord(path, node);
		if (record.type === 'hardlink') {
			record.type = 'file';
			delete record.linkTarget;
		}
		return record;
	});
}

describe('real images the project builds with buildah, skopeo and podman', () => {
	const images = new Map<string, Image>();
	beforeAll(async () => {
		for (const name of Object.keys(FORMATS) as FormName[]) images.set(name, await loadImage(sampleImage(name)));
	});

	it.each(Object.entries(FORMATS))('%s is read as %o', (name, expected) => {
		const image = images.get(name)!;
		expect(image.format).toBe(expected.format);
		expect(image.layers.map(layer => layer.compression)).toEqual(Array(5).fill(expected.compression));
	});

	it('every format yields the identical model', () => {
		const reference = storageIndependent(images.get('sample.raw.oci')!);
		for (const [name, image] of images) expect(storageIndependent(image), name).toEqual(reference);
	});

	it('has the known layers, history and config', () => {
		const image = images.get('sample.oci')!;
		expect(image.layers.map(layer => layer.contentSize)).toEqual(known.layerContents);
		expect(image.history).toHaveLength(8);
		expect(image.history.map(step => step.layerIndex)).toEqual([0, 1, 2, 3, 4, null, null, null]);
		expect(image.history[5]).toMatchObject({emptyLayer: true, createdBy: '/bin/sh -c #(nop) ENV APP_MODE=demo'});
		expect(image.layers.map(layer => layer.historyIndex)).toEqual([0, 1, 2, 3, 4]);
		expect(image.layers[4]!.whiteouts).toEqual(['/var/cache/tool/blob']);
		expect(image.config).toMatchObject({cmd: ['/bin/sh', '/app/run.sh'], exposedPorts: ['8080/tcp'], user: ''});
		expect(image.config.env).toContain('APP_MODE=demo');
		expect(image.platform).toEqual({os: 'linux', architecture: 'amd64'});
		// As buildah wrote them: the id is the config's digest, the manifest's the one index.json names.
		const written = layoutFacts('sample.oci');
		expect(image.id).toBe(written.configDigest);
		expect(image.manifestDigest).toBe(written.manifestDigest);
		expect(image.layers.map(layer => layer.diffId)).toEqual(written.config.rootfs.diff_ids);
	});

	it('every format gives identical analysis numbers: dive metrics, reclaimable bytes, findings', () => {
		const numbers = (image: Image) => {
			const {efficiency, waste, findings} = analyseImage(image);
			return {efficiency, waste, findings: findings.filter(f => f.id !== 'unpinned-tag')};
		};
		const reference = numbers(images.get('sample.raw.oci')!);
		expect(reference.efficiency.score).toBe(known.dive.score);
		expect(reference.waste.reclaimableBytes).toBe(known.reclaimableBytes);
		for (const [name, image] of images) expect(numbers(image), name).toEqual(reference);
	});

	it('keeps repo tags where the format has them', () => {
		expect(images.get('sample.docker.tar')!.repoTags).toEqual(['localhost/sample:1']);
		expect(images.get('sample.docker25.tar')!.repoTags).toEqual(['localhost/sample:1']);
		expect(images.get('sample.raw.oci')!.repoTags).toEqual(['localhost/sample:1']);
		expect(images.get('sample.docker.tar')!.manifestDigest).toBeNull();
	});

	it('records stored and uncompressed sizes of each layer', () => {
		// Stored: the blob sizes the gzip layout's manifest states; uncompressed: those of the raw layout's.
		const gzip = images.get('sample.oci')!;
		expect(gzip.layers.map(layer => layer.compressedSize)).toEqual(layoutFacts('sample.oci').layers.map(layer => layer.size));
		expect(gzip.layers.map(layer => layer.size)).toEqual(layoutFacts('sample.raw.oci').layers.map(layer => layer.size));
		expect(gzip.layers.map(layer => layer.compressedSize)).not.toEqual(gzip.layers.map(layer => layer.size));
	});

	it.each(Object.keys(FORMATS) as FormName[])('%s: the final filesystem equals what umoci unpack produces', name => {
		expect(asUnpacked(images.get(name)!)).toEqual(expectedFiles);
	});

	it.each(['sample.docker.tar', 'sample.zstd.oci'] as const)('reads %s on worker threads to the same result', async name => {
		const result = await runCli(['files', '--json', sampleImage(name)], {env: {LAYERSCOPE_WORKERS: '2'}});
		expect(result.stderr).toBe('');
		const lines = result.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines.map(({type, ...rest}) => ({...rest, type: type === 'hardlink' ? 'file' : type}))).toEqual(expectedFiles);
	});

	it('reports a layer error from a worker thread in one line', async () => {
		const {cpSync, mkdtempSync, readdirSync, statSync, writeFileSync, readFileSync: read, rmSync} = await import('node:fs');
		const os = await import('node:os');
		const copy = mkdtempSync(path.join(os.tmpdir(), 'layerscope-worker-'));
		try {
			cpSync(sampleImage('sample.zstd.oci'), copy, {recursive: true});
			const blobs = path.join(copy, 'blobs/sha256');
			const biggest = readdirSync(blobs).map(n => path.join(blobs, n)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
			const bytes = read(biggest);
			bytes.fill(0x11, 3000, 4000);
			writeFileSync(biggest, bytes);
			const result = await runCli(['files', '--no-verify', copy], {env: {LAYERSCOPE_WORKERS: '2'}});
			expect(result.code).toBe(2);
			expect(result.stderr).toMatch(/^layerscope: .*layer 0 .*corrupt zstd data.*\n$/);
		} finally {
			rmSync(copy, {recursive: true, force: true});
		}
	});

	it.each(['sample.docker.tar', 'sample.containerd.tar', 'sample.oci.tar'] as const)('reads %s from stdin with its layers parsed on worker threads, to the same result', async name => {
		const result = await runCli(['files', '--json', '-'], {stdin: createReadStream(sampleImage(name)), env: {LAYERSCOPE_WORKERS: '2'}});
		expect(result.stderr).toBe('');
		const lines = result.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines.map(({type, ...rest}) => ({...rest, type: type === 'hardlink' ? 'file' : type}))).toEqual(expectedFiles);
	});

	it('reports a corrupt layer in a stream parsed on a worker thread in one line, and a cut stream as truncated', async () => {
		const {readFileSync: read} = await import('node:fs');
		const archive = read(sampleImage('sample.containerd.tar'));
		// The biggest gzip layer of the archive: damage its deflate data in the middle. Found by the archive's own headers:
		// blobs lie in digest order, which each build of the images changes, and the first gzip blob may be a small one.
		let [start, size] = [-1, 0];
		for (let header = 0; header + 512 <= archive.length && archive[header] !== 0; ) {
			const length = Number.parseInt(archive.subarray(header + 124, header + 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
			const data = header + 512;
			if (length > size && archive[data] === 0x1f && archive[data + 1] === 0x8b) [start, size] = [data, length];
			header = data + Math.ceil(length / 512) * 512;
		}
		expect(size).toBeGreaterThan(5000);
		const damaged = Buffer.from(archive);
		damaged.fill(0x11, start + 4000, start + 5000);
		const corrupt = await runCli(['--json', '-', '--no-verify'], {stdin: damaged, env: {LAYERSCOPE_WORKERS: '2'}});
		expect(corrupt.code).toBe(2);
		expect(corrupt.stderr).toMatch(/^layerscope: -: layer \d+ \(blobs\/sha256\/[a-f0-9]{64}\): layer is corrupt gzip data.*\n$/);
		const cut = await runCli(['--json', '-'], {stdin: archive.subarray(0, start + 200_000), env: {LAYERSCOPE_WORKERS: '2'}});
		expect(cut.code).toBe(2);
		expect(cut.stderr).toMatch(/^layerscope: -: archive is truncated\n$/);
	});

	it('reads a docker save stream from stdin in one pass', async () => {
		const result = await runCli(['files', '--json', '-'], {stdin: createReadStream(sampleImage('sample.docker.tar'))});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const lines = result.stdout.trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines.map(line => line.path)).toEqual(expectedFiles.map(file => file.path));
	});

	it('reads a gzip-compressed docker save from stdin', async () => {
		const {gzipSync} = await import('node:zlib');
		const bytes = gzipSync(readFileSync(sampleImage('sample.containerd.tar')));
		const result = await runCli(['files', '--json', '-'], {stdin: bytes});
		expect(result.code).toBe(0);
		expect(result.stdout.trim().split('\n')).toHaveLength(expectedFiles.length);
	});

	it('chooses an image by ref name with PATH:REF', async () => {
		const image = await loadImage(sampleImage('sample.raw.oci') + ':localhost/sample:1');
		expect(image.id).toBe(images.get('sample.raw.oci')!.id);
		await expect(loadImage(sampleImage('sample.raw.oci') + ':nope')).rejects.toThrow(/has no image named "nope"; it has "localhost\/sample:1"/);
	});

	it('states the sizes its Containerfile writes, so the known answers follow from them', () => {
		const text = readFileSync(containerfile, 'utf8');
		expect(text).toContain(`of=/var/cache/tool/blob bs=1024 count=${SIZES.cacheBlob / 1024}`);
		expect(text).toContain(`of=/var/lib/apt/lists/pkgs bs=1024 count=${SIZES.packageList / 1024}`);
		const sizeOf = (at: string) => expectedFiles.find(file => file.path === at)?.size;
		expect([sizeOf('/app/data.bin'), sizeOf('/app/.git/pack'), sizeOf('/app/run.sh'), sizeOf('/etc/passwd')]).toEqual([SIZES.dataBin, SIZES.gitPack, SIZES.runSh, SIZES.passwd]);
	});

	it('is built once per Containerfile and script: a second call finds the cache', () => {
		const again = ensureInteropImages();
		expect(again.built).toBe(false);
		expect(again.dir).toBe(path.dirname(sampleImage('sample.oci')));
	});
});
