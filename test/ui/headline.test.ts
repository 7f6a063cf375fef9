import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {summaryLines} from '../../source/report/summary.js';
import {imageDetailLines, layerDetailLines, screenStyle} from '../../source/ui/format.js';
import {repoRoot} from '../helpers/paths.js';

/**
 * One honest headline: reclaimable bytes first, dive's figures labelled as
 * dive's, and per-layer words that agree with the findings (the bundled
 * example: layer 4 is `RUN chmod -R 755 /app`, layer 5 removes apt's lists).
 */
let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
});
const plain = createStyle(false);
const trimmed = (lines: string[]) => lines.map(line => line.trimEnd());

describe('the details panes', () => {
	it('word a chmod layer as storing its files again, as the finding does', () => {
		const lines = trimmed(layerDetailLines(analysis, 4, 80, plain));
		expect(lines).toContain('nothing it stores is dead later');
		expect(lines).toContain('stores 69.6 kB again (duplicates of layer 2)');
		expect(analysis.findings.some(finding => finding.layer === 4 && finding.id === 'metadata-rewrite')).toBe(true);
	});

	it('say which layers kill what a layer stores, and what a layer does to earlier bytes', () => {
		expect(trimmed(layerDetailLines(analysis, 1, 80, plain))).toEqual(expect.arrayContaining(['200 kB of what it stores is dead, by layer 5', 'rewrites 20 kB of layer 0 (the old bytes still ship)']));
		expect(trimmed(layerDetailLines(analysis, 5, 80, plain))).toEqual(expect.arrayContaining(['nothing it stores is dead later', 'removes 200 kB of layer 1 (they still ship)']));
	});

	it('lead the image details with reclaimable bytes, then dive\'s figures as dive\'s', () => {
		const lines = trimmed(imageDetailLines(analysis, 80, 20, plain));
		const reclaimable = lines.findIndex(line => line.startsWith('reclaimable 290 kB (32.2 % of the content)'));
		const dive = lines.findIndex(line => line.startsWith("dive's figures: efficiency 67.17 % · wasted 385 kB"));
		expect(reclaimable).toBeGreaterThan(0);
		expect(dive).toBe(reclaimable + 1);
		expect(lines[dive + 1]).toBe('  user wasted 61.1 % of the bytes added over the base');
	});

	it('and so does the text summary', () => {
		const lines = summaryLines(analysis, plain);
		expect(lines.findIndex(line => line.startsWith('reclaimable'))).toBeLessThan(lines.findIndex(line => line.startsWith("dive's figures:")));
	});
});

describe('the per-layer waste record', () => {
	it('adds up: what a layer kills by cause is what it kills, and its killers are the layers its dead bytes name', () => {
		for (const layer of analysis.waste.byLayer) {
			expect(layer.kills.reduce((sum, kill) => sum + kill.bytes, 0)).toBe(layer.killedBytes);
			const killers = [...new Set(analysis.waste.files.filter(file => file.storedIn === layer.layer).map(file => file.killedBy))].sort((a, b) => a - b);
			expect(layer.killedBy).toEqual(killers);
		}
	});

	it('are painted without trailing blanks, except where inverse shows them as a bar', () => {
		const style = screenStyle(createStyle(true));
		const plainStyle = createStyle(true);
		expect(style('green', 'added   ')).toBe(plainStyle('green', 'added'));
		expect(style('bold', 'Layer 4   ')).toBe(plainStyle('bold', 'Layer 4'));
		expect(style('inverse', 'cursor   ')).toBe(plainStyle('inverse', 'cursor   '));
		expect(screenStyle(plain)('green', 'added   ')).toBe('added');
		expect(screenStyle(plain).enabled).toBe(false);
	});
});
