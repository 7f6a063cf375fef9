/**
 * Issue 12: a next build that only adds files takes its packages from the kept ones (extendPackages)
 * instead of a pass over the final filesystem. Wherever it does, the report must be exactly the one
 * attributePackages makes of the whole image; a layer that could change a package must send it back
 * to the full pass.
 */
import {describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import {FinalFiles} from '../../source/analysis/final-files.js';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import type {Layer, LayerEntry, PackageFiles} from '../../source/model.js';
import {attributeKept, attributePackages, extendPackages} from '../../source/packages/attribute.js';
import {modelLayer} from '../analysis/layers.js';
import {said} from '../analysis/said.js';
import {asKept, goneOn, goneOnCompleting, keptAfter, keptMidway, nextBuildOf} from '../analysis/kept-state.js';
import {modelImage} from '../ui/model-image.js';
import {dpkgStatus, type DebPackage} from './databases.js';

/** Paths packages list and layers write: a few directories, names that repeat across them, an npm package's directory, an rpm database's name. */
const PATHS = ['/usr/bin/a', '/usr/bin/b', '/usr/lib/a', '/usr/lib/c', '/opt/x/a', '/opt/x/d', '/srv/c', '/srv/e', '/app/node_modules/m/index.js', '/app/node_modules/m/f', '/app/g', '/var/lib/rpm/Packages'];
const LINKS = ['/bin', '/lib'];

function database(packages: DebPackage[], npm: boolean): PackageFiles {
	const files: Array<[string, string]> = [['/var/lib/dpkg/status', dpkgStatus(packages)], ...packages.map((item): [string, string] => [`/var/lib/dpkg/info/${item.name}.list`, ['/.', ...item.files].join('\n') + '\n'])];
	if (npm) files.push(['/app/node_modules/m/package.json', '{"name":"m","version":"1.0.0"}']);
	const bytes = Buffer.concat(files.map(([, text]) => Buffer.from(text)));
	let end = 0;
	return {paths: files.map(([path]) => path), bytes, ends: Uint32Array.from(files, ([, text]) => (end += Buffer.byteLength(text))), notes: []};
}

/** A layer of files at some of PATHS (and, with `db`, the dpkg database listing some of them, some it never writes), whiteouts now and then. */
function randomLayer(random: () => number, index: number, kind: 'base' | 'top'): Layer {
	const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
	const entries: Array<Partial<LayerEntry> & {path: string}> = [];
	for (let i = 1 + Math.floor(random() * (kind === 'base' ? 6 : 3)); i > 0; i--) {
		const roll = random();
		if (kind === 'top' && roll > 0.8 && roll < 0.88) {
			// A directory declared again: one the base has (kept as it is, or another mode), or one in the place of a file.
			entries.push({path: pick(['/usr', '/usr/bin', '/app', '/opt/x', '/empty', '/srv/c', '/bin', '/lib']), type: 'dir', mode: pick([0o755, 0o700])});
			continue;
		}
		const path = kind === 'top' && roll < 0.5 ? `/new${index}/${pick(['a', 'h', 'c', 'z', 'Packages', 'x'])}` : kind === 'top' && roll < 0.6 ? pick(['/empty', '/app/node_modules/m/new', '/app/node_modules/m/sub/new']) : pick(PATHS);
		if (kind === 'top' && roll > 0.93) entries.push({path, type: 'symlink', linkTarget: '/usr/bin/a'});
		else if (kind === 'top' && roll > 0.88) entries.push({path, type: 'hardlink', linkTarget: '/usr/bin/a'});
		else entries.push({path, size: 1 + Math.floor(random() * 5) * 100, digest: `c${Math.floor(random() * 4)}`});
	}
	if (kind === 'base' && random() < 0.5) entries.push({path: pick(LINKS), type: 'symlink', linkTarget: 'usr' + pick(LINKS)});
	const npm = kind === 'base' && random() < 0.4;
	if (npm) entries.push({path: '/app/node_modules/m/package.json', size: 30, digest: 'pkg'});
	// A directory a package lists and nothing fills: a later file in its place changes that package and kills nothing.
	if (kind === 'base' && random() < 0.5) entries.push({path: '/empty', type: 'dir'});
	const whiteouts = random() < (kind === 'base' ? 0.3 : 0.1) ? [pick(PATHS)] : [];
	const layer = modelLayer(index, entries, whiteouts);
	const withDb = npm || (kind === 'base' ? random() < 0.7 : random() < 0.1);
	if (!withDb) return layer;
	const packages: DebPackage[] = Array.from({length: 1 + Math.floor(random() * 3)}, (_, n) => ({
		name: `p${n}`,
		version: `1.${Math.floor(random() * 2)}`,
		// Listed as dpkg lists them: through /bin and /lib, some never written.
		files: Array.from({length: 1 + Math.floor(random() * 4)}, () => pick([...PATHS, '/bin/a', '/lib/c', '/usr/share/doc/p/h', '/srv', '/empty'])),
	}));
	return {...layer, packageFiles: database(packages, npm)};
}

const stack = (seed: number) => nextBuildOf(seed, randomLayer);

describe('packages extended from a kept report', () => {
	it('are exactly the full attribution wherever the new layers only add files; else the full pass is made', () => {
		let extended = 0;
		let refused = 0;
		let withPackages = 0;
		for (let seed = 1; seed <= 4000; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const {base, all} = made;
			const baseHistory = buildLayerHistory(base);
			const kept = attributeKept(modelImage(base), baseHistory, new FinalFiles(baseHistory.final));
			const history = buildLayerHistory(all);
			const full = attributePackages(modelImage(all), history, new FinalFiles(history.final));
			const fast = extendPackages(kept, modelImage(all), history, base.length);
			if (!fast) {
				refused++;
				continue;
			}
			expect(fast.report, `seed ${seed}`).toEqual(full);
			extended++;
			if (full.packages.length > 0) withPackages++;
		}
		expect(extended).toBeGreaterThan(400);
		expect(withPackages).toBeGreaterThan(200);
		expect(refused).toBeGreaterThan(400);
	});

	it('a builder resumed from a kept state goes on from its packages, to exactly the analysis of the whole image', () => {
		let checked = 0;
		for (let seed = 1; seed <= 1500; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const state = keptAfter(made.base);
			expect(state.packages, `seed ${seed}`).toBeDefined();
			const {analysis, builder} = goneOn(state, made.base.length, made.all);
			expect(said(analysis), `seed ${seed}`).toEqual(said(analyseImage(modelImage(made.all))));
			// And what it keeps for the build after it holds the packages it went on to.
			expect(asKept(builder.exportState())!.packages!.report.packages).toEqual(analysis.packages.packages);
			checked++;
		}
		expect(checked).toBeGreaterThan(300);
	});

	it('a state kept mid-stacking is completed once taken up: with the walk, waste and packages a finished analysis of its layers keeps; the analysis is the whole image’s', () => {
		let checked = 0;
		for (let seed = 1; seed <= 800; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const midway = keptMidway(made.base);
			expect(midway.packages ?? midway.waste ?? midway.walk, `seed ${seed}`).toBeUndefined();
			const {analysis, completed} = goneOnCompleting(midway, made.base.length, made.all);
			expect(said(analysis), `seed ${seed}`).toEqual(said(analyseImage(modelImage(made.all))));
			const finished = keptAfter(made.base);
			expect(completed, `seed ${seed}`).toEqual([{layers: made.base.length, state: finished}]);
			checked++;
		}
		expect(checked).toBeGreaterThan(150);
		// A state that has them is taken up as it is; one that lacks some (left out as not holding together) gets those.
		// (Each state is made afresh: a builder that takes one up goes on stacking in its arrays.)
		const made = stack(7) ?? stack(8)!;
		expect(goneOnCompleting(keptAfter(made.base), made.base.length, made.all).completed).toEqual([]);
		for (const part of ['packages', 'waste', 'walk'] as const) {
			const partial = keptAfter(made.base);
			delete partial[part];
			expect(goneOnCompleting(partial, made.base.length, made.all).completed, part).toEqual([{layers: made.base.length, state: keptAfter(made.base)}]);
		}
	});

	it('kept packages of another stacking (an owner list of another length) are not gone on from: the analysis is the full one', () => {
		let checked = 0;
		for (let seed = 1; seed <= 400; seed++) {
			const made = stack(seed);
			if (!made) continue;
			const state = keptAfter(made.base);
			const owners = state.packages!.report.owners;
			if (!owners.some(owner => owner > 0)) continue;
			// Short by the last owned path: going on from it would leave that path without its owner.
			state.packages!.report.owners = owners.subarray(0, owners.findLastIndex(owner => owner > 0));
			expect(said(goneOn(state, made.base.length, made.all).analysis), `seed ${seed}`).toEqual(said(analyseImage(modelImage(made.all))));
			checked++;
		}
		expect(checked).toBeGreaterThan(50);
	});

	it('kept packages that do not hold together are left out of the state, which is still taken up', () => {
		const made = stack(7) ?? stack(8)!;
		const good = keptAfter(made.base);
		const spoil = (edit: (packages: any) => void) => {
			const copy = structuredClone(good);
			edit(copy.packages);
			return asKept(copy);
		};
		expect(spoil(() => {})!.packages).toBeDefined();
		for (const edit of [
			(p: any) => (p.report.owners = Int32Array.from([0, p.report.packages.length + 1])),
			(p: any) => (p.report.deathOwners = Int32Array.from([-1])),
			(p: any) => (p.report.packages = [{...p.report.packages[0], ecosystem: 'pip'}]),
			(p: any) => (p.report.packages = [{ecosystem: 'deb', name: 'x', version: '1', bytes: -1, files: 0, layer: 0, deadBytes: 0, missingFiles: 0}]),
			(p: any) => (p.report.unownedByLayer = ['1']),
			(p: any) => (p.missingNames = [1]),
			(p: any) => (p.roots = [1]),
			(p: any) => (p.report = null),
		]) {
			const state = spoil(edit);
			expect(state).not.toBeNull();
			expect(state!.packages, String(edit)).toBeUndefined();
		}
	});
});
