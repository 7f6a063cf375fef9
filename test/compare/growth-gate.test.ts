/**
 * Issue 13: the gate on growth, `layerscope B --ci --baseline A`, through the built CLI on the pair of
 * image-pairs.ts: each growth rule passes and fails on its threshold, reads from flags and the config
 * file, and shows in the rule lines, the JUnit report, the annotations and the step summary.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {XMLParser} from 'fast-xml-parser';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/run-cli.js';
import {writeAppPair, type ImagePair} from './image-pairs.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-growth-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let pair: ImagePair;
/** Content bytes of each side, from its `files --json` listing (regular files; the pair has no hard links). */
let content: {a: number; b: number};
let counter = 0;

beforeAll(async () => {
	pair = await writeAppPair(scratch);
	const bytes = async (image: string) => {
		const result = await runCli(['files', image, '--json']);
		return result.stdout.trimEnd().split('\n').map(line => JSON.parse(line)).filter(entry => entry.type === 'file').reduce((sum, entry) => sum + entry.size, 0);
	};
	content = {a: await bytes(pair.a.path), b: await bytes(pair.b.path)};
});

function workdir(config?: string): string {
	const dir = path.join(scratch, `cwd-${counter++}`);
	mkdirSync(dir);
	if (config !== undefined) writeFileSync(path.join(dir, '.layerscope-ci.yml'), config);
	return dir;
}

const gate = (args: string[], options: {cwd?: string; env?: Record<string, string>} = {}) => runCli([pair.b.path, '--ci', '--baseline', pair.a.path, '--lowest-efficiency', 'disabled', '--highest-user-wasted-percent', 'disabled', ...args], {cwd: options.cwd ?? workdir(), env: options.env});
const ruleLine = (stdout: string, rule: string) => stdout.split('\n').find(line => line.includes(` ${rule}:`))?.trim();

describe('--ci --baseline A', () => {
	it('maxGrowthBytes fails above the growth of the content, and passes at it', async () => {
		const growth = content.b - content.a;
		expect(growth).toBeGreaterThan(0);
		const failing = await gate(['--max-growth-bytes', String(growth - 1)]);
		expect(failing.code, failing.stderr).toBe(1);
		expect(ruleLine(failing.stdout, 'maxGrowthBytes')).toMatch(new RegExp(`^FAIL {2}maxGrowthBytes: content grew \\+${growth} bytes .* > threshold ${growth - 1} bytes .*\\[flag\\]$`));
		expect(failing.stdout).toMatch(/baseline: .*app-v1, content \+[\d.]+ kB .*1 layers shared/);
		const passing = await gate(['--max-growth-bytes', String(growth)]);
		expect(passing.code, passing.stdout).toBe(0);
		expect(ruleLine(passing.stdout, 'maxGrowthBytes')).toMatch(/^PASS {2}maxGrowthBytes: content grew .* <= threshold/);
	});

	it('maxGrowthPercent compares the growth with the baseline\'s content', async () => {
		const share = (content.b - content.a) / content.a;
		expect((await gate(['--max-growth-percent', String(share * 0.99)])).code).toBe(1);
		expect((await gate(['--max-growth-percent', String(share * 1.01)])).code).toBe(0);
	});

	it('maxNewReclaimableBytes and noNewFindings read the comparison, from the config file', async () => {
		const result = await gate(['--junit', path.join(scratch, 'growth.xml')], {cwd: workdir('rules:\n  maxNewReclaimableBytes: 0\n  noNewFindings: low\n')});
		expect(result.code, result.stderr).toBe(1);
		expect(ruleLine(result.stdout, 'maxNewReclaimableBytes')).toMatch(/^FAIL {2}maxNewReclaimableBytes: reclaimable \+\d+ bytes .* over the baseline > threshold 0 bytes .*\[\.layerscope-ci\.yml\]$/);
		expect(ruleLine(result.stdout, 'noNewFindings')).toMatch(/^FAIL {2}noNewFindings: \d+ new findings? at low or above: /);
		const junit = new XMLParser({ignoreAttributes: false}).parse(readFileSync(path.join(scratch, 'growth.xml'), 'utf8'));
		const cases = [junit.testsuites.testsuite.testcase].flat();
		expect(cases.filter((c: any) => c.failure).map((c: any) => c['@_name']).sort()).toEqual(['maxNewReclaimableBytes', 'noNewFindings']);
	});

	it('under GitHub Actions, annotates the failures and puts the comparison in the step summary', async () => {
		const summary = path.join(scratch, 'step-summary.md');
		const result = await gate(['--max-growth-bytes', '1'], {env: {GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary}});
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(/^::error title=layerscope maxGrowthBytes::content grew/m);
		const text = readFileSync(summary, 'utf8');
		expect(text).toMatch(/### layerscope: FAIL/);
		expect(text).toMatch(/### layerscope diff: .* → example\.test\/app&#58;2/);
		expect(text).toMatch(/\| \/usr\/lib\/libnew\.so \| added \| &#43;20 kB \|/);
	});

	it('a growth rule in a shared config file, in a job with no baseline, is skipped and says why', async () => {
		const result = await runCli([pair.b.path, '--ci'], {cwd: workdir('rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n  maxGrowthBytes: 1\n')});
		expect(result.code, result.stdout).toBe(0);
		expect(ruleLine(result.stdout, 'maxGrowthBytes')).toBe('SKIP  maxGrowthBytes: no baseline (--baseline IMAGE) to compare with [.layerscope-ci.yml]');
	});

	it('a malformed growth threshold in the config file is an error even with no baseline to compare with', async () => {
		const result = await runCli([pair.b.path, '--ci'], {cwd: workdir('rules:\n  maxGrowthBytes: banana\n')});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^layerscope: CI misconfigured: maxGrowthBytes/);
	});

	it('a growth flag without a baseline, or a baseline without --ci, is one line and exit 2', async () => {
		for (const [args, problem] of [
			[[pair.b.path, '--ci', '--maxGrowthBytes', '1MB'], /^layerscope: --maxGrowthBytes needs --baseline IMAGE/],
			[[pair.b.path, '--ci', '--fail-on-new-findings', 'high', '--max-growth-percent', '0.1'], /--max-growth-percent and --fail-on-new-findings need --baseline/],
			[[pair.b.path, '--baseline', pair.a.path], /--baseline applies only with --ci/],
			[['diff', pair.a.path, pair.b.path, '--baseline', pair.a.path], /--baseline applies to --ci/],
		] as const) {
			const result = await runCli([...args], {cwd: workdir()});
			expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
			expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
			expect(result.stderr).toMatch(problem);
		}
	});
});
