import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {noise} from '../fixtures/bad-inputs.js';
import {writeImage} from '../fixtures/image-writer.js';
import {runCli} from '../helpers/run-cli.js';

/** Errors that say what is wrong, not something near it. */
let scratch: string;
beforeAll(() => {
	scratch = mkdtempSync(path.join(tmpdir(), 'layerscope-wording-'));
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const oneLine = (result: {code: number | null; stderr: string}) => {
	expect(result.code).toBe(2);
	expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
	return result.stderr.trimEnd();
};

const layer = {entries: [{type: 'file' as const, path: 'etc/hostname', content: 'x\n'}]};

describe('error wording', () => {
	it('a directory that holds layouts names them', async () => {
		const dir = path.join(scratch, 'images');
		await writeImage({layers: [layer]}, {format: 'oci-dir', outPath: path.join(dir, 'app.oci')});
		await writeImage({layers: [layer]}, {format: 'oci-dir', outPath: path.join(dir, 'base')});
		writeFileSync(path.join(dir, 'notes.txt'), 'not a layout');
		expect(oneLine(await runCli([dir]))).toBe(`layerscope: ${dir}: is a directory but not an OCI image layout (no index.json); it holds 2: app.oci, base (give one of them)`);
	});

	it('an empty directory says only what it is not', async () => {
		const dir = path.join(scratch, 'empty');
		mkdirSync(dir);
		expect(oneLine(await runCli([dir]))).toBe(`layerscope: ${dir}: is a directory but not an OCI image layout (no index.json)`);
	});

	it('a file that is no archive names every kind of archive that is read', async () => {
		const file = path.join(scratch, 'random.bin');
		writeFileSync(file, noise(3000));
		expect(oneLine(await runCli([file]))).toBe(`layerscope: ${file}: not an image: neither a tar archive nor a gzip- or zstd-compressed one (and not an OCI layout directory)`);
	});

	it('a few bytes on standard input are not an archive, rather than a truncated one', async () => {
		expect(oneLine(await runCli(['-'], {stdin: Buffer.from('hello\n')}))).toBe('layerscope: -: not a tar archive (it ends before its first 512-byte header)');
	});
});
