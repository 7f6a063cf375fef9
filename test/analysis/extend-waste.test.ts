/**
 * Issue 12: a next build whose new layers kill nothing and only add takes its waste from the kept one
 * (extendWaste): the dead files and kills as they were, copies grouped again only for the digests the new
 * files hold. Wherever it does, the report must be exactly wasteReport's; anything else, the full pass.
 */
import {describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import {FinalFiles} from '../../source/analysis/final-files.js';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import {extendWaste, keepWaste, wasteKept, wasteReport} from '../../source/analysis/waste.js';
import type {Layer, LayerEntry} from '../../source/model.js';
import {modelImage} from '../ui/model-image.js';
import {modelLayer} from './layers.js';
import {said} from './said.js';
import {asKept, goneOn, keptAfter, nextBuildOf} from './kept-state.js';

const PATHS = ['/a', '/b', '/d/x', '/d/y', '/d/e/z', '/s/q', '/t'];
/** Contents 0 and 1 share their digests' first 32 bits (one key, two digests); 4 is a digest that is not hex. */
const DIGESTS = ['ab12cd34' + '0'.repeat(56), 'ab12cd34' + '1'.repeat(56), 'ef56ab78' + '2'.repeat(56), 'ef56ab79' + '3'.repeat(56), 'not-hex'];

function randomLayer(random: () => number, index: number, kind: 'base' | 'top'): Layer {
	const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
	const entries: Array<Partial<LayerEntry> & {path: string}> = [];
	for (let i = 1 + Math.floor(random() * 5); i > 0; i--) {
		const roll = random();
		// New paths, some below what may be a symlink, a file or a directory in the base (no walk goes below a symlink).
		const path = kind === 'top' && roll < 0.5 ? `/n${index}/${pick(['a', 'b', 'c', 'd'])}` : kind === 'top' && roll < 0.6 ? `${pick(['/a', '/t', '/d/x', '/s'])}/n${index}` : pick(PATHS);
		if (roll > 0.9) entries.push({path, type: 'hardlink', linkTarget: pick(PATHS)});
		else if (roll > 0.84) entries.push({path, type: 'symlink', linkTarget: pick(['/a', 'd', 'nowhere'])});
		else if (roll > 0.78) entries.push({path: pick(['/d', '/d/e', '/s', '/n9']), type: 'dir', mode: pick([0o755, 0o700])});
		else entries.push({path, size: Math.floor(random() * 3) * 100, digest: pick(DIGESTS)});
	}
	const whiteouts = random() < (kind === 'base' ? 0.3 : 0.08) ? [pick(PATHS)] : [];
	return modelLayer(index, entries, whiteouts);
}

const stack = (seed: number) => nextBuildOf(seed, randomLayer);

describe('waste extended from a kept report', () => {
	it('is exactly the full report wherever the new layers killed nothing and only added; else the full pass is made', () => {
		let extended = 0;
		let regrouped = 0;
		let refused = 0;
		let named = 0;
		for (let seed = 1; seed <= 6000; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const baseHistory = buildLayerHistory(made.base);
			const base = wasteKept(modelImage(made.base), baseHistory, new FinalFiles(baseHistory.final));
			const kept = keepWaste(base.report, baseHistory, base.copyKeys);
			const history = buildLayerHistory(made.all);
			const finalFiles = new FinalFiles(history.final);
			const fast = extendWaste(kept, modelImage(made.all), history, made.base.length);
			if (!fast) {
				refused++;
				continue;
			}
			const full = wasteKept(modelImage(made.all), history, finalFiles);
			expect(fast.report, `seed ${seed}`).toEqual(full.report);
			expect(full.report, `seed ${seed}`).toEqual(wasteReport(modelImage(made.all), history, finalFiles));
			// And the copy keys for the build after it: the whole walk's.
			expect(fast.copyKeys, `seed ${seed}`).toEqual(full.copyKeys);
			extended++;
			const keptPairs = new Set(kept.copyKeys);
			const keptKeys = new Set(Array.from(kept.copyKeys, pair => pair >> 32n));
			if (Array.from(fast.copyKeys).some(pair => !keptPairs.has(pair) && keptKeys.has(pair >> 32n))) {
				// Kept keys that name paths this stack lacks: the run a new file's key falls in is refused, never read.
				const wrong = BigUint64Array.from(kept.copyKeys, pair => (pair >> 32n << 32n) | BigInt(history.final.paths.size + 7));
				expect(extendWaste({...kept, copyKeys: wrong}, modelImage(made.all), history, made.base.length), `seed ${seed}`).toBeNull();
				named++;
			}
			if (JSON.stringify(full.report.copies) !== JSON.stringify(kept.copies)) regrouped++;
		}
		expect(extended).toBeGreaterThan(500);
		expect(regrouped).toBeGreaterThan(200);
		expect(refused).toBeGreaterThan(500);
		expect(named).toBeGreaterThan(200);
	});

	it('a builder resumed from a kept state goes on from its waste, to exactly the analysis of the whole image', () => {
		let checked = 0;
		for (let seed = 1; seed <= 1500; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const state = keptAfter(made.base);
			expect(state.waste, `seed ${seed}`).toBeDefined();
			expect(said(goneOn(state, made.base.length, made.all).analysis), `seed ${seed}`).toEqual(said(analyseImage(modelImage(made.all))));
			checked++;
		}
		expect(checked).toBeGreaterThan(300);
	});

	it('a kept waste that does not hold together is left out of the state, which is still taken up', () => {
		let made = null;
		for (let seed = 1; !made || buildLayerHistory(made.base).deaths.length < 2; seed++) made = stack(seed);
		const good = keptAfter(made!.base);
		const spoil = (edit: (waste: any) => void) => {
			const copy = structuredClone(good);
			edit(copy.waste);
			return asKept(copy);
		};
		expect(spoil(() => {})!.waste).toBeDefined();
		for (const edit of [
			(w: any) => (w.fileOrder = Int32Array.from(w.fileOrder, (at: number) => (at === 0 ? good.history.deaths.length : at))),
			(w: any) => (w.fileOrder = Int32Array.from(w.fileOrder, () => 0)),
			(w: any) => (w.fileOrder = w.fileOrder.subarray(1)),
			(w: any) => (w.fileOrder = [0]),
			(w: any) => (w.byCause = {...w.byCause, removed: -1}),
			(w: any) => (w.byCause = {...w.byCause, other: 1}),
			(w: any) => (w.byLayer = [{layer: 0, storedDeadBytes: 0, killedBytes: 0, killedBy: [], kills: [{cause: 'lost', bytes: 1, storedIn: []}]}]),
			(w: any) => (w.copies = [{digest: 'x', size: 1, paths: [1], extraBytes: 1}]),
			(w: any) => (w.byLayer = null),
			(w: any) => (w.copyKeys = Int32Array.from([1, 2])),
			(w: any) => (w.copyKeys = BigUint64Array.from([5n << 32n, 3n << 32n])),
			(w: any) => (w.copyKeys = BigUint64Array.from([5n, 5n])),
		]) {
			const state = spoil(edit);
			expect(state).not.toBeNull();
			expect(state!.waste, String(edit)).toBeUndefined();
		}
	});
});
