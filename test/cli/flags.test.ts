import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {completionScript} from '../../source/cli/completion.js';
import {camelCase, FLAGS, findUnknownFlag, flagUsage, type FlagSpec} from '../../source/cli/flags.js';
import {repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/** The flag table drives parsing, help and completion: these tests hold each to it, and to dive's spellings. */
const image = path.join(repoRoot, 'media/example.tar');
const specs = FLAGS as readonly FlagSpec[];

let scratch: string;
beforeAll(() => {
	scratch = mkdtempSync(path.join(tmpdir(), 'layerscope-flags-'));
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const oneLine = (result: {code: number | null; stderr: string}, pattern: RegExp) => {
	expect(result.code).toBe(2);
	expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
	expect(result.stderr).toMatch(/^layerscope: /);
	expect(result.stderr).toMatch(pattern);
};

describe('unknown flags', () => {
	it('are one line in the usual form, with the nearest flag when one is close', async () => {
		oneLine(await runCli([image, '--jsn']), /^layerscope: unknown flag --jsn \(did you mean --json\?\); see layerscope --help$/m);
		oneLine(await runCli([image, '--lowestEficiency', '0.9', '--ci']), /unknown flag --lowestEficiency \(did you mean --lowestEfficiency\?\)/);
		oneLine(await runCli([image, '--frobnicate']), /^layerscope: unknown flag --frobnicate; see layerscope --help$/m);
		oneLine(await runCli([image, '-x']), /unknown flag -x/);
	});

	it('never mistakes a value for a flag', () => {
		expect(findUnknownFlag(['files', '--layer', '-1', 'x'])).toBeUndefined();
		expect(findUnknownFlag(['--json', '-', 'x'])).toBeUndefined();
		expect(findUnknownFlag(['x', '--json', '--bogus'])).toEqual({typed: '--bogus', suggestion: undefined});
		expect(findUnknownFlag(['--no-verify', '--no-color', '--lowestEfficiency=0.5', '--', '--anything'])).toBeUndefined();
	});
});

describe("dive's spellings", () => {
	it('-h and --help show the help, -v and --version the version', async () => {
		for (const flag of ['-h', '--help']) {
			const help = await runCli([flag]);
			expect(help.code).toBe(0);
			expect(help.stdout).toContain('Usage');
		}
		const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
		for (const flag of ['-v', '--version']) expect((await runCli([flag])).stdout.trim()).toBe(version);
	});

	it('-j FILE writes the report to FILE, as dive\'s --json FILE does', async () => {
		const file = path.join(scratch, 'dive.json');
		const result = await runCli([image, '-j', file]);
		expect(result.code).toBe(0);
		expect(result.stdout).toBe('');
		expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(1);
	});

	it('--json-format dive implies --json', async () => {
		const result = await runCli([image, '--json-format', 'dive']);
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout);
		expect(report.layer).toBeInstanceOf(Array);
		expect(report.image.inefficientFiles).toBeInstanceOf(Array);
	});

	it('rule flags in dive\'s camelCase and ours mean the same, and messages name them as typed', async () => {
		const camel = await runCli([image, '--ci', '--lowestEfficiency', '0.5']);
		const kebab = await runCli([image, '--ci', '--lowest-efficiency', '0.5']);
		expect(camel.stdout).toContain('PASS  lowestEfficiency: efficiency 0.6717 >= threshold 0.5 [flag]');
		expect(kebab.stdout).toBe(camel.stdout);
		oneLine(await runCli([image, '--maxLayers', '3']), /^layerscope: --maxLayers applies only with --ci$/m);
		oneLine(await runCli([image, '--max-layers', '3', '--junit', 'x.xml']), /^layerscope: --max-layers and --junit apply only with --ci$/m);
	});
});

describe('--layer', () => {
	it('is refused where it would be ignored', async () => {
		oneLine(await runCli([image, '--layer', '2']), /--layer applies to files .* not to the text summary/);
		oneLine(await runCli([image, '--layer', '2', '--json']), /not to the JSON report/);
		oneLine(await runCli([image, '--layer', '2', '--ci']), /not to --ci/);
		expect((await runCli(['files', image, '--layer', '2'])).code).toBe(0);
	});
});

describe('help is generated from the table', () => {
	it('lists every flag with its help', async () => {
		const help = (await runCli(['--help'])).stdout;
		for (const spec of specs) {
			expect(help, spec.name).toContain(flagUsage(spec));
			expect(help.replace(/\s+/g, ' '), spec.name).toContain(spec.help);
		}
	});
});

const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

describe('shell completion', () => {
	const longNames = specs.filter(s => s.name !== 'help' && s.name !== 'version').map(s => (s.negatable ? `--no-${s.name}` : `--${s.name}`));

	it('bash: completes every flag, subcommands, and the values of flags that have them', async () => {
		const script = path.join(scratch, 'layerscope.bash');
		writeFileSync(script, (await runCli(['completion', 'bash'])).stdout);
		const complete = (...words: string[]) =>
			execFileSync('bash', ['-c', `source "$1"; COMP_WORDS=("\${@:2}"); COMP_CWORD=$(( $# - 2 )); _layerscope; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', script, ...words], {encoding: 'utf8', cwd: scratch})
				.split('\n')
				.filter(Boolean);
		expect(complete('layerscope', '--')).toEqual(expect.arrayContaining([...longNames, '--lowestEfficiency', '--help', '--version']));
		expect(complete('layerscope', '--json-f')).toEqual(['--json-format']);
		expect(complete('layerscope', '--json-format', '')).toEqual(['layerscope', 'dive']);
		expect(complete('layerscope', '--fail-on-findings', 'm')).toEqual(['medium']);
		expect(complete('layerscope', 'fi')).toContain('files');
		expect(complete('layerscope', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
		expect(complete('layerscope', '--junit', 'layerscope.b')).toEqual(['layerscope.bash']);
	});

	it('fish: completes every flag and the values of flags that have them', () => {
		const script = path.join(scratch, 'layerscope.fish');
		writeFileSync(script, completionScript('fish'));
		const complete = (line: string) => execFileSync('fish', ['--no-config', '-c', `source ${script}; complete -C '${line}'`], {encoding: 'utf8'}).split('\n').filter(Boolean).map(l => l.split('\t')[0]!);
		expect(complete('layerscope --')).toEqual(expect.arrayContaining([...longNames, '--lowestEfficiency']));
		expect(complete('layerscope --json-format ')).toEqual(expect.arrayContaining(['layerscope', 'dive']));
		expect(complete('layerscope completion ')).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
	});

	it('zsh: the script parses, and describes every flag', () => {
		const script = completionScript('zsh');
		const file = path.join(scratch, '_layerscope');
		writeFileSync(file, script);
		execFileSync('zsh', ['-n', file]);
		for (const name of longNames) expect(script).toMatch(new RegExp(`'\\*?${name}[=[]`));
		// Help texts with zsh's own syntax characters stay inside their brackets.
		expect(script).toContain("[os/arch\\[/variant\\] from a multi-platform index]");
	});

	it('the shells the tests need are here', () => {
		expect([hasShell('bash'), hasShell('fish'), hasShell('zsh')]).toEqual([true, true, true]);
	});
});

describe('the table', () => {
	it('names every flag once, in every spelling', () => {
		const seen = new Set<string>();
		for (const spec of specs) {
			for (const name of new Set([spec.name, camelCase(spec.name), ...(spec.aliases ?? []), ...(spec.short ? [spec.short] : [])])) {
				expect(seen.has(name), name).toBe(false);
				seen.add(name);
			}
		}
	});
});



describe('the README', () => {
	it("shows the option table generated from the flag table", async () => {
		const {flagsMarkdown} = await import('../../source/cli/flags.js');
		expect(readFileSync(path.join(repoRoot, 'README.md'), 'utf8')).toContain(flagsMarkdown());
	});
});

describe("dive's file sources", () => {
	it('docker-archive://PATH and --source docker-archive read a file', async () => {
		const plain = await runCli(['files', image]);
		expect((await runCli(['files', `docker-archive://${image}`])).stdout).toBe(plain.stdout);
		expect((await runCli(['files', image, '--source', 'docker-archive'])).stdout).toBe(plain.stdout);
	});
});
