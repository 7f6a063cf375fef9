import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {goFloat, humanizeBytes} from '../../source/report/ci/go-format.js';
import {repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const image = path.join(repoRoot, 'media/example.tar');

describe("dive's number formatting", () => {
	it("prints floats as Go's %v does", () => {
		expect(goFloat(0.8059314770522694)).toBe('0.8059314770522694');
		expect(goFloat(0.9)).toBe('0.9');
		expect(goFloat(0.1)).toBe('0.1');
		expect(goFloat(1)).toBe('1');
		expect(goFloat(0)).toBe('0');
		expect(goFloat(0.0001)).toBe('0.0001');
		expect(goFloat(0.00001)).toBe('1e-05');
		expect(goFloat(0.000012345)).toBe('1.2345e-05');
		expect(goFloat(315.07692307692304)).toBe('315.07692307692304');
		expect(goFloat(1e21)).toBe('1e+21');
		expect(goFloat(123456789012345680000)).toBe('123456789012345680000');
	});

	it("prints sizes as go-humanize's Bytes does", () => {
		expect(humanizeBytes(0)).toBe('0 B');
		expect(humanizeBytes(9)).toBe('9 B');
		expect(humanizeBytes(186)).toBe('186 B');
		expect(humanizeBytes(947224)).toBe('947 kB');
		expect(humanizeBytes(6000)).toBe('6.0 kB');
		expect(humanizeBytes(9949)).toBe('9.9 kB');
		expect(humanizeBytes(9950)).toBe('10 kB');
		expect(humanizeBytes(12500)).toBe('12 kB'); // Go's %.0f rounds an exact half to even
		expect(humanizeBytes(13500)).toBe('14 kB');
		expect(humanizeBytes(2_400_000_000)).toBe('2.4 GB');
	});
});

describe('--ci-format dive', () => {
	it("writes dive's lines: measurements, inefficient files, one line per rule by name, dive's result line", async () => {
		const dive = await runCli([image, '--ci', '--ci-format', 'dive', '--highest-wasted-bytes', '1MB']);
		const ours = await runCli([image, '--ci', '--highest-wasted-bytes', '1MB']);
		const report = JSON.parse((await runCli([image, '--json'])).stdout);
		expect(dive.code).toBe(ours.code);
		const lines = dive.stdout.trimEnd().split('\n');
		const {efficiency} = report;
		expect(lines.slice(0, 5)).toEqual([
			`  efficiency: ${(efficiency.score * 100).toFixed(4)} %`,
			`  wastedBytes: ${efficiency.wastedBytes} bytes (${humanizeBytes(efficiency.wastedBytes)})`,
			`  userWastedPercent: ${(efficiency.userWastedPercent * 100).toFixed(4)} %`,
			'Inefficient Files:',
			'Count  Wasted Space  File Path',
		]);
		const files = lines.slice(5, lines.indexOf('Results:'));
		expect(files).toEqual(efficiency.inefficientFiles.map((file: {count: number; cumulativeBytes: number; path: string}) => `${String(file.count).padStart(5)}  ${humanizeBytes(file.cumulativeBytes).padStart(12)}  ${file.path}`));
		expect(lines.slice(lines.indexOf('Results:') + 1)).toEqual([
			`  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${goFloat(efficiency.userWastedPercent)} > threshold=0.1)`,
			'  PASS: highestWastedBytes',
			`  FAIL: lowestEfficiency: image efficiency is too low (efficiency=${goFloat(efficiency.score)} < threshold=0.9)`,
			'Result:FAIL [Total:3] [Passed:1] [Failed:2] [Warn:0] [Skipped:0]',
		]);
	});

	it('says "rule disabled" of a disabled rule and passes when every rule does', async () => {
		const result = await runCli([image, '--ci', '--ci-format', 'dive', '--lowest-efficiency', '0.5', '--highest-user-wasted-percent', 'disabled']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('  SKIP: highestUserWastedPercent: rule disabled\n  SKIP: highestWastedBytes: rule disabled\n  PASS: lowestEfficiency\nResult:PASS [Total:3] [Passed:1] [Failed:0] [Warn:0] [Skipped:2]\n');
	});

	it('tags rules left at their defaults in our own format', async () => {
		const result = await runCli([image, '--ci', '--lowest-efficiency', '0.5']);
		expect(result.stdout).toContain('PASS  lowestEfficiency: efficiency 0.6717 >= threshold 0.5 [flag]');
		expect(result.stdout).toMatch(/FAIL {2}highestUserWastedPercent: .* \[default\]/);
	});

	it('is refused without --ci, or with another format', async () => {
		const without = await runCli([image, '--ci-format', 'dive']);
		expect(without.code).toBe(2);
		expect(without.stderr).toBe('layerscope: --ci-format applies only with --ci\n');
		const other = await runCli([image, '--ci', '--ci-format', 'xml']);
		expect(other.stderr).toBe('layerscope: --ci-format must be layerscope or dive, not "xml"\n');
	});
});
