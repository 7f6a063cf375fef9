import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {WrittenImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {runCli} from '../helpers/run-cli.js';
import type {FaultProxy} from '../helpers/servers/fault-proxy.js';
import {blobBytesSent, patternBytes, startTwoBuilds, type TwoBuilds} from '../helpers/servers/two-builds.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-cache-registry-'));
let builds: TwoBuilds;
let proxy: FaultProxy;
let first: WrittenImage;
let second: WrittenImage;

const bytes = patternBytes;

/** Three large shared layers and a small last one that differs: a new build on the same base. */
function layers(app: string): Array<{entries: EntrySpec[]}> {
	return [
		{entries: [{type: 'file', path: 'base/lib.so', content: bytes(400_000, 1)}]},
		{entries: [{type: 'file', path: 'usr/bin/tool', content: bytes(300_000, 2)}, {type: 'file', path: 'var/cache/apt/pkg.deb', content: bytes(100_000, 3)}]},
		{entries: [{type: 'file', path: 'srv/data.bin', content: bytes(200_000, 4)}]},
		{entries: [{type: 'file', path: 'app/main.js', content: `console.log(${JSON.stringify(app)});\n`}]},
	];
}

beforeAll(async () => {
	builds = await startTwoBuilds(scratch, layers);
	({proxy, first, second} = builds);
}, 120_000);

afterAll(async () => {
	await builds?.stop();
	rmSync(scratch, {recursive: true, force: true});
});

/** Runs against the registry through the counting proxy; returns the report and the blob bytes it sent, by digest. */
async function fromRegistry(tag: string, cache: string, extra: string[] = []): Promise<{report: string; blobs: Map<string, number>}> {
	proxy.sent.length = 0;
	const result = await runCli([`registry://${proxy.host}/app:${tag}`, '--insecure', '--json', ...extra], {env: {LAYERSCOPE_CACHE_DIR: cache}});
	expect(result.stderr).toBe('');
	expect(result.code).toBe(0);
	const blobs = blobBytesSent(proxy);
	return {report: result.stdout, blobs};
}

describe('a registry image whose layers are cached', () => {
	it('downloads only the layer the cache lacks, and reports as a cold run does', async () => {
		expect(second.diffIds.slice(0, 3)).toEqual(first.diffIds.slice(0, 3));
		const cache = path.join(scratch, 'cache');
		const layerBytes = (image: WrittenImage, index: number) => image.layerSizes[index]!.compressed;

		const cold = await fromRegistry('1', cache);
		expect(new Map([...cold.blobs].filter(([digest]) => digest !== first.configDigest))).toEqual(new Map(first.layerDigests.map((digest, index) => [digest, layerBytes(first, index)])));

		// The next build: its config (which names the diff_ids) and its one new layer, nothing else.
		const next = await fromRegistry('2', cache);
		expect(next.blobs).toEqual(new Map([[second.configDigest, next.blobs.get(second.configDigest)!], [second.layerDigests[3]!, layerBytes(second, 3)]]));
		const downloaded = [...next.blobs.values()].reduce((sum, size) => sum + size, 0);
		const total = second.layerSizes.reduce((sum, size) => sum + size.compressed, 0);
		expect(downloaded).toBeLessThan(total / 10);
		const nextCold = await fromRegistry('2', path.join(scratch, 'unused'), ['--no-cache']);
		expect(next.report).toBe(nextCold.report);

		// Run again: every layer cached, only the config comes.
		const again = await fromRegistry('2', cache);
		expect([...again.blobs.keys()]).toEqual([second.configDigest]);
		expect(again.report).toBe(nextCold.report);
	}, 120_000);
});
