/**
 * Issue 13: `diff A B` reads both images at once, and a blob both hold (a shared base) once. Two builds
 * on one base in the distribution registry, behind the counting proxy: a cold diff downloads each shared
 * layer once; with --no-cache, twice (each image's copy read and checked); the comparison is the same.
 */
import {appendFileSync, cpSync, mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {WrittenImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {expectOneLineError} from '../helpers/expect-error.js';
import {runCli} from '../helpers/run-cli.js';
import type {FaultProxy} from '../helpers/servers/fault-proxy.js';
import {blobBytesSent, patternBytes, startTwoBuilds, type TwoBuilds} from '../helpers/servers/two-builds.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-shared-reads-'));
let builds: TwoBuilds;
let proxy: FaultProxy;
let first: WrittenImage;
let second: WrittenImage;

const bytes = patternBytes;
const layers = (app: string): Array<{entries: EntrySpec[]}> => [
	{entries: [{type: 'file', path: 'base/lib.so', content: bytes(400_000, 1)}]},
	{entries: [{type: 'file', path: 'usr/bin/tool', content: bytes(300_000, 2)}]},
	{entries: [{type: 'file', path: 'app/main.js', content: `console.log(${JSON.stringify(app)});\n`.repeat(app === '1' ? 1 : 3)}]},
];

beforeAll(async () => {
	builds = await startTwoBuilds(scratch, layers);
	({proxy, first, second} = builds);
}, 120_000);

afterAll(async () => {
	await builds?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

/** A diff of the two tags through the proxy, with a fresh cache: the report and the bytes sent per layer blob. */
async function diff(extra: string[] = []): Promise<{report: any; blobs: Map<string, number>}> {
	proxy.sent.length = 0;
	const result = await runCli(['diff', `registry://${proxy.host}/app:1`, `registry://${proxy.host}/app:2`, '--insecure', '--json', ...extra], {env: {LAYERSCOPE_CACHE_DIR: mkdtempSync(path.join(scratch, 'cache-'))}});
	expect(result.code, result.stderr).toBe(0);
	const blobs = blobBytesSent(proxy, new Set([...first.layerDigests, ...second.layerDigests]));
	return {report: JSON.parse(result.stdout), blobs};
}

describe('diff A B on two builds of one base', () => {
	it('downloads each shared layer once, and with --no-cache once per image; the comparison is the same', async () => {
		expect(second.layerDigests.slice(0, 2)).toEqual(first.layerDigests.slice(0, 2));
		const size = (image: WrittenImage, index: number) => image.layerSizes[index]!.compressed;
		const once = await diff();
		expect(once.blobs).toEqual(new Map([[first.layerDigests[0]!, size(first, 0)], [first.layerDigests[1]!, size(first, 1)], [first.layerDigests[2]!, size(first, 2)], [second.layerDigests[2]!, size(second, 2)]]));
		const twice = await diff(['--no-cache']);
		expect(twice.blobs.get(first.layerDigests[0]!)).toBe(2 * size(first, 0));
		expect(twice.blobs.get(first.layerDigests[1]!)).toBe(2 * size(first, 1));
		expect(once.report.layers.shared).toBe(2);
		for (const part of ['layers', 'files', 'bytes', 'directories', 'config', 'findings'] as const) expect(once.report[part], part).toEqual(twice.report[part]);
	}, 120_000);
});

describe('a blob B shares with A but holds damaged', () => {
	it('is read from B itself, and B is refused, as it would be alone', async () => {
		const dir = mkdtempSync(path.join(scratch, 'damaged-'));
		const b = path.join(dir, 'second');
		cpSync(second.path, b, {recursive: true});
		// The shared base blob, with bytes appended: its digest's bytes no longer.
		appendFileSync(path.join(b, second.where.layers[0]!), Buffer.from('tampered'));
		const alone = await runCli([b, '--json'], {env: {LAYERSCOPE_CACHE_DIR: mkdtempSync(path.join(dir, 'cache-'))}});
		expect(alone.code).toBe(2);
		const result = await runCli(['diff', first.path, b, '--json'], {env: {LAYERSCOPE_CACHE_DIR: mkdtempSync(path.join(dir, 'cache-'))}});
		expectOneLineError(result, b, /: layer 0 \(blobs\/sha256\/[0-9a-f]{64}\): /);
	});
});
