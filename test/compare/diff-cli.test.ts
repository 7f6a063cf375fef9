/**
 * Issue 13: `layerscope diff A B` through the built CLI, on pairs built in TypeScript (image-pairs.ts)
 * and stored in different formats. The file list is checked against the difference of the two
 * `files --json` outputs, computed here independently of the comparison's code.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import MarkdownIt from 'markdown-it';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {expectOneLineError} from '../helpers/expect-error.js';
import {repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {HOSTILE_LABEL, HOSTILE_NAME, writeAppPair, writeReorderedPair, type ImagePair} from './image-pairs.js';
import {byPath, filesJson, listingDifference, type Row} from './listing-difference.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-diff-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let pair: ImagePair;
beforeAll(async () => {
	pair = await writeAppPair(scratch);
});

describe('layerscope diff A B --json', () => {
	let report: any;
	beforeAll(async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path, '--json']);
		expect(result.code, result.stderr).toBe(0);
		report = JSON.parse(result.stdout);
	});

	it('lists exactly the paths whose files --json lines differ, each with both lines, plus the rewrite that kept its size', async () => {
		const expected = listingDifference(await filesJson(pair.a.path), await filesJson(pair.b.path));
		const sameSize = report.files.find((row: Row) => row.path === '/app/same-size.txt');
		expect(sameSize).toMatchObject({status: 'modified', metadataOnly: false});
		expect(byPath(report.files.filter((row: Row) => row !== sameSize))).toEqual(expected);
		// The kinds of difference the pair was built to have are all there.
		const status = (p: string) => report.files.find((row: Row) => row.path === p);
		expect(status('/etc/os-release')).toMatchObject({status: 'modified', metadataOnly: true});
		expect(status('/etc/passwd')).toMatchObject({status: 'modified', metadataOnly: true});
		expect(status('/app/conf')).toMatchObject({status: 'modified', metadataOnly: false, before: {type: 'file'}, after: {type: 'dir'}});
		expect(status('/app/current')).toMatchObject({status: 'modified', before: {linkTarget: 'release-1'}, after: {linkTarget: 'release-2'}});
		expect(status('/opt/tool/bin/tool')).toMatchObject({status: 'removed'});
		expect(status('/srv/data/a.txt')).toMatchObject({status: 'removed'});
		expect(status('/srv/data/c.txt')).toMatchObject({status: 'added'});
		expect(status('/var/cache/index')).toMatchObject({status: 'removed'});
	});

	it('lists the paths in tree order: each directory before what is inside it, siblings by name', () => {
		const paths: string[] = report.files.map((row: Row) => row.path);
		for (let i = 1; i < paths.length; i++) {
			const [x, y] = [paths[i - 1]!.split('/'), paths[i]!.split('/')];
			let k = 0;
			while (k < x.length && k < y.length && x[k] === y[k]) k++;
			expect(k === x.length || (k < y.length && x[k]! < y[k]!), `${paths[i - 1]} before ${paths[i]}`).toBe(true);
		}
	});

	it('shows an unambiguous move as one, and leaves content two files shared as a removal and an addition', () => {
		const row = (p: string) => report.files.find((r: Row) => r.path === p);
		expect(row('/app/new-name.txt')).toMatchObject({status: 'added', movedFrom: '/app/old-name.txt'});
		expect(row('/app/old-name.txt')).toMatchObject({status: 'removed', movedTo: '/app/new-name.txt'});
		for (const twin of ['/app/twin-1', '/app/twin-2', '/app/twin-3']) {
			expect(row(twin).movedFrom, twin).toBeUndefined();
			expect(row(twin).movedTo, twin).toBeUndefined();
		}
	});

	it('gives each side its identity, the shared base, and the content bytes of both filesystems', async () => {
		expect(report.a).toMatchObject({input: pair.a.path, id: pair.a.configDigest, manifestDigest: pair.a.manifestDigest, format: 'oci-layout'});
		expect(report.b).toMatchObject({input: pair.b.path, id: pair.b.configDigest, repoTags: ['example.test/app:2'], format: 'docker-archive'});
		expect(report.layers.shared).toBe(1);
		expect(report.layers.a.map((layer: any) => layer.status)).toEqual(['shared', 'only']);
		expect(report.layers.b.map((layer: any) => [layer.status, layer.diffId])).toEqual([['shared', pair.a.diffIds[0]], ['only', pair.b.diffIds[1]], ['only', pair.b.diffIds[2]]]);
		// Content bytes as the listings count them: every file once (the pair has no hard links).
		const bytes = (listing: Map<string, Entry>) => [...listing.values()].filter(entry => entry.type === 'file').reduce((sum, entry) => sum + entry.size, 0);
		const [a, b] = [bytes(await filesJson(pair.a.path)), bytes(await filesJson(pair.b.path))];
		expect(report.bytes).toEqual({a, b, delta: b - a});
		expect(report.metrics.contentBytes).toEqual({before: a, after: b, delta: b - a});
		expect(report.metrics.layers).toEqual({before: 2, after: 3, delta: 1});
	});

	it('rolls sizes up into directories, largest change first, with both totals', async () => {
		const listings = [await filesJson(pair.a.path), await filesJson(pair.b.path)];
		const below = (listing: Map<string, Entry>, dir: string) => [...listing.values()].filter(entry => entry.type === 'file' && entry.path.startsWith(dir === '/' ? '/' : `${dir}/`)).reduce((sum, entry) => sum + entry.size, 0);
		const deltas = report.directories.map((dir: any) => Math.abs(dir.delta));
		expect(deltas).toEqual([...deltas].sort((x, y) => y - x));
		for (const dir of report.directories) {
			expect(dir, dir.path).toEqual({path: dir.path, before: below(listings[0]!, dir.path), after: below(listings[1]!, dir.path), delta: below(listings[1]!, dir.path) - below(listings[0]!, dir.path)});
		}
		expect(report.directories.map((dir: any) => dir.path)).toEqual(expect.arrayContaining(['/', '/usr/lib', '/opt/tool', '/srv/data', '/app']));
	});

	it('names each config difference, env and labels by key, ports one by one', () => {
		const change = (field: string, key: string | null = null) => report.config.find((c: any) => c.field === field && c.key === key);
		expect(change('user')).toEqual({field: 'user', key: null, before: 'root', after: 'app'});
		expect(change('env', 'MODE')).toEqual({field: 'env', key: 'MODE', before: 'dev', after: 'prod'});
		expect(change('env', 'NEW')).toEqual({field: 'env', key: 'NEW', before: null, after: '1'});
		expect(change('env', 'PATH')).toBeUndefined();
		expect(change('exposedPorts', '9090/tcp')).toEqual({field: 'exposedPorts', key: '9090/tcp', before: null, after: '9090/tcp'});
		expect(change('labels', 'version')).toEqual({field: 'labels', key: 'version', before: '1', after: '2'});
		expect(change('cmd')).toEqual({field: 'cmd', key: null, before: ['node', 'app/main.js'], after: ['node', 'app/main.js', '--prod']});
		expect(change('labels', HOSTILE_LABEL.key)).toEqual({field: 'labels', key: HOSTILE_LABEL.key, before: null, after: HOSTILE_LABEL.value});
		expect(report.config).toHaveLength(7);
	});

	it('says which findings are new in B and which B fixed', () => {
		expect(report.findings.fixed.map((f: any) => f.id)).toEqual(['runs-as-root']);
		// B deletes the cache and whole directories its base stored, and re-stores two base files for a mode or owner.
		expect(new Set(report.findings.new.map((f: any) => f.id))).toEqual(new Set(['removed-in-later-layer', 'metadata-rewrite']));
	});

	it('is valid against its schema, which is no rubber stamp', () => {
		const ajv = new Ajv({allErrors: true, strict: true});
		ajv.addSchema(JSON.parse(readFileSync(path.join(repoRoot, 'source/report/report.schema.json'), 'utf8')));
		const validate = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot, 'source/report/compare.schema.json'), 'utf8')));
		expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
		const broken = structuredClone(report);
		broken.files[0].status = 'changed';
		delete broken.layers.shared;
		expect(validate(broken)).toBe(false);
		expect(validate.errors!.map(error => error.instancePath)).toEqual(expect.arrayContaining(['/files/0/status', '/layers']));
	});

	it('writes to a FILE when given one, and the same report whatever formats the two images are stored in', async () => {
		const dir = mkdtempSync(path.join(scratch, 'formats-'));
		const other = await writeAppPair(dir, {a: 'oci-archive', b: 'docker25'});
		const out = path.join(dir, 'report.json');
		const result = await runCli(['diff', other.a.path, other.b.path, '--json', out]);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toBe('');
		const written = JSON.parse(readFileSync(out, 'utf8'));
		const storageFree = (r: any) => ({...r, a: r.a.id, b: r.b.id, layers: {...r.layers, a: r.layers.a.map(({compressedSize, ...l}: any) => l), b: r.layers.b.map(({compressedSize, ...l}: any) => l)}, metrics: {...r.metrics, compressedBytes: undefined}});
		expect(storageFree(written)).toEqual(storageFree(report));
	});
});

describe('layerscope diff IMAGE --from N --to M', () => {
	it('compares the filesystem after layer N with the one after layer M', async () => {
		const result = await runCli(['diff', pair.b.path, '--from', '0', '--to', '2', '--json']);
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout);
		expect(report.range).toEqual({from: 0, to: 2});
		expect(byPath(report.files)).toEqual(listingDifference(await filesJson(pair.b.path, 0), await filesJson(pair.b.path, 2)));
		expect(report.layers.b.filter((layer: any) => layer.status === 'only').map((layer: any) => layer.index)).toEqual([1, 2]);
	});

	it('with --to 0, shows the first layer against the empty filesystem', async () => {
		const result = await runCli(['diff', pair.b.path, '--to', '0', '--json']);
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout);
		expect(report.range).toEqual({from: -1, to: 0});
		expect(byPath(report.files)).toEqual(listingDifference(new Map(), await filesJson(pair.b.path, 0)));
	});

	it('with --to alone, shows what that one layer did', async () => {
		const result = await runCli(['diff', pair.b.path, '--to', '2', '--json']);
		expect(result.code, result.stderr).toBe(0);
		expect(JSON.parse(result.stdout).files.map((row: Row) => [row.path, row.status])).toEqual([['/var/cache/index', 'removed']]);
	});

	it('refuses a range that is not one, in one line', async () => {
		for (const [args, problem] of [
			[['--from', '2', '--to', '1'], /--from must be below --to/],
			[['--to', '7'], /--to must be a layer of this image \(0–2\), not 7/],
			[['--from', '-1'], /--from must be a layer number/],
		] as const) {
			const result = await runCli(['diff', pair.b.path, ...args]);
			expect(result.code, result.stderr).toBe(2);
			expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
			expect(result.stderr).toMatch(problem);
		}
	});
});

describe('layers that moved', () => {
	it('marks a layer B has at another place as elsewhere, with its place in the other image', async () => {
		const dir = mkdtempSync(path.join(scratch, 'reordered-'));
		const reordered = await writeReorderedPair(dir);
		const result = await runCli(['diff', reordered.a.path, reordered.b.path, '--json']);
		expect(result.code, result.stderr).toBe(0);
		const {layers} = JSON.parse(result.stdout);
		expect(layers.shared).toBe(1);
		expect(layers.b.map((layer: any) => [layer.status, layer.otherIndex])).toEqual([['shared', 0], ['only', null], ['elsewhere', 1]]);
		expect(layers.a.map((layer: any) => [layer.status, layer.otherIndex])).toEqual([['shared', 0], ['elsewhere', 2]]);
	});
});

describe('the text summary and the Markdown', () => {
	it('piped, prints the headline, the layers, the largest changes, config and findings, every name escaped', async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path]);
		expect(result.code, result.stderr).toBe(0);
		const text = result.stdout;
		expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
		expect(text).toContain('example.test/app:2');
		expect(text).toMatch(/layers: 1 shared/);
		expect(text).toMatch(/\+20 kB {2}\/usr\/lib\/libnew\.so {2}added/);
		expect(text).toMatch(/\/app\/new-name\.txt {2}moved from \/app\/old-name\.txt/);
		expect(text).toMatch(/env MODE: "dev" → "prod"/);
		expect(text).toMatch(/fixed runs as root/);
		expect(text).toContain(`/app/${escapeForTerminal(HOSTILE_NAME)}  added`);
		expect(text).toContain(`labels ${escapeForTerminal(HOSTILE_LABEL.key)}: (unset) → ${escapeForTerminal(JSON.stringify(HOSTILE_LABEL.value))}`);
	});

	it('--markdown renders with a real Markdown parser as tables of plain text, hostile names included', async () => {
		const result = await runCli(['diff', pair.a.path, pair.b.path, '--markdown']);
		expect(result.code, result.stderr).toBe(0);
		const html = new MarkdownIt().render(result.stdout);
		// No markup came from the image: only the tables, headings and lists the summary writes.
		expect(html).not.toMatch(/<b>|<a |<em>|<code>|<img/);
		const tokens = new MarkdownIt().parse(result.stdout, {});
		const rows = tokens.filter(token => token.type === 'tr_open').length;
		expect(rows).toBeGreaterThan(10);
		// Every row of a table has as many cells as its header: a name cannot add a column.
		let cells = 0;
		let widths: number[] = [];
		for (const token of tokens) {
			if (token.type === 'tr_open') cells = 0;
			if (token.type === 'th_open' || token.type === 'td_open') cells++;
			if (token.type === 'tr_close') widths.push(cells);
			if (token.type === 'table_close') {
				expect(new Set(widths).size).toBe(1);
				widths = [];
			}
		}
		const inline = tokens.filter(token => token.type === 'inline').map(token => token.children!.filter(child => child.type === 'text' || child.type === 'text_special').map(child => child.content).join('')).join('\n');
		expect(inline).toContain(`/app/${escapeForTerminal(HOSTILE_NAME)}`);
		expect(inline).toContain(`labels ${escapeForTerminal(HOSTILE_LABEL.key)}\n(unset)\n${escapeForTerminal(HOSTILE_LABEL.value)}`);
		expect(inline).toMatch(/\/usr\/lib\/libnew\.so\nadded\n\+20 kB/);
	});

	it('--json FILE and --markdown together: the report in the file, the Markdown on standard output', async () => {
		const out = path.join(scratch, 'both.json');
		const result = await runCli(['diff', pair.a.path, pair.b.path, '--json', out, '--markdown']);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toMatch(/^### layerscope diff/);
		expect(JSON.parse(readFileSync(out, 'utf8')).files.length).toBeGreaterThan(10);
	});
});

describe('usage', () => {
	it('says what diff needs, in one line', async () => {
		for (const [args, problem] of [
			[['diff', pair.a.path], /diff needs two images/],
			[['diff', pair.a.path, pair.b.path, pair.b.path], /diff needs two images.*got 3/],
			[['diff', pair.a.path, pair.b.path, '--json', '--markdown'], /both write to standard output/],
			[['diff', pair.a.path, pair.b.path, '--from', '1'], /compare two layers of one image/],
			[[pair.a.path, '--markdown'], /--markdown applies to diff/],
		] as const) {
			const result = await runCli([...args]);
			expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
			expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
			expect(result.stderr).toMatch(problem);
		}
	});

	it('--json before the images compares them in the order given', async () => {
		const result = await runCli(['diff', '--json', pair.a.path, pair.b.path]);
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout);
		expect([report.a.input, report.b.input]).toEqual([pair.a.path, pair.b.path]);
		const markdown = await runCli(['diff', '--markdown', pair.a.path, pair.b.path]);
		expect(markdown.stdout).toMatch(/app&#45;v1 → example\.test\/app&#58;2/);
	});

	it('refuses standard input on both sides, in one line', async () => {
		const result = await runCli(['diff', '-', '-']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^layerscope: only one side of diff can be standard input/);
	});

	it('bad input on either side is one line naming that input', async () => {
		const missing = path.join(scratch, 'no-such-image.tar');
		expectOneLineError(await runCli(['diff', pair.a.path, missing]), missing, /no such file/);
	});
});

