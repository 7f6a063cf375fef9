/**
 * Issue 13: a diff's two analyses stack the layers their images share once. The second image's analysis
 * goes on from a copy of the first's builder (AnalysisBuilder.copyAt), and must be exactly the analysis a
 * builder of its own makes; the first, going on after the copy, must be unchanged by it. SharedStacking
 * hands the copy over, and never makes a side wait for one that will not come.
 */
import {describe, expect, it} from 'vitest';
import {AnalysisBuilder, analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {SharedStacking} from '../../source/analysis/shared-stacking.js';
import type {Layer} from '../../source/model.js';
import {ApplyError} from '../../source/tree/apply-error.js';
import {prng} from '../fixtures/random.js';
import {modelImage} from '../ui/model-image.js';
import {modelLayer, randomLayer} from './layers.js';
import {said} from './said.js';

/** A layer any runtime applies: one file of its own. */
const plain = (index: number) => modelLayer(index, [{path: `/f${index}`, size: 10 * (index + 1)}]);

/** The analysis of `layers` by a builder of its own, or null when no runtime would apply them. */
function alone(layers: Layer[]): Analysis | null {
	try {
		return analyseImage(modelImage(layers));
	} catch (error) {
		if (error instanceof ApplyError) return null;
		throw error;
	}
}

describe('AnalysisBuilder.copyAt', () => {
	it('goes on from the shared layers to exactly the analysis a builder of its own makes, and leaves the first unchanged', () => {
		let checked = 0;
		for (let seed = 1; seed <= 3000; seed++) {
			const random = prng(seed);
			const shared = 1 + Math.floor(random() * 4);
			const base = Array.from({length: shared}, (_, index) => randomLayer(random, index));
			const own = (count: number) => Array.from({length: count}, (_, i) => randomLayer(random, shared + i));
			const layersA = [...base, ...own(Math.floor(random() * 3))];
			const layersB = [...base, ...own(1 + Math.floor(random() * 3))];
			const [expectedA, expectedB] = [alone(layersA), alone(layersB)];
			if (!expectedA || !expectedB) continue;
			const builder = new AnalysisBuilder();
			let copy: AnalysisBuilder | null | undefined;
			builder.copyAt(shared, make => (copy = make && make()));
			// Layers arrive in any order: the copy is made when exactly the shared ones are stacked.
			for (const index of layersA.map((_, index) => index).sort(() => random() - 0.5)) builder.add(layersA[index]!);
			const gotA = builder.finish(modelImage(layersA));
			expect(copy, `seed ${seed}`).toBeInstanceOf(AnalysisBuilder);
			expect(copy!.stacked).toBe(shared);
			// The copy's own layers come with the shared ones again, as a load hands them over: those pass.
			for (const layer of layersB) copy!.add(layer);
			const gotB = copy!.finish(modelImage(layersB));
			expect(said(gotB), `seed ${seed}`).toEqual(said(expectedB));
			expect(said(gotA), `seed ${seed}`).toEqual(said(expectedA));
			checked++;
		}
		expect(checked).toBeGreaterThan(250);
	});

	it('gives no copy once the builder is past the layers asked for, or when the image has fewer', () => {
		const layers = [plain(0), plain(1)];
		const past = new AnalysisBuilder();
		for (const layer of layers) past.add(layer);
		const answers: unknown[] = [];
		past.copyAt(1, make => answers.push(make));
		past.copyAt(2, make => answers.push(make && make().stacked));
		expect(answers).toEqual([null, 2]);
		const short = new AnalysisBuilder();
		short.copyAt(5, make => answers.push(make));
		for (const layer of layers) short.add(layer);
		expect(answers).toHaveLength(2);
		short.finish(modelImage(layers));
		expect(answers).toEqual([null, 2, null]);
	});
});

describe('SharedStacking', () => {
	const ids = (...names: string[]) => names.map(name => `sha256:${name}`);
	const fresh = () => new AnalysisBuilder();

	it("hands side 1 a copy of side 0's builder at the layers both start with", async () => {
		const stacking = new SharedStacking();
		stacking.configured(0, ids('a', 'b', 'c'));
		stacking.configured(1, ids('a', 'b', 'd'));
		expect(await stacking.sharedLayers()).toBe(2);
		const first = await stacking.builder(0, fresh);
		const second = stacking.builder(1, fresh);
		// Layers come after I/O: by then side 0 has asked for the copy.
		await new Promise(resolve => setImmediate(resolve));
		for (let index = 0; index < 3; index++) first.add(plain(index));
		expect((await second).stacked).toBe(2);
	});

	it('gives side 1 a builder of its own when nothing is shared, when side 0 stacks nothing, or when side 1 stacks nothing', async () => {
		const none = new SharedStacking();
		none.configured(0, ids('a'));
		none.configured(1, ids('b'));
		await none.builder(0, fresh);
		expect((await none.builder(1, fresh)).stacked).toBe(0);

		// Side 0's facts came from the cache: it withdraws, and side 1 does not wait for it.
		const hit = new SharedStacking();
		hit.configured(0, ids('a'));
		hit.configured(1, ids('a'));
		hit.withdraw(0);
		expect((await hit.builder(1, fresh)).stacked).toBe(0);
		expect(await hit.sharedLayers()).toBe(1);

		// Side 1 withdraws before side 0 builds: side 0 offers no copy (and nothing waits).
		const gone = new SharedStacking();
		gone.configured(0, ids('a'));
		gone.withdraw(1);
		expect(await gone.sharedLayers()).toBe(0);
		const builder = await gone.builder(0, fresh);
		builder.add(plain(0));
		expect(builder.stacked).toBe(1);
	});

	it('counts no shared layers for a side that stacks without a verified config', async () => {
		const stacking = new SharedStacking();
		stacking.configured(1, ids('a'));
		// Side 0 asks for its builder before saying its diff_ids (a --no-verify load, or no config): it withdraws.
		await stacking.builder(0, fresh);
		expect(await stacking.sharedLayers()).toBe(0);
		expect((await stacking.builder(1, fresh)).stacked).toBe(0);
	});
});
