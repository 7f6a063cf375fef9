import {expect} from 'vitest';
import type {CliResult} from './run-cli.js';

/** One line on stderr naming the input and the problem, exit code 2, nothing on stdout, no stack trace. */
export function expectOneLineError(result: CliResult, input: string, problem: RegExp): void {
	expect(result.code, result.stderr).toBe(2);
	expect(result.stdout).toBe('');
	const lines = result.stderr.trimEnd().split('\n');
	expect(lines, result.stderr).toHaveLength(1);
	expect(lines[0]).toContain(input);
	expect(lines[0]).toMatch(problem);
	expect(result.stderr).not.toMatch(/\n\s+at /);
}
