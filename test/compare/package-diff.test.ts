/**
 * Issue 15: `diff A B` lists the packages added, removed and upgraded, with their bytes. The pair of
 * package-pairs.ts, compared in-process and through the built CLI. What each side ships is taken
 * here from the two analyses' own package lists by a plain map (ecosystem, name, architecture), and
 * the diff is checked against that; the kinds are what the fixture was built to show.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import MarkdownIt from 'markdown-it';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {compareImages, compareLayers, type Comparison} from '../../source/compare/comparison.js';
import type {PackageChange} from '../../source/compare/package-diff.js';
import {loadImage} from '../../source/image/load.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {comparisonSubject} from '../../source/ui/comparison-subject.js';
import {writeImage} from '../fixtures/image-writer.js';
import {repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';
import {EXPECTED_KINDS, EXPECTED_UNCHANGED, HOSTILE_PACKAGE, PACKAGE_BASE, writePackagePair, type PackagePair} from './package-pairs.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-package-diff-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

let pair: PackagePair;
let analyses: {a: Analysis; b: Analysis};
let comparison: Comparison;
beforeAll(async () => {
	pair = await writePackagePair(scratch);
	analyses = {a: analyseImage(await loadImage(pair.a.path)), b: analyseImage(await loadImage(pair.b.path))};
	comparison = compareImages(analyses.a, analyses.b);
});

interface Shipped {
	versions: Set<string>;
	installs: number;
	bytes: number;
}

/** PEP 503: a python name compares lowercased, runs of -, _ and . as one -. */
const identity = (record: {ecosystem: string; name: string; architecture?: string | null}) => [record.ecosystem, record.ecosystem === 'python' ? record.name.toLowerCase().replace(/[-_.]+/g, '-') : record.name, ...(record.architecture ? [record.architecture] : [])].join(' ');

/** What an analysis says its final filesystem ships, by identity: the versions no later layer removed or upgraded. */
function shipped(analysis: Analysis): Map<string, Shipped> {
	const map = new Map<string, Shipped>();
	for (const record of analysis.packages.packages) {
		if (record.removedIn !== undefined) continue;
		const entry = map.get(identity(record)) ?? {versions: new Set(), installs: 0, bytes: 0};
		entry.versions.add(record.version);
		entry.installs++;
		entry.bytes += record.bytes;
		map.set(identity(record), entry);
	}
	return map;
}

/** The changes a plain map of both sides gives: every identity whose versions or bytes differ, with both bytes. */
function expectedChanges(before: Map<string, Shipped>, after: Map<string, Shipped>): {changed: Map<string, {a: number; b: number; delta: number}>; unchanged: string[]} {
	const changed = new Map<string, {a: number; b: number; delta: number}>();
	const unchanged: string[] = [];
	for (const key of new Set([...before.keys(), ...after.keys()])) {
		const [was, is] = [before.get(key), after.get(key)];
		const same = was && is && was.bytes === is.bytes && [...was.versions].sort().join('\n') === [...is.versions].sort().join('\n');
		if (same) unchanged.push(key);
		else changed.set(key, {a: was?.bytes ?? 0, b: is?.bytes ?? 0, delta: (is?.bytes ?? 0) - (was?.bytes ?? 0)});
	}
	return {changed, unchanged};
}

describe('the package diff', () => {
	it('lists exactly the packages whose versions or bytes differ, with both sides\' bytes and the delta, each of the kind the pair was built to show', () => {
		const {changed, unchanged} = expectedChanges(shipped(analyses.a), shipped(analyses.b));
		const diff = comparison.packages;
		expect(new Map(diff.changes.map(change => [identity(change), change.bytes]))).toEqual(changed);
		expect(Object.fromEntries(diff.changes.map(change => [identity(change), change.kind]))).toEqual(EXPECTED_KINDS);
		expect(diff.unchanged).toBe(unchanged.length);
		expect(unchanged).toEqual(expect.arrayContaining(EXPECTED_UNCHANGED));
		// The pair changes bytes in both directions, and more than one package by the same amount.
		expect(diff.changes.some(change => change.bytes.delta < 0) && diff.changes.some(change => change.bytes.delta > 0)).toBe(true);
	});

	it('sorts by the size of the change, largest first, and totals each kind and the unowned bytes', () => {
		const {changes, totals, unowned} = comparison.packages;
		const sizes = changes.map(change => Math.abs(change.bytes.delta));
		expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
		for (const kind of ['added', 'removed', 'upgraded', 'downgraded', 'changed', 'resized'] as const) {
			const ofKind = Object.entries(EXPECTED_KINDS).filter(([, expected]) => expected === kind).map(([key]) => key);
			const {changed} = expectedChanges(shipped(analyses.a), shipped(analyses.b));
			const sum = (side: 'a' | 'b' | 'delta') => ofKind.reduce((total, key) => total + changed.get(key)![side], 0);
			expect(totals[kind], kind).toEqual({count: ofKind.length, a: sum('a'), b: sum('b'), delta: sum('delta')});
		}
		expect(unowned).toEqual({a: analyses.a.packages.unownedBytes, b: analyses.b.packages.unownedBytes, delta: analyses.b.packages.unownedBytes - analyses.a.packages.unownedBytes});
		expect(unowned.delta).not.toBe(0);
	});

	it('gives each side\'s versions, a name installed twice as one package with both versions, and never a version a later layer replaced', () => {
		const change = (key: string) => comparison.packages.changes.find(item => identity(item) === key)!;
		expect(change('npm y')).toMatchObject({versions: {a: ['1.0.0', '2.0.0'], b: ['1.0.0', '2.1.0']}, installs: {a: 2, b: 2}});
		expect(change('npm dup')).toMatchObject({versions: {a: ['1.0.0'], b: ['1.0.0']}, installs: {a: 2, b: 1}});
		expect(change('deb lib amd64').versions).toEqual({a: ['2:1.0'], b: ['1:9.0']});
		// A's base installed lib 2:0.9 and A's own layer upgraded it: the analysis has it, the diff does not.
		expect(analyses.a.packages.packages.some(record => record.name === 'lib' && record.version === '2:0.9')).toBe(true);
		expect(comparison.packages.changes.flatMap(item => [...item.versions.a, ...item.versions.b])).not.toContain('2:0.9');
		expect(change(`deb ${HOSTILE_PACKAGE.name} amd64`)).toMatchObject({kind: 'added', name: HOSTILE_PACKAGE.name, versions: {a: [], b: [HOSTILE_PACKAGE.version]}, installs: {a: 0, b: 1}});
	});

	it('for two layers of one image, compares the packages after each: against the base alone, and against nothing', async () => {
		const base = await writeImage({layers: [{entries: PACKAGE_BASE}]}, {format: 'oci-dir', outPath: path.join(scratch, 'base')});
		const baseAnalysis = analyseImage(await loadImage(base.path));
		const range = compareLayers(analyses.b, 0, 1);
		const {changed, unchanged} = expectedChanges(shipped(baseAnalysis), shipped(analyses.b));
		expect(new Map(range.packages.changes.map(change => [identity(change), change.bytes]))).toEqual(changed);
		expect(range.packages.unchanged).toBe(unchanged.length);
		const first = compareLayers(analyses.b, -1, 0);
		expect(first.packages.changes.every(change => change.kind === 'added')).toBe(true);
		expect(new Set(first.packages.changes.map(identity))).toEqual(new Set(shipped(baseAnalysis).keys()));
		expect(first.packages.unowned).toEqual({a: 0, b: baseAnalysis.packages.unownedBytes, delta: baseAnalysis.packages.unownedBytes});
	});

	it('the compare view\'s details pane lists every change, names escaped', () => {
		const pane = comparisonSubject(comparison).details(160);
		const lines = pane.lines(0, 10_000).map(line => line.text);
		const at = lines.findIndex(line => line === `Packages (${comparison.packages.changes.length} changed)`);
		expect(at).toBeGreaterThan(0);
		expect(lines[at + 1]).toMatch(/2 added .*, 4 unchanged; unowned /);
		const listed = lines.slice(at + 2, at + 2 + comparison.packages.changes.length);
		expect(listed.map(line => line.split(' · ').at(-1))).toEqual(comparison.packages.changes.map(change => change.kind));
		expect(listed).toContainEqual(expect.stringContaining(`deb ${escapeForTerminal(HOSTILE_PACKAGE.name)} ${escapeForTerminal(HOSTILE_PACKAGE.version)} amd64 · added`));
		expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
	});
});

describe('layerscope diff A B: packages', () => {
	it('the text summary: the counts, then each change with its bytes, versions and kind, names escaped', async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path]);
		expect(result.code, result.stderr).toBe(0);
		const lines = result.stdout.split('\n');
		const at = lines.findIndex(line => line.startsWith('packages: '));
		const {totals, changes, unchanged} = comparison.packages;
		expect(lines[at]).toContain(`${totals.added.count} added (`);
		expect(lines[at]).toContain(`${totals.upgraded.count} upgraded (`);
		expect(lines[at]).toContain(`${unchanged} unchanged; unowned `);
		const listed = lines.slice(at + 1, at + 1 + changes.length);
		expect(listed.map(line => line.trim().split(/ {2}/).at(-1))).toEqual(changes.map(change => change.kind));
		expect(listed).toContainEqual(expect.stringMatching(/^ +\+\d+ B {2}deb tool 1\.0 → 1\.1 amd64 {2}upgraded$/));
		expect(listed).toContainEqual(expect.stringMatching(/^ +−\d+ B {2}deb lib 2:1\.0 → 1:9\.0 amd64 {2}downgraded$/));
		expect(listed).toContainEqual(expect.stringMatching(/npm y 1\.0\.0, 2\.0\.0 \(2 installs\) → 1\.0\.0, 2\.1\.0 \(2 installs\) {2}upgraded$/));
		expect(listed).toContainEqual(expect.stringMatching(/deb same 1\.0 amd64 {2}resized$/));
		expect(result.stdout).toContain(`deb ${escapeForTerminal(HOSTILE_PACKAGE.name)} ${escapeForTerminal(HOSTILE_PACKAGE.version)} amd64  added`);
		expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
	});

	it('--json: the packages as the comparison holds them, names exactly as stored, valid against the schema', async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path, '--json']);
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout);
		const {changed} = expectedChanges(shipped(analyses.a), shipped(analyses.b));
		expect(new Map(report.packages.changes.map((change: PackageChange) => [identity(change), change.bytes]))).toEqual(changed);
		expect(report.packages.changes.find((change: PackageChange) => change.name === HOSTILE_PACKAGE.name)?.versions.b).toEqual([HOSTILE_PACKAGE.version]);
		expect(report.packages).toEqual(JSON.parse(JSON.stringify(comparison.packages)));
		const ajv = new Ajv({allErrors: true, strict: true});
		ajv.addSchema(JSON.parse(readFileSync(path.join(repoRoot, 'source/report/report.schema.json'), 'utf8')));
		const validate = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'source/report/compare.schema.json'), 'utf8')));
		expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
		const broken = structuredClone(report);
		broken.packages.changes[0].kind = 'bumped';
		delete broken.packages.totals.resized;
		broken.packages.changes[1].ecosystem = 'snap';
		expect(validate(broken)).toBe(false);
		expect(validate.errors!.map(error => error.instancePath)).toEqual(expect.arrayContaining(['/packages/changes/0/kind', '/packages/totals', '/packages/changes/1/ecosystem']));
	});

	it('--markdown: a table of the changes as plain text, hostile names included, one cell each', async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path, '--markdown']);
		expect(result.code, result.stderr).toBe(0);
		expect(new MarkdownIt().render(result.stdout)).not.toMatch(/<b>|<a |<em>|<code>|<img/);
		const tokens = new MarkdownIt().parse(result.stdout, {});
		const text = (token: (typeof tokens)[number]) => token.children!.filter(child => child.type === 'text' || child.type === 'text_special').map(child => child.content).join('');
		// The packages table: the one whose header starts with "package"; its rows as cell texts.
		const tables: string[][][] = [];
		// A cell per th/td (an empty one may have no inline token), its text from the inline inside.
		let row: string[] = [];
		for (const token of tokens) {
			if (token.type === 'table_open') tables.push([]);
			if (token.type === 'tr_open') row = [];
			if (token.type === 'th_open' || token.type === 'td_open') row.push('');
			if (token.type === 'inline' && tables.length > 0 && row.length > 0) row[row.length - 1] = text(token);
			if (token.type === 'tr_close') tables.at(-1)!.push(row);
		}
		const table = tables.find(rows => rows[0]![0] === 'package')!;
		expect(table[0]).toEqual(['package', 'A', 'B', 'change', 'bytes']);
		const rows = table.slice(1);
		expect(rows.every(cells => cells.length === 5)).toBe(true);
		expect(rows.map(cells => cells[3])).toEqual(comparison.packages.changes.slice(0, 10).map(change => change.kind));
		expect(rows).toContainEqual([`deb ${escapeForTerminal(HOSTILE_PACKAGE.name)} amd64`, '', HOSTILE_PACKAGE.version, 'added', expect.stringMatching(/^\+\d+ B$/)]);
		expect(rows).toContainEqual(['deb lib amd64', '2:1.0', '1:9.0', 'downgraded', expect.stringMatching(/^−\d+ B$/)]);
		expect(tokens.some(token => token.type === 'inline' && /^Packages: 2 added/.test(text(token)))).toBe(true);
	});
});
