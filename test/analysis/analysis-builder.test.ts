import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {AnalysisBuilder, analyseImage} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {writeImage} from '../fixtures/image-writer.js';
import {sampleImage} from '../interop/sample-image.js';
import {runCli} from '../helpers/run-cli.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-builder-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('AnalysisBuilder', () => {
	it('gives the same analysis whatever order the layers arrive in', async () => {
		const image = await loadImage(sampleImage('sample.oci'));
		const reference = analyseImage(image);
		const builder = new AnalysisBuilder();
		for (const index of [3, 0, 4, 2, 1]) builder.add(image.layers[index]!);
		const shuffled = builder.finish(image);
		expect(shuffled.efficiency).toEqual(reference.efficiency);
		expect(shuffled.waste).toEqual(reference.waste);
		expect(shuffled.findings).toEqual(reference.findings);
		expect(shuffled.history.changes.map(changes => [...changes])).toEqual(reference.history.changes.map(changes => [...changes]));
	});

	it('reports a layer no runtime would apply as bad input, naming the layer', async () => {
		const written = await writeImage(
			{layers: [{entries: [{type: 'file', path: 'a', content: 'a'}]}, {entries: [{type: 'hardlink', path: 'b', target: 'missing'}]}]},
			{format: 'oci-dir', outPath: path.join(scratch, 'dangling')},
		);
		for (const args of [[written.path], ['files', written.path]]) {
			const result = await runCli(args);
			expect(result.code).toBe(2);
			expect(result.stderr).toBe(`layerscope: ${written.path}: layer 1: hard link /b points to /missing, which does not exist\n`);
		}
	});
});
