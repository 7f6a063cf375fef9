import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {loadImage} from '../../source/image/load.js';
import {InputError} from '../../source/errors.js';
import {
	writeBlobDigestMismatch,
	writeCorruptGzipLayer,
	writeCorruptZstdLayer,
	writeDiffIdMismatch,
	writeHostileNamesLayer,
	writeManifestWithUnknownBlob,
	writeMissingBlob,
	writePathEscapeLayer,
	writeTruncatedArchive,
	plainLayer,
} from '../fixtures/bad-inputs.js';
import {writeImage} from '../fixtures/image-writer.js';
import {runCli} from '../helpers/run-cli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-badfix-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;
const out = (name: string) => path.join(scratch, `${counter++}-${name}`);

async function expectInputError(input: string, problem: RegExp, options = {}): Promise<void> {
	const error = await loadImage(input, options).then(() => undefined, (e: unknown) => e);
	expect(error, `${input} should not load`).toBeInstanceOf(InputError);
	expect((error as InputError).input).toBe(input);
	expect((error as Error).message).toMatch(problem);
	expect((error as Error).message).not.toContain('\n');
}

describe('bad images built by the fixtures', () => {
	it.each(['docker-legacy', 'docker25', 'oci-archive'] as const)('%s truncated', async format => {
		const bad = await writeTruncatedArchive({outPath: out(`${format}.tar`), format});
		await expectInputError(bad.path, /truncated/);
	});

	it.each(['deflate', 'crc', 'truncated'] as const)('gzip layer with a broken %s', async damage => {
		const bad = await writeCorruptGzipLayer({outPath: out('gz'), damage});
		await expectInputError(bad.path, /layer 1 .*(corrupt gzip|truncated|unexpected end)/i);
	});

	it.each(['checksum', 'block', 'truncated'] as const)('zstd layer with a broken %s', async damage => {
		const bad = await writeCorruptZstdLayer({outPath: out('zst'), damage});
		await expectInputError(bad.path, /layer 1 .*(corrupt zstd|ended in middle)/i);
	});

	it.each(['layer', 'config', 'manifest'] as const)('a missing %s blob', async which => {
		const bad = await writeMissingBlob({outPath: out('missing'), which});
		await expectInputError(bad.path, /missing/);
	});

	it.each(['layer', 'config'] as const)('a manifest naming a %s blob that does not exist', async which => {
		const bad = await writeManifestWithUnknownBlob({outPath: out('unknown'), which});
		await expectInputError(bad.path, /missing/);
	});

	it('a diff_id that does not match the layer, and --no-verify to read it anyway', async () => {
		const bad = await writeDiffIdMismatch({outPath: out('diffid')});
		await expectInputError(bad.path, /does not match its diff_id.*--no-verify/);
		expect((await loadImage(bad.path, {verify: false})).layers).toHaveLength(2);
	});

	it.each(['layer', 'config'] as const)('a %s blob whose bytes do not match its digest', async which => {
		const bad = await writeBlobDigestMismatch({outPath: out('digest'), which});
		await expectInputError(bad.path, /does not match its digest/);
	});

	it('a layer entry escaping the root with ..', async () => {
		const bad = await writePathEscapeLayer({outPath: out('escape')});
		await expectInputError(bad.path, /escapes the root/);
		const result = await runCli(['files', bad.path]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^layerscope: .*escape.*escapes the root with "\.\."\n$/);
	});
});

describe('hostile names', () => {
	it('are kept exactly in JSON and escaped in text, so they cannot drive the terminal', async () => {
		const bad = await writeHostileNamesLayer({outPath: out('hostile')});
		const json = await runCli(['files', '--json', bad.path]);
		expect(json.code).toBe(0);
		const paths = json.stdout.trim().split('\n').map(line => JSON.parse(line).path as string);
		expect(paths).toContain('/\x1b]0;pwned\x07');
		expect(paths).toContain('/line\nbreak');
		expect(paths).toContain('/' + 'x'.repeat(5000));

		const text = await runCli(['files', bad.path]);
		expect(text.code).toBe(0);
		expect(text.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
		expect(text.stdout).toContain('/\\e]0;pwned\\u{7}');
		expect(text.stdout).toContain('/line\\nbreak');
		expect(text.stdout).toContain('-> \\e[2J\\e[Hcleared');
		expect(text.stdout).toContain('rtl-\\u{202e}txt.exe');
	});
});

describe('odd but valid layers', () => {
	it('skips AUFS bookkeeping entries', async () => {
		const written = await writeImage(
			{layers: [{entries: [...plainLayer('base'), {type: 'dir', path: '.wh..wh.plnk'}, {type: 'file', path: '.wh..wh.plnk/1234.5678', content: 'x'}, {type: 'file', path: '.wh..wh.aufs', content: ''}, {type: 'dir', path: '.wh..wh.orph'}]}]},
			{format: 'oci-dir', outPath: out('aufs')},
		);
		const image = await loadImage(written.path);
		expect([...image.layers[0]!.entries].map(entry => entry.path).filter(p => p.includes('.wh.'))).toEqual([]);
		expect(image.layers[0]!.whiteouts).toEqual([]);
	});

	it('reads the same blob standing for two layers once, and keeps both layers', async () => {
		const layer = {entries: plainLayer('same')};
		const written = await writeImage({layers: [layer, {entries: plainLayer('mid')}, layer]}, {format: 'oci-dir', outPath: out('twice')});
		const image = await loadImage(written.path);
		expect(image.layers).toHaveLength(3);
		expect(image.layers[0]!.digest).toBe(image.layers[2]!.digest);
		expect(image.layers[2]!.entries).toEqual(image.layers[0]!.entries);
		expect(image.layers.map(l => l.index)).toEqual([0, 1, 2]);
	});
});
