import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import {SaxesParser} from 'saxes';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {escapeForMarkdown, escapeForTerminal, escapeWorkflowData} from '../../source/report/escape.js';
import {HOSTILE_FILE, HOSTILE_TAG, LEADING, PAYLOAD, UNSAFE_FOR_TERMINAL, writeHostileStringsImage} from '../fixtures/hostile-strings.js';
import {runCli} from '../helpers/run-cli.js';

/**
 * One hostile image (test/fixtures/hostile-strings.ts) through every output
 * that prints image data: the text summary, `files`, the CI gate's lines, the
 * GitHub annotations and step summary, JUnit and error messages. The browser
 * has its own test (test/hostile/escaping-browser.test.tsx).
 */

const FORBIDDEN = UNSAFE_FOR_TERMINAL;
/** Our own annotations are the only lines that may start a workflow command. */
const OUR_ANNOTATION = /^::error title=layerscope [A-Za-z]+::/;

function expectSafeForTerminal(text: string, what: string): void {
	const match = FORBIDDEN.exec(text);
	expect(match, `${what} holds ${JSON.stringify(match?.[0])} at ${match?.index}: ${JSON.stringify(text.slice(Math.max(0, (match?.index ?? 0) - 40), (match?.index ?? 0) + 40))}`).toBeNull();
	for (const line of text.split('\n')) {
		if (line.trimStart().startsWith('::')) expect(line, `${what}: a line that would run a workflow command`).toMatch(OUR_ANNOTATION);
	}
}

let scratch: string;
let legacy: string;
let layout: string;
beforeAll(async () => {
	scratch = mkdtempSync(path.join(tmpdir(), 'layerscope-hostile-'));
	legacy = (await writeHostileStringsImage(path.join(scratch, 'hostile.tar'), 'docker-legacy')).path;
	layout = (await writeHostileStringsImage(path.join(scratch, 'hostile-layout'), 'oci-dir')).path;
});
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

describe('the escapes', () => {
	it('make every control visible, and a value that opens with :: harmless', () => {
		expect(escapeForTerminal('a\u001B]0;t\u0007\n\u009B\u202E\\')).toBe('a\\e]0;t\\u{7}\\n\\u{9b}\\u{202e}\\\\');
		expect(escapeForTerminal(' ::error::x')).toBe(' \\u{3a}:error::x');
		expect(escapeForTerminal('std::vector')).toBe('std::vector');
		expect(escapeForTerminal('\uD800x\uDFFF')).toBe('\\u{d800}x\\u{dfff}');
		expect(escapeForTerminal('\uD83D\uDE00')).toBe('\uD83D\uDE00'); // a real astral character stays
		expect(escapeForMarkdown('`a`|<b>[c](d)')).toBe('&#96;a&#96;&#124;&#60;b&#62;&#91;c&#93;&#40;d&#41;');
		expect(escapeWorkflowData('100%\n::error::x')).toBe('100%25\\n::error::x');
	});
});

describe('a hostile image through every output', {timeout: 30_000}, () => {
	it('the text summary shows every string escaped', async () => {
		const result = await runCli([legacy]);
		expect(result.code).toBe(0);
		expectSafeForTerminal(result.stdout, 'summary');
		// Shown, not dropped: the tag (name and finding), platform, history and the finding's fix.
		expect(result.stdout).toContain(escapeForTerminal(HOSTILE_TAG));
		expect(result.stdout).toContain(`linux${escapeForTerminal(PAYLOAD)}/amd64`);
		expect(result.stdout).toContain(`\\u{3a}:warning::lead`);
		expect(result.stdout).toMatch(/fix: Refer to the image by digest .*evil\/::xA\\e\]52/);
	});

	it('files shows names and link targets escaped; --json keeps them exactly', async () => {
		const text = await runCli(['files', legacy]);
		expect(text.code).toBe(0);
		expectSafeForTerminal(text.stdout, 'files');
		expect(text.stdout).toContain(`/${escapeForTerminal(HOSTILE_FILE)}`);
		expect(text.stdout).toContain(`-> ${escapeForTerminal(LEADING.replace('\uD800', ''))}`);
		const json = await runCli(['files', '--json', legacy]);
		const paths = json.stdout.trimEnd().split('\n').map(line => JSON.parse(line) as {path: string; linkTarget?: string});
		expect(paths.map(p => p.path)).toContain(`/${HOSTILE_FILE}`);
		expect(paths.find(p => p.path === '/link')?.linkTarget).toBe(LEADING.replace('\uD800', ''));
	});

	it('the JSON report keeps every string exactly as stored', async () => {
		const result = await runCli([legacy, '--json']);
		const report = JSON.parse(result.stdout);
		expect(report.image.repoTags).toEqual([HOSTILE_TAG]);
		expect(report.image.config.user).toBe(LEADING);
		expect(report.image.platform.architecture).toBe(`amd64${PAYLOAD}`);
		expect(report.findings.find((f: {id: string}) => f.id === 'unpinned-tag').title).toContain(HOSTILE_TAG);
	});

	describe('the CI gate under GitHub Actions', () => {
		let gate: Awaited<ReturnType<typeof runCli>>;
		let summary: string;
		let junit: string;
		beforeAll(async () => {
			const summaryFile = path.join(scratch, 'step-summary.md');
			const junitFile = path.join(scratch, 'junit.xml');
			gate = await runCli([legacy, '--ci', '--require-non-root', '--fail-on-findings', 'low', '--forbid-paths', '**/hostile-*', '--junit', junitFile], {
				env: {GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile},
			});
			summary = readFileSync(summaryFile, 'utf8');
			junit = readFileSync(junitFile, 'utf8');
		});

		it('prints rule lines and annotations that no image string can turn into a workflow command', () => {
			expect(gate.code).toBe(1);
			expectSafeForTerminal(gate.stdout, 'CI output');
			// The User value (a line break, then ::error and ::add-mask::) is quoted in the requireNonRoot line.
			expect(gate.stdout).toContain(`PASS  requireNonRoot: ${escapeForTerminal(`runs as ${LEADING}`)}`);
			const annotations = gate.stdout.split('\n').filter(line => line.startsWith('::'));
			expect(annotations.map(line => /title=layerscope (\w+)/.exec(line)![1])).toEqual(['lowestEfficiency', 'highestUserWastedPercent', 'forbidPaths', 'failOnFindings']);
			expect(annotations.find(line => line.includes('forbidPaths'))).toContain(escapeWorkflowData(`/${HOSTILE_FILE}`));
		});

		it('writes JUnit XML that a strict XML 1.0 parser reads, with the messages escaped', () => {
			const parser = new SaxesParser();
			const failures: string[] = [];
			const cases: string[] = [];
			parser.on('opentag', tag => {
				if (tag.name === 'testcase') cases.push(String(tag.attributes.name));
				if (tag.name === 'failure') failures.push(String(tag.attributes.message));
			});
			parser.on('error', error => {
				throw error;
			});
			parser.write(junit).close();
			expect(cases).toHaveLength(6);
			expect(failures.find(message => message.includes('forbidden path'))).toContain(escapeForTerminal(`/${HOSTILE_FILE}`).slice(0, 60));
			expectSafeForTerminal(failures.join('\n'), 'JUnit messages');
		});

		it('appends a step summary whose table no image string can break', () => {
			const tokens = new MarkdownIt().parse(summary, {});
			const rows = tokens.filter(token => token.type === 'tr_open').length;
			expect(rows).toBe(1 + 6); // the header and one row per rule
			for (let i = 0; i < tokens.length; i++) {
				if (tokens[i]!.type === 'tr_open') {
					let cells = 0;
					for (let j = i + 1; tokens[j]!.type !== 'tr_close'; j++) if (tokens[j]!.type === 'td_open' || tokens[j]!.type === 'th_open') cells++;
					expect(cells).toBe(3);
				}
			}
			const inline = tokens.filter(token => token.type === 'inline').flatMap(token => token.children ?? []);
			// Image data is text: no code span, link, image, HTML or emphasis comes from it.
			expect(inline.filter(token => token.type !== 'text' && token.type !== 'softbreak').map(token => token.type)).toEqual([]);
			const html = new MarkdownIt().render(summary);
			expect(html).not.toMatch(/<img|<a |<code|<em>|<strong>/);
			const heading = tokens[tokens.findIndex(token => token.type === 'heading_open') + 1]!.content;
			expect(new MarkdownIt().renderInline(heading)).toContain('evil/::xA\\e]52;c;cHduZWQ=\\u{7}');
			expectSafeForTerminal(summary, 'step summary');
		});
	});

	it('error messages quote image strings escaped', async () => {
		const result = await runCli([`${layout}:nope`]);
		expect(result.code).toBe(2);
		expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
		expect(result.stderr).toContain('has no image named "nope"; it has "::warning::lead A\\e]52');
		expectSafeForTerminal(result.stderr, 'error');
	});

	it('a layout named by a hostile ref shows the ref escaped where it names the image', async () => {
		const result = await runCli([layout]);
		expect(result.code).toBe(0);
		expectSafeForTerminal(result.stdout, 'summary of the layout');
		expect(result.stdout.startsWith('\\u{3a}:warning::lead')).toBe(true);
	});
});
