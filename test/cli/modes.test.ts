import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import {XMLParser, XMLValidator} from 'fast-xml-parser';
import {afterAll, describe, expect, it} from 'vitest';
import {repoRoot} from '../helpers/paths.js';
import {knownAnswers, layoutFacts, sampleImage, SIZES} from '../interop/sample-image.js';
import {runCli} from '../helpers/run-cli.js';
import {writeHostileNamesLayer} from '../fixtures/bad-inputs.js';

const sample = sampleImage('sample.docker.tar');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-modes-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;
/** A fresh working directory, with the given CI config files in it. */
function workdir(files: Record<string, string> = {}): string {
	const dir = path.join(scratch, `cwd-${counter++}`);
	mkdirSync(dir);
	for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
	return dir;
}
const resultLine = (stdout: string) => stdout.trim().split('\n').at(-1);
const ruleLine = (stdout: string, rule: string) => stdout.split('\n').find(line => line.includes(` ${rule}:`))?.trim();

// The sample's metrics, as dive reports them, from the sizes its Containerfile writes (sample-image.ts), and
// printed as the gate prints a ratio: at most four decimals.
const known = knownAnswers();
const ratio = (n: number) => String(Number(n.toFixed(4)));
const efficiency = ratio(known.dive.score);
const userWasted = ratio(known.dive.userWastedPercent);
const wasted = known.dive.wastedBytes;
const raw = layoutFacts('sample.raw.oci');
describe('--ci: dive-compatible rules and exit codes', () => {
	it('fails on dive\'s defaults (efficiency 0.9, user wasted 0.1) with exit 1', async () => {
		const result = await runCli([sample, '--ci'], {cwd: workdir()});
		expect(result.code).toBe(1);
		expect(ruleLine(result.stdout, 'lowestEfficiency')).toBe(`FAIL  lowestEfficiency: efficiency ${efficiency} < threshold 0.9 [default]`);
		expect(ruleLine(result.stdout, 'highestWastedBytes')).toBe('SKIP  highestWastedBytes: rule disabled');
		expect(ruleLine(result.stdout, 'highestUserWastedPercent')).toBe(`FAIL  highestUserWastedPercent: user wasted ${userWasted} > threshold 0.1 [default]`);
		expect(resultLine(result.stdout)).toBe('Result: FAIL [Total:3] [Passed:0] [Failed:2] [Skipped:1]');
	});

	it.each([
		['0.8', '1MB', '0.8', 0], // the wasted bytes are 947224
		['0.8', '0.9MB', '0.8', 1],
		['0.8', '1MiB', '0.8', 0],
		['0.8', String(wasted), '0.8', 0], // equal is not over
		['0.8', String(wasted - 1), '0.8', 1],
		[String(Math.ceil(known.dive.score * 100) / 100), 'disabled', '0.8', 1],
		['disabled', 'disabled', '0.75', 1], // user wasted 0.758
		[String(Math.floor(known.dive.score * 1e5) / 1e5), '20 mb', '0.7581', 0],
	])('reads .dive-ci as dive does: lowestEfficiency %s, highestWastedBytes %s, highestUserWastedPercent %s → exit %i', async (efficiency, wasted, user, code) => {
		const cwd = workdir({'.dive-ci': `rules:\n  lowestEfficiency: ${efficiency}\n  highestWastedBytes: ${wasted}\n  highestUserWastedPercent: ${user}\n`});
		const result = await runCli([sample, '--ci'], {cwd});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(code);
	});

	it('takes flags over .layerscope-ci.yml over .dive-ci', async () => {
		const cwd = workdir({
			'.dive-ci': 'rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: 0.99\n',
			'.layerscope-ci.yml': 'rules:\n  lowestEfficiency: 0.5\n  maxLayers: 3\n',
		});
		const fromFiles = await runCli([sample, '--ci'], {cwd});
		expect(ruleLine(fromFiles.stdout, 'lowestEfficiency')).toBe(`PASS  lowestEfficiency: efficiency ${efficiency} >= threshold 0.5 [.layerscope-ci.yml]`);
		expect(ruleLine(fromFiles.stdout, 'highestUserWastedPercent')).toBe(`PASS  highestUserWastedPercent: user wasted ${userWasted} <= threshold 0.99 [.dive-ci]`);
		expect(ruleLine(fromFiles.stdout, 'maxLayers')).toBe('FAIL  maxLayers: 5 layers > threshold 3 [.layerscope-ci.yml]');
		expect(fromFiles.code).toBe(1);
		const withFlag = await runCli([sample, '--ci', '--max-layers', '5'], {cwd});
		expect(ruleLine(withFlag.stdout, 'maxLayers')).toBe('PASS  maxLayers: 5 layers <= threshold 5 [flag]');
		expect(withFlag.code).toBe(0);
	});

	it('evaluates our own rules when configured', async () => {
		const cwd = workdir({'.layerscope-ci.yml': 'rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n  highestReclaimableBytes: 600KB\n  highestReclaimablePercent: 0.2\n  maxImageSize: 4MB\n  forbidPaths: ["**/.git", "**/*.pem"]\n  requireNonRoot: true\n  failOnFindings: high\n'});
		const result = await runCli([sample, '--ci'], {cwd});
		expect(ruleLine(result.stdout, 'highestReclaimableBytes')).toMatch(new RegExp(`^FAIL .*${known.reclaimableBytes} bytes .* > threshold 600000 bytes`));
		expect(ruleLine(result.stdout, 'highestReclaimablePercent')).toMatch(new RegExp(`^PASS .*${ratio(known.reclaimableBytes / known.storedBytes).replace('.', '\\.')} of stored bytes <= threshold 0\\.2`));
		expect(ruleLine(result.stdout, 'maxImageSize')).toMatch(new RegExp(`^PASS .*${known.storedBytes} bytes`));
		expect(ruleLine(result.stdout, 'forbidPaths')).toMatch(/^FAIL  forbidPaths: 1 forbidden path \(\/app\/\.git\)/);
		expect(ruleLine(result.stdout, 'requireNonRoot')).toMatch(/^FAIL  requireNonRoot: the image runs as root/);
		expect(ruleLine(result.stdout, 'failOnFindings')).toBe('PASS  failOnFindings: no finding at high or above [.layerscope-ci.yml]');
		expect(result.code).toBe(1);
	});

	it('turns on with CI=true (or 1, yes) and no mode flag, as dive does', async () => {
		for (const value of ['true', '1', 'yes']) {
			const result = await runCli([sample], {cwd: workdir(), env: {CI: value}});
			expect(result.code, value).toBe(1);
			expect(resultLine(result.stdout)).toMatch(/^Result: FAIL/);
		}
		const json = await runCli([sample, '--json'], {cwd: workdir(), env: {CI: 'true'}});
		expect(json.code).toBe(0);
		expect(JSON.parse(json.stdout).schemaVersion).toBe(1);
	});

	it('never passes when the image cannot be read: exit 2', async () => {
		const cwd = workdir({'.dive-ci': 'rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n'});
		const result = await runCli([path.join(scratch, 'missing.tar'), '--ci'], {cwd});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
	});

	it.each([
		[['--ci', '--highest-wasted-bytes', '20XB'], {}, /highestWastedBytes: "20XB" is not a size/],
		[['--ci', '--lowest-efficiency', 'high'], {}, /lowestEfficiency: "high" is not a number/],
		[['--ci'], {'.layerscope-ci.yml': 'rules:\n  lowestEficiency: 0.9\n'}, /unknown rule "lowestEficiency"/],
		[['--ci'], {'.layerscope-ci.yml': 'rules:\n  lowestEfficiency: 0.9\n bad: [\n'}, /\.layerscope-ci\.yml line 3, column 1: not valid YAML: All mapping items must start at the same column\n$/],
		[['--ci', '--ci-config', '/nonexistent/ci.yml'], {}, /cannot read CI config \/nonexistent\/ci.yml: no such file/],
		[['--ci', '--fail-on-findings', 'critical'], {}, /"critical" is not a severity/],
	])('refuses a misconfigured gate %j with exit 2', async (args, files, message) => {
		const result = await runCli([sample, ...args], {cwd: workdir(files)});
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(message);
	});

	it('writes well-formed JUnit XML, one test case per rule', async () => {
		const file = path.join(scratch, 'junit.xml');
		const result = await runCli([sample, '--ci', '--junit', file, '--max-layers', '9'], {cwd: workdir()});
		expect(result.code).toBe(1);
		const xml = readFileSync(file, 'utf8');
		expect(XMLValidator.validate(xml)).toBe(true);
		const parsed = new XMLParser({ignoreAttributes: false, attributeNamePrefix: ''}).parse(xml);
		const suite = parsed.testsuites.testsuite;
		expect([suite.tests, suite.failures, suite.skipped].map(Number)).toEqual([4, 2, 1]);
		const cases = suite.testcase as Array<Record<string, unknown>>;
		expect(cases.map(c => c.name)).toEqual(['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent', 'maxLayers']);
		expect(cases[0]!.failure).toMatchObject({message: `efficiency ${efficiency} < threshold 0.9`});
		expect(cases[1]!.skipped).toBeDefined();
	});

	it('under GitHub Actions: ::error annotations and a Markdown step summary', async () => {
		const summary = path.join(scratch, 'step-summary.md');
		writeFileSync(summary, '# earlier step\n');
		const result = await runCli([sample, '--ci'], {cwd: workdir(), env: {GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary}});
		expect(result.code).toBe(1);
		const annotations = result.stdout.split('\n').filter(line => line.startsWith('::error'));
		expect(annotations).toEqual([
			`::error title=layerscope lowestEfficiency::efficiency ${efficiency} < threshold 0.9`,
			`::error title=layerscope highestUserWastedPercent::user wasted ${userWasted} > threshold 0.1`,
		]);
		const markdown = readFileSync(summary, 'utf8');
		// Image data and messages are written as character references, which Markdown shows as the characters.
		expect(markdown.startsWith('# earlier step\n### layerscope: FAIL for localhost/sample&#58;1\n')).toBe(true);
		expect(markdown).toContain(`| lowestEfficiency | FAIL | efficiency ${efficiency} &#60; threshold 0.9 |`);
	});
});

describe('--json', () => {
	const schema = JSON.parse(readFileSync(path.join(repoRoot, 'source/report/report.schema.json'), 'utf8'));
	const validate = new Ajv({allErrors: true, strict: true}).compile(schema);

	it('writes only the report to stdout, valid against the schema, round-tripping through JSON.parse', async () => {
		const result = await runCli([sample, '--json']);
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout);
		expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
		expect(report).toMatchObject({
			schemaVersion: 1,
			image: {repoTags: ['localhost/sample:1'], id: raw.configDigest, platform: {os: 'linux', architecture: 'amd64'}},
			efficiency: {score: known.dive.score, wastedBytes: wasted, userWastedPercent: known.dive.userWastedPercent, sizeBytes: known.storedBytes, userSizeBytes: known.dive.userSizeBytes},
			waste: {reclaimableBytes: known.reclaimableBytes, byCause: {removed: known.removedBytes, overwritten: 0, duplicate: known.duplicateBytes, replaced: 0}},
		});
		expect(report.history).toHaveLength(8);
		expect(report.history[5]).toMatchObject({instruction: '/bin/sh -c #(nop) ENV APP_MODE=demo', emptyLayer: true, layerIndex: null});
		expect(report.layers[2]).toMatchObject({changes: {modified: 3, metadataOnly: 3}, reclaimable: {storedBytes: 0, killedBytes: known.duplicateBytes}, instruction: '/bin/sh -c chmod -R 755 /app'});
		expect(report.findings.map((f: {id: string}) => f.id)).toContain('metadata-rewrite');
	});

	it('validates for every real format and the bundled example', async () => {
		for (const image of (['sample.oci', 'sample.zstd.oci', 'sample.containerd.tar'] as const).map(name => sampleImage(name)).concat(path.join(repoRoot, 'media/example.tar'))) {
			const result = await runCli([image, '--json']);
			expect(validate(JSON.parse(result.stdout)), `${image}: ${JSON.stringify(validate.errors)}`).toBe(true);
		}
	}, 30_000); // four CLI runs, one after another

	it('rejects a report that breaks the schema (the schema is not a rubber stamp)', async () => {
		const report = JSON.parse((await runCli([sample, '--json'])).stdout);
		report.efficiency.score = 1.5;
		delete report.waste.byCause;
		expect(validate(report)).toBe(false);
	});

	it('writes to a FILE, before or after the image, and nothing to stdout', async () => {
		for (const args of [[sample, '--json', path.join(scratch, 'a.json')], ['--json', path.join(scratch, 'b.json'), sample]]) {
			const result = await runCli(args);
			expect(result.code).toBe(0);
			expect(result.stdout).toBe('');
			expect(JSON.parse(readFileSync(args.find(a => a.endsWith('.json'))!, 'utf8')).schemaVersion).toBe(1);
		}
	});

	it('writes dive\'s own export shape with --json-format dive', async () => {
		const result = await runCli([sample, '--json', '--json-format', 'dive']);
		const dive = JSON.parse(result.stdout);
		expect(Object.keys(dive)).toEqual(['layer', 'image']);
		expect(dive.layer[0]).toEqual({index: 0, digestId: raw.config.rootfs.diff_ids[0], sizeBytes: known.layerContents[0], command: raw.config.history[0]!.created_by});
		expect(dive.layer[0].command).toMatch(/^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/ $/);
		expect(dive.image).toMatchObject({sizeBytes: known.storedBytes, inefficientBytes: wasted, efficiencyScore: known.dive.score});
		expect(dive.image.inefficientFiles[0]).toEqual({count: 2, sizeBytes: 2 * SIZES.dataBin, file: '/app/data.bin'});
	});

	it('with --ci, --json FILE writes the report beside the gate', async () => {
		const file = path.join(scratch, 'ci-report.json');
		const result = await runCli([sample, '--ci', '--json', file], {cwd: workdir()});
		expect(result.code).toBe(1);
		expect(existsSync(file)).toBe(true);
	});
});

describe('usage errors: one line, exit 2', () => {
	it.each([
		[[sample, '--ci', '--json'], /--ci and --json both write to standard output/],
		[['files', sample, '--ci'], /files and --ci cannot be combined/],
		[[sample, '--max-layers', '3'], /--max-layers applies only with --ci/],
		[[sample, '--json', '--json-format', 'xml'], /--json-format must be layerscope or dive/],
		[[sample, 'other.tar'], /expected one image/],
	])('%j', async (args, message) => {
		const result = await runCli(args);
		expect(result.code).toBe(2);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toMatch(message);
	});

	it('no image shows the help, exit 0; --version prints the version', async () => {
		const help = await runCli([]);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/Usage/);
		const version = await runCli(['--version']);
		expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
	});
});

describe('the text summary', () => {
	it('is plain with NO_COLOR or --no-color, colored only when asked', async () => {
		const forced = await runCli([sample], {env: {FORCE_COLOR: '1', NO_COLOR: undefined}});
		expect(forced.stdout).toMatch(/\u001B\[/);
		const noColor = await runCli([sample], {env: {FORCE_COLOR: '1', NO_COLOR: '1'}});
		expect(noColor.stdout).not.toMatch(/\u001B/);
		const flag = await runCli([sample, '--no-color'], {env: {FORCE_COLOR: '1', NO_COLOR: undefined}});
		expect(flag.stdout).not.toMatch(/\u001B/);
		expect(flag.stdout).toBe(noColor.stdout);
	});

	it('shows the layers with instructions, the top waste and the findings', async () => {
		const result = await runCli([sample]);
		expect(result.stdout).toContain('  2    320 kB               RUN chmod -R 755 /app');
		expect(result.stdout).toContain('  -         -            -  ENV APP_MODE=demo');
		expect(result.stdout).toMatch(/307 kB {2}\/var\/cache\/tool\/blob {2}stored in layer 3, removed in layer 4/);
		expect(result.stdout).toMatch(/fix: Set mode and owner when the files arrive/);
	});

	it('escapes control characters in file names', async () => {
		const bad = await writeHostileNamesLayer({outPath: path.join(scratch, 'hostile')});
		const result = await runCli([bad.path, '--json']);
		expect(result.code).toBe(0);
		const text = await runCli([bad.path], {env: {FORCE_COLOR: undefined}});
		expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F]/);
	});
});
