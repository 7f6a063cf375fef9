import {appendFileSync, writeFileSync} from 'node:fs';
import process from 'node:process';
import {cacheDirectory, cacheMaxBytes, openLayerCache} from '../cache/cache-settings.js';
import {InputError, UsageError} from '../errors.js';
import type {LoadOptions} from '../image/load.js';
import type {Comparison} from '../compare/comparison.js';
import {createStyle, wantsColor} from '../report/style.js';
import {ApplyError} from '../tree/apply-error.js';
import {escapeForTerminal} from '../report/escape.js';
import {loadAndAnalyse, loadFacts} from './load-and-analyse.js';
import {chooseMode, type DiffOutput, type ModeFlags} from './mode.js';
import type {AnalysisFacts} from '../analysis/analyse.js';
import {createProgress} from './progress.js';

export interface CliRequest {
	input: string[];
	modeFlags: ModeFlags;
	load: Pick<LoadOptions, 'platform' | 'ref' | 'verify' | 'source' | 'insecure'>;
	/** false: --no-cache. */
	cache: boolean;
	layer: number | undefined;
	color: boolean;
	version: string;
	showHelp: () => void;
}

/** Runs one mode and returns the exit code: 0 pass, 1 a CI rule failed; errors throw (the caller exits 2). */
export async function runCli(request: CliRequest): Promise<number> {
	// Each mode's modules are imported when it is taken: a run pays for the modules it uses (fast-xml-parser alone is
	// 40 ms, the whole graph 150 ms against a cached run's 80 ms of work).
	const mode = chooseMode(request.input, request.modeFlags, process.env, Boolean(process.stdout.isTTY));
	if (mode.kind === 'help') {
		request.showHelp();
		return 0;
	}
	if (mode.kind === 'completion') {
		const {completionScript} = await import('./completion.js');
		await writeText(completionScript(mode.shell));
		return 0;
	}
	if (mode.kind === 'cache') {
		const {cacheCommand} = await import('./cache-command.js');
		await writeText(await cacheCommand(mode.action, cacheDirectory(process.env), cacheMaxBytes(process.env)));
		return 0;
	}
	// The cache's one warning (if it cannot be written) goes to stderr; the run goes on.
	// On a terminal, over the progress line, which redraws after it.
	const clearLine = process.stderr.isTTY ? '\r\u001B[2K' : '';
	const cache = request.cache ? openLayerCache(process.env, line => process.stderr.write(`${clearLine}layerscope: ${line}\n`)) : null;
	const loadOptions: LoadOptions = {...request.load, cache};
	const style = createStyle(wantsColor({flag: request.color, env: process.env, isTTY: Boolean(process.stdout.isTTY)}));
	if (mode.kind === 'browser' || (mode.kind === 'diff' && mode.browser)) {
		// The browser and its React are loaded only when a terminal asks for them, as React's production build
		// (it picks the build from NODE_ENV when first imported; development checks cost frames).
		process.env.NODE_ENV ??= 'production';
		const [{runBrowser, runCompareBrowser}, {loadBrowserConfig}] = await Promise.all([import('../ui/launch.js'), import('../ui/browser-config.js')]);
		const config = loadBrowserConfig(process.env);
		if (mode.kind === 'diff') await runCompareBrowser(mode, loadOptions, style, {config});
		else await runBrowser(mode.image, loadOptions, style, {layer: mode.layer, config});
		return 0;
	}
	if (mode.kind === 'diff' && mode.file !== undefined) {
		const {diffFileAcross} = await import('./diff-command.js');
		await writeLines((await diffFileAcross({...mode, file: mode.file}, loadOptions, style))[Symbol.iterator]());
		return 0;
	}
	if (mode.kind === 'diff') {
		// The reports asked for are imported, as they are written, while the images load (the summary's only when nothing else is asked).
		const reports = {
			json: mode.json ? import('../report/compare-json.js') : null,
			markdown: mode.markdown ? import('../report/compare-markdown.js') : null,
			summary: mode.json || mode.markdown ? null : import('../report/compare-summary.js'),
		};
		const {loadComparison} = await import('./diff-command.js');
		const comparison = await loadComparison(mode, loadOptions);
		const outputs: Array<[DiffOutput | null, () => Promise<string>]> = [
			[mode.json, async () => JSON.stringify((await reports.json!).compareJsonReport(comparison, request.version), null, 2) + '\n'],
			[mode.markdown, async () => (await reports.markdown!).compareMarkdown(comparison)],
		];
		for (const [output, text] of outputs) {
			if (output?.file !== undefined) writeOutputFile(output.file, await text());
			else if (output) await writeText(await text());
		}
		if (reports.summary) await writeLines((await reports.summary).compareSummaryLines(comparison, style)[Symbol.iterator]());
		return 0;
	}
	const progress = createProgress(process.stderr);
	const load: LoadOptions = {...loadOptions, onProgress: progress.update};

	if (mode.kind === 'cat') {
		const {catCommand} = await import('./cat-command.js');
		await catCommand(mode, load, request.layer, process.stdout, progress.done);
		return 0;
	}

	if (mode.kind === 'diff-file') {
		const {diffFileCommand} = await import('./diff-file-command.js');
		await writeLines((await diffFileCommand(mode, load, request.layer, style, progress.done))[Symbol.iterator]());
		return 0;
	}

	if (mode.kind === 'extract') {
		const {extractCommand} = await import('./extract-command.js');
		await extractCommand(mode, load, request.layer, process.stderr, progress.done);
		return 0;
	}

	if (mode.kind === 'files') {
		const [{loadImage}, {filesOutput}] = await Promise.all([import('../image/load.js'), import('./files-command.js')]);
		const image = await loadImage(mode.image, load).finally(progress.done);
		try {
			await writeLines(filesOutput(image, {layer: request.layer, json: request.modeFlags.json !== undefined}));
		} catch (error) {
			if (error instanceof ApplyError) throw new InputError(mode.image, error.message);
			throw error;
		}
		return 0;
	}

	if (mode.kind === 'packages') {
		const [{loadImage}, {packagesAt, packagesOutput}] = await Promise.all([import('../image/load.js'), import('./packages-command.js')]);
		const image = await loadImage(mode.image, load).finally(progress.done);
		let report;
		try {
			report = packagesAt(image, request.layer);
		} catch (error) {
			if (error instanceof ApplyError) throw new InputError(mode.image, error.message);
			throw error;
		}
		const json = request.modeFlags.json !== undefined;
		if (!json) for (const note of report.notes) process.stderr.write(`layerscope: note: ${escapeForTerminal(note)}\n`);
		await writeLines(packagesOutput(report, {json}));
		return 0;
	}

	// Read the CI configuration before the image: a misconfigured gate fails fast.
	const ciConfig = mode.kind === 'ci' ? (await import('../report/ci/config.js')).loadCiConfig({cwd: process.cwd(), configFile: request.modeFlags.ciConfig, flags: request.modeFlags.thresholds}) : undefined;
	// With a baseline, both images together, a blob they share read once (as diff reads them).
	// The reports read only the analysis' facts, which the analysis cache keeps; a comparison and forbidden paths need the trees.
	let analysis: AnalysisFacts;
	let comparison: Comparison | null = null;
	if (mode.kind === 'ci' && mode.baseline !== undefined) {
		const [{loadTogether}, {compareImages}] = await Promise.all([import('./diff-command.js'), import('../compare/comparison.js')]);
		// Baseline first: the comparison's A, which the shared stack's notes (`shared`) take as theirs.
		const {sides: [baseline, image], shared} = await loadTogether([mode.baseline, mode.image], {...loadOptions, onProgress: undefined});
		analysis = image!;
		comparison = compareImages(baseline!, image!, shared);
	} else {
		analysis = await (ciConfig?.forbidPaths ? loadAndAnalyse : loadFacts)(mode.image, load).finally(progress.done);
	}

	if (mode.kind === 'summary') {
		const {summaryLines} = await import('../report/summary.js');
		await writeLines(summaryLines(analysis, style)[Symbol.iterator]());
		return 0;
	}
	const {diveJsonReport, jsonReport} = await import('../report/json-report.js');
	const report = () => JSON.stringify(request.modeFlags.jsonFormat === 'dive' ? diveJsonReport(analysis) : jsonReport(analysis, request.version), null, 2) + '\n';
	if (mode.kind === 'json') {
		if (mode.file === undefined) await writeText(report());
		else writeOutputFile(mode.file, report());
		return 0;
	}

	const [{evaluateRules}, {ciLines}, {diveCiLines}, {githubAnnotations, githubSummary}] = await Promise.all([
		import('../report/ci/rules.js'),
		import('../report/ci/ci-report.js'),
		import('../report/ci/dive-ci-report.js'),
		import('../report/ci/github.js'),
	]);
	const verdict = evaluateRules(analysis, ciConfig!, comparison);
	if (mode.jsonFile !== undefined) writeOutputFile(mode.jsonFile, report());
	if (request.modeFlags.junit !== undefined) writeOutputFile(request.modeFlags.junit, (await import('../report/ci/junit.js')).junitXml(analysis, verdict));
	const lines = mode.format === 'dive' ? diveCiLines(analysis, verdict, style) : ciLines(analysis, verdict, style, comparison);
	if (process.env.GITHUB_ACTIONS === 'true') {
		lines.push(...githubAnnotations(verdict));
		const summaryFile = process.env.GITHUB_STEP_SUMMARY;
		if (summaryFile) appendOutputFile(summaryFile, githubSummary(analysis, verdict) + (comparison ? '\n' + (await import('../report/compare-markdown.js')).compareMarkdown(comparison) : ''));
	}
	await writeLines(lines[Symbol.iterator]());
	return verdict.pass ? 0 : 1;
}

function writeOutputFile(file: string, text: string): void {
	try {
		writeFileSync(file, text);
	} catch (error) {
		throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
	}
}

function appendOutputFile(file: string, text: string): void {
	try {
		appendFileSync(file, text);
	} catch (error) {
		throw new UsageError(`cannot append to ${file}: ${(error as Error).message}`);
	}
}

async function writeText(text: string): Promise<void> {
	if (!process.stdout.write(text)) await new Promise(resolve => process.stdout.once('drain', resolve));
}

/** Writes lines in large batches, waiting when stdout is full. */
async function writeLines(lines: Iterator<string>): Promise<void> {
	let batch: string[] = [];
	const flush = async () => {
		if (batch.length === 0) return;
		const text = batch.join('\n') + '\n';
		batch = [];
		await writeText(text);
	};
	for (let next = lines.next(); !next.done; next = lines.next()) {
		batch.push(next.value);
		if (batch.length >= 2000) await flush();
	}
	await flush();
}
