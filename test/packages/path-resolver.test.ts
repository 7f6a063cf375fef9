import {describe, expect, it} from 'vitest';
import {buildLayerHistory} from '../../source/analysis/layer-history.js';
import {PathResolver} from '../../source/packages/attribute.js';
import {ApplyError} from '../../source/tree/filesystem.js';
import {randomStack} from '../analysis/layers.js';
import {prng} from '../fixtures/random.js';

// Paths as databases list them: some through the stacks' symlinks (/s, /d/e, /b), some under removed or never-made directories.
const LISTED = ['/a', '/b', '/d', '/d/x', '/d/y', '/d/e', '/d/e/z', '/s', '/s/q', '/s/x', '/s/e/z', '/b/x', '/b/e/z', '/d/e/z/w', '/n/o', '/d/x/y', '/', '/s/', '/d//x'];

describe('the path resolver', () => {
	it('resolves a list as it resolves each of its paths alone, through symlinks, removed and plain directories', () => {
		let stacks = 0;
		let throughLinks = 0;
		for (let seed = 1; seed <= 4000; seed++) {
			const random = prng(seed);
			let history;
			try {
				history = buildLayerHistory(randomStack(random));
			} catch (error) {
				if (error instanceof ApplyError) continue;
				throw error;
			}
			// Runs of one directory's paths, as lists go, in random order.
			const list = Array.from({length: 40}, () => LISTED[Math.floor(random() * LISTED.length)]!).sort((x, y) => (random() < 0.7 ? x.localeCompare(y) : 0));
			const listed = new PathResolver(history.final).files(list);
			const alone = new PathResolver(history.final);
			expect([...listed], `seed ${seed}: ${list.join(' ')}`).toEqual(list.map(path => alone.file(path)));
			stacks++;
			if (list.some((path, i) => listed[i]! > 0 && history.final.paths.pathOf(listed[i]!) !== path.replace(/\/+$/, '').replace(/\/\//g, '/'))) throughLinks++;
		}
		expect(stacks).toBeGreaterThan(1000);
		expect(throughLinks).toBeGreaterThan(40);
	});
});
