/**
 * `cat` against a second opinion: every regular file of the real interoperability images, in every form, equals
 * the bytes `umoci unpack` writes for it; after layer N, the same for the image cut to its first N+1 layers
 * (a layout written here from sample.oci's own blobs, with the index, manifest and config edited).
 */
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FORMS, sampleImage, type FormName} from '../interop/sample-image.js';
import {fingerprint, openForReading, regularFiles} from './read-back.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cat-interop-'));
/** The layouts umoci can unpack: this Debian's umoci reads gzip and uncompressed layers, not zstd (those forms are held to sample.oci's unpack). */
const LAYOUTS = (Object.keys(FORMS) as FormName[]).filter(name => FORMS[name].format === 'oci-layout' && FORMS[name].compression !== 'zstd');

function refOf(layout: string): string {
	const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
	return index.manifests[0].annotations['org.opencontainers.image.ref.name'];
}

/** `umoci unpack` of a layout: its root filesystem's regular files. */
function unpack(layout: string, name: string): Map<string, string> {
	const bundle = path.join(scratch, `bundle-${name}`);
	execFileSync('umoci', ['unpack', '--image', `${layout}:${refOf(layout)}`, bundle], {stdio: 'pipe'});
	return regularFiles(path.join(bundle, 'rootfs'));
}

function blobPath(layout: string, digest: string): string {
	return path.join(layout, 'blobs', ...digest.split(':'));
}

/** sample.oci cut to its first `count` layers: the same blobs, a config with that many diff_ids (and the history that made them), a manifest listing them. */
function truncatedLayout(layout: string, count: number): string {
	const out = path.join(scratch, `truncated-${count}`);
	mkdirSync(path.join(out, 'blobs/sha256'), {recursive: true});
	const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
	const manifest = JSON.parse(readFileSync(blobPath(layout, index.manifests[0].digest), 'utf8'));
	const config = JSON.parse(readFileSync(blobPath(layout, manifest.config.digest), 'utf8'));
	const write = (bytes: Buffer) => {
		const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
		writeFileSync(blobPath(out, digest), bytes);
		return {digest, size: bytes.length};
	};
	const layers = manifest.layers.slice(0, count);
	for (const layer of layers) copyFileSync(blobPath(layout, layer.digest), blobPath(out, layer.digest));
	let seen = 0;
	const history = (config.history ?? []).filter((step: {empty_layer?: boolean}) => (step.empty_layer ? seen < count : ++seen <= count));
	const newConfig = write(Buffer.from(JSON.stringify({...config, rootfs: {type: 'layers', diff_ids: config.rootfs.diff_ids.slice(0, count)}, history})));
	const newManifest = write(Buffer.from(JSON.stringify({...manifest, config: {...manifest.config, ...newConfig}, layers})));
	writeFileSync(path.join(out, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}));
	writeFileSync(path.join(out, 'index.json'), JSON.stringify({schemaVersion: 2, manifests: [{mediaType: index.manifests[0].mediaType, ...newManifest, annotations: {'org.opencontainers.image.ref.name': 'cut'}}]}));
	return out;
}

const unpacked = new Map<string, Map<string, string>>();
let layerCount = 0;

beforeAll(() => {
	for (const name of LAYOUTS) unpacked.set(name, unpack(sampleImage(name), name));
	const index = JSON.parse(readFileSync(path.join(sampleImage('sample.oci'), 'index.json'), 'utf8'));
	layerCount = JSON.parse(readFileSync(blobPath(sampleImage('sample.oci'), index.manifests[0].digest), 'utf8')).layers.length;
	for (let count = 1; count < layerCount; count++) unpacked.set(`cut-${count}`, unpack(truncatedLayout(sampleImage('sample.oci'), count), `cut-${count}`));
}, 120_000);

afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('cat equals umoci unpack, file for file', () => {
	it('the layout forms unpack to the same files (so one unpack can judge the tar forms)', () => {
		const reference = unpacked.get('sample.oci')!;
		expect(reference.size).toBeGreaterThan(5);
		for (const name of LAYOUTS) expect(unpacked.get(name)).toEqual(reference);
	});

	it.each(Object.keys(FORMS) as FormName[])('%s: every regular file after the last layer', async name => {
		const expected = unpacked.get(name) ?? unpacked.get('sample.oci')!;
		const opened = await openForReading(sampleImage(name));
		try {
			for (const [file, bytes] of expected) expect(fingerprint(await opened.cat(file)), file).toBe(bytes);
		} finally {
			await opened.close();
		}
	}, 60_000);

	it.each(Object.keys(FORMS) as FormName[])('%s: --layer N equals the image cut to its first N+1 layers', async name => {
		const opened = await openForReading(sampleImage(name));
		try {
			expect(opened.image.layers).toHaveLength(layerCount);
			for (let layer = 0; layer < layerCount - 1; layer++) {
				const expected = unpacked.get(`cut-${layer + 1}`)!;
				expect(expected.size).toBeGreaterThan(0);
				for (const [file, bytes] of expected) expect(fingerprint(await opened.cat(file, layer)), `${file} after layer ${layer}`).toBe(bytes);
			}
		} finally {
			await opened.close();
		}
	}, 60_000);
});
