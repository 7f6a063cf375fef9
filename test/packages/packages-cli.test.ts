import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {writeImage, type WrittenImage} from '../fixtures/image-writer.js';
import {runCli} from '../helpers/run-cli.js';
import {repoRoot} from '../helpers/paths.js';
import {dpkgDatabase, file} from './databases.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-packages-cli-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const hostile = 'evil\x1b[31mred';
const layers = [
	[file('usr/bin/tool', 300), file('usr/bin/old', 40), ...dpkgDatabase([{name: 'tool', version: '1.0', files: ['/usr/bin/tool']}, {name: 'old', version: '9', files: ['/usr/bin/old']}])],
	[file('usr/bin/tool', 320), file('usr/bin/x', 7), file('app/data', 1000), {type: 'whiteout' as const, path: 'usr/bin/old'}, {type: 'whiteout' as const, path: 'var/lib/dpkg/info/old.list'}, ...dpkgDatabase([{name: 'tool', version: '1.1', files: ['/usr/bin/tool']}, {name: hostile, version: '1', files: ['/usr/bin/x', '/usr/bin/not-there']}])],
];

let oci: WrittenImage;
let archive: WrittenImage;
beforeAll(async () => {
	oci = await writeImage({layers: layers.map(entries => ({entries}))}, {format: 'oci-dir', outPath: path.join(scratch, 'oci')});
	archive = await writeImage({layers: layers.map(entries => ({entries}))}, {format: 'oci-archive', outPath: path.join(scratch, 'image.tar')});
});

describe('layerscope packages', () => {
	it('prints one line per package version, largest first, names escaped, then the unowned bytes; notes on stderr', async () => {
		const result = await runCli(['packages', oci.path]);
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines).toHaveLength(5);
		expect(lines[0]).toMatch(/^ +320 +dead 0 +1 files {2}layer 1 {3}deb {4}tool 1\.1 amd64$/);
		expect(lines[1]).toMatch(/^ +7 +dead 0 +1 files {2}layer 1 {3}deb {4}evil\\e\[31mred 1 amd64$/);
		expect(lines[2]).toMatch(/^ +0 +dead 300 +0 files {2}layer 0 {3}deb {4}tool 1\.0 amd64 {2}upgraded to 1\.1 in layer 1$/);
		expect(lines[3]).toMatch(/^ +0 +dead 40 +0 files {2}layer 0 {3}deb {4}old 9 amd64 {2}removed in layer 1$/);
		expect(lines[4]).toMatch(/^ +\d+ unowned \(layer 0: \d+, layer 1: \d+\)$/);
		expect(result.stdout).not.toContain('\x1b');
		expect(result.stderr).toBe('layerscope: note: 1 file listed by 1 deb package is in no layer of the final filesystem ("evil\\e[31mred")\n');
	});

	it('--layer N: the packages as they stand after layer N', async () => {
		const result = await runCli(['packages', oci.path, '--layer', '0']);
		expect(result.code).toBe(0);
		expect(result.stdout.split('\n').filter(line => / deb /.test(line)).map(line => line.replace(/^.* deb +/, ''))).toEqual(['tool 1.0 amd64', 'old 9 amd64']);
		const bad = await runCli(['packages', oci.path, '--layer', '5']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/--layer must be between 0 and 1/);
	});

	it('--json: one document; the same from standard input, read once by worker threads, as from a directory', async () => {
		const fromDirectory = await runCli(['packages', oci.path, '--json']);
		const document = JSON.parse(fromDirectory.stdout);
		expect(document.packages.map((record: {name: string; version: string}) => `${record.name} ${record.version}`)).toEqual(['tool 1.1', `${hostile} 1`, 'tool 1.0', 'old 9']);
		expect(document.unownedBytes).toBe(document.unownedByLayer[0] + document.unownedByLayer[1]);
		const fromStdin = await runCli(['packages', '-', '--json'], {stdin: readFileSync(archive.path), env: {LAYERSCOPE_WORKERS: '2'}});
		expect(fromStdin.code).toBe(0);
		expect(JSON.parse(fromStdin.stdout)).toEqual(document);
	});

	it('the analysis report carries packages and unowned bytes, valid against the schema; a second run reads them from the layer cache', async () => {
		const schema = JSON.parse(readFileSync(path.join(repoRoot, 'source/report/report.schema.json'), 'utf8'));
		const validate = new Ajv({allErrors: true, strict: true}).compile(schema);
		const cache = path.join(scratch, 'cache');
		const cold = JSON.parse((await runCli([oci.path, '--json'], {env: {LAYERSCOPE_CACHE_DIR: cache}})).stdout);
		const warm = JSON.parse((await runCli([oci.path, '--json'], {env: {LAYERSCOPE_CACHE_DIR: cache}})).stdout);
		expect(validate(cold), JSON.stringify(validate.errors)).toBe(true);
		expect(cold.packages).toHaveLength(4);
		expect(cold.packages[0]).toEqual({ecosystem: 'deb', name: 'tool', version: '1.1', architecture: 'amd64', bytes: 320, files: 1, layer: 1, deadBytes: 0, missingFiles: 0});
		expect(warm.packages).toEqual(cold.packages);
		expect(warm.unownedBytes).toBe(cold.unownedBytes);
		cold.packages[0].ecosystem = 'snap';
		expect(validate(cold)).toBe(false);
	});
});
