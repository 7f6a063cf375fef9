import {UsageError} from '../errors.js';
import {GROWTH_RULES, type RuleKey} from '../report/ci/config.js';
import {SHELLS, type Shell} from './completion.js';
import {ruleFlag, typedSpelling, type FlagName} from './flags.js';

export type Mode =
	| {kind: 'help'}
	| {kind: 'completion'; shell: Shell}
	| {kind: 'cache'; action: 'info' | 'clear'}
	| {kind: 'files'; image: string}
	| {kind: 'packages'; image: string}
	| {kind: 'cat'; image: string; path: string}
	| {kind: 'diff-file'; image: string; path: string}
	| ExtractMode
	| {kind: 'summary'; image: string}
	| {kind: 'browser'; image: string; layer: number | undefined}
	| {kind: 'json'; image: string; file: string | undefined}
	| {kind: 'ci'; image: string; jsonFile: string | undefined; format: 'layerscope' | 'dive'; baseline: string | undefined}
	| DiffMode;

/** `extract IMAGE PATH... --to DIR`: the paths written under DIR (see content/extract.ts). */
export interface ExtractMode {
	kind: 'extract';
	image: string;
	paths: string[];
	to: string;
	force: boolean;
	sameOwner: boolean;
}

/** Where one of diff's outputs goes: standard output, or a file. */
export interface DiffOutput {
	file: string | undefined;
}

/**
 * `diff A B`, or `diff IMAGE --from N --to M`. The text summary goes to
 * standard output unless --json or --markdown claims it (one of them may,
 * the other then needs a FILE).
 */
export interface DiffMode {
	kind: 'diff';
	images: [string, string] | [string];
	range: {from: number | undefined; to: number | undefined} | null;
	json: DiffOutput | null;
	markdown: DiffOutput | null;
	/** On a terminal with neither report asked for: the compare view. */
	browser: boolean;
	/** --file PATH: that one file's change, as a unified diff, instead of the comparison. */
	file: string | undefined;
}

export interface ModeFlags {
	ci: boolean;
	/** --ci-format: ours (default) or dive's. */
	ciFormat?: string;
	/** undefined: absent; '': given without a value. */
	json: string | undefined;
	jsonFormat: string | undefined;
	junit: string | undefined;
	ciConfig: string | undefined;
	thresholds: Partial<Record<RuleKey, unknown>>;
	/** --ci --baseline IMAGE: the image to compare with. */
	baseline?: string;
	/** diff: --markdown [FILE]; undefined: absent, '': standard output. */
	markdown?: string;
	/** diff of one image: --from N --to M. */
	from?: number;
	/** diff: the layer number M as typed (a string: extract's --to DIR shares the flag). */
	to?: string;
	/** extract: --force, --same-owner. */
	force?: boolean;
	sameOwner?: boolean;
	/** --layer N: files, packages, cat, and the browser's first layer. */
	layer?: number;
	/** diff --file PATH: one file's change. */
	file?: string;
	/** The command line as typed, to name flags in messages as the user spelled them. */
	argv?: readonly string[];
}

const TRUTHY = new Set(['true', '1', 'yes']);

/**
 * Exactly one mode per run. `--json FILE` may follow the image or precede
 * it, so a lone value after --json with no other image is the image.
 */
export function chooseMode(input: string[], flags: ModeFlags, env: NodeJS.ProcessEnv, stdoutIsTTY = false): Mode {
	const words = [...input];
	if (words[0] === 'completion') {
		const shell = words[1] as Shell;
		if (words.length !== 2 || !SHELLS.includes(shell)) throw new UsageError(`completion needs one shell: layerscope completion ${SHELLS.join('|')}`);
		return {kind: 'completion', shell};
	}
	// "cache info" and "cache clear" are two words, which an image never is ("cache" alone is an image).
	if (words[0] === 'cache' && words.length === 2) {
		if (words[1] !== 'info' && words[1] !== 'clear') throw new UsageError(`cache takes info or clear, not "${words[1]}": layerscope cache info|clear`);
		return {kind: 'cache', action: words[1]};
	}
	const spell = (name: string) => typedSpelling(flags.argv ?? [], name as FlagName);
	if (words[0] !== 'extract') for (const name of ['force', 'same-owner'] as const) if (flags[camel(name)]) throw new UsageError(`${spell(name)} applies to extract (layerscope extract IMAGE PATH... ${spell('to')} DIR)`);
	if (words[0] === 'diff') return chooseDiff(words.slice(1), flags, spell, stdoutIsTTY);
	if (words[0] === 'extract') return chooseExtract(words.slice(1), flags, spell);
	for (const name of ['markdown', 'from', 'to', 'file'] as const) if (flags[name] !== undefined) throw new UsageError(`${spell(name)} applies to diff (layerscope diff A B)`);
	if (words[0] === 'cat') return chooseCat(words.slice(1), flags, spell);
	if (words[0] === 'diff-file') return chooseDiffFile(words.slice(1), flags, spell);
	const command = words[0] === 'files' || words[0] === 'packages' ? words.shift()! as 'files' | 'packages' : null;
	const files = command !== null;
	let json = flags.json;
	let jsonFile: string | undefined;
	if (json !== undefined && json !== '' && json !== '-') {
		if (words.length === 0) words.push(json);
		else jsonFile = json;
		json = '';
	}
	if (words.length > 1) throw new UsageError(`expected one image, got ${words.length}: ${words.join(' ')}`);
	const image = words[0];
	const thresholdFlags = Object.keys(flags.thresholds).filter(key => flags.thresholds[key as RuleKey] !== undefined);
	const ciOnly = [...thresholdFlags.map(rule => spell(ruleFlag(rule))), ...(flags.junit === undefined ? [] : [spell('junit')]), ...(flags.ciConfig === undefined ? [] : [spell('ci-config')]), ...(flags.ciFormat === undefined ? [] : [spell('ci-format')]), ...(flags.baseline === undefined ? [] : [spell('baseline')])];

	if (command) {
		if (flags.ci) throw new UsageError(`${command} and --ci cannot be combined`);
		if (jsonFile) throw new UsageError(`${command} --json writes to standard output; redirect it to a file`);
		if (image === undefined) throw new UsageError(`${command} needs an image: layerscope ${command} IMAGE`);
		return {kind: command, image};
	}
	// dive's --json-format dive is a request for the report: it implies --json (to standard output).
	if (flags.jsonFormat !== undefined && json === undefined) json = '';
	if (flags.jsonFormat !== undefined && flags.jsonFormat !== 'layerscope' && flags.jsonFormat !== 'dive') throw new UsageError(`--json-format must be layerscope or dive, not "${flags.jsonFormat}"`);
	if (image === undefined) {
		if (flags.ci || json !== undefined) throw new UsageError('no image given');
		return {kind: 'help'};
	}
	const ciFromEnv = env.CI !== undefined && TRUTHY.has(env.CI.toLowerCase()) && !flags.ci && json === undefined;
	if (flags.ci || ciFromEnv) {
		if (json !== undefined && jsonFile === undefined) throw new UsageError('--ci and --json both write to standard output: give --json a FILE to have both');
		if (flags.layer !== undefined) throw new UsageError(`${spell('layer')} applies to files and to the browser, not to --ci`);
		if (flags.ciFormat !== undefined && flags.ciFormat !== 'layerscope' && flags.ciFormat !== 'dive') throw new UsageError(`${spell('ci-format')} must be layerscope or dive, not "${flags.ciFormat}"`);
		// A growth threshold on the command line is asked for in this run: without a baseline it would be a gate that never closes.
		const growth = (GROWTH_RULES as readonly RuleKey[]).filter(rule => flags.thresholds[rule] !== undefined);
		if (growth.length > 0 && flags.baseline === undefined) throw new UsageError(`${joinWords(growth.map(rule => spell(ruleFlag(rule))))} ${growth.length === 1 ? 'needs' : 'need'} ${spell('baseline')} IMAGE, the image to compare with`);
		return {kind: 'ci', image, jsonFile, format: flags.ciFormat === 'dive' ? 'dive' : 'layerscope', baseline: flags.baseline};
	}
	if (ciOnly.length > 0) throw new UsageError(`${joinWords(ciOnly)} ${ciOnly.length === 1 ? 'applies' : 'apply'} only with --ci`);
	if (flags.layer !== undefined && (json !== undefined || !stdoutIsTTY)) {
		throw new UsageError(`${spell('layer')} applies to files and packages (layerscope files IMAGE ${spell('layer')} N) and to the browser on a terminal, not to the ${json !== undefined ? 'JSON report' : 'text summary'}`);
	}
	if (json !== undefined) return {kind: 'json', image, file: jsonFile};
	// On a terminal, the browser; piped or redirected, the text summary.
	return stdoutIsTTY ? {kind: 'browser', image, layer: flags.layer} : {kind: 'summary', image};
}

function chooseDiff(words: string[], flags: ModeFlags, spell: (name: string) => string, stdoutIsTTY: boolean): DiffMode {
	const ranged = flags.from !== undefined || flags.to !== undefined;
	// --to is a string flag (extract's DIR); here it is a layer number, checked as --from is.
	const to = flags.to === undefined ? undefined : /^\s*$/.test(flags.to) ? Number.NaN : Number(flags.to);
	// As for one image: `--json FILE` and `--markdown FILE` may stand before the images, so a value where an image is missing is the image.
	const output = (value: string | undefined): DiffOutput | null => {
		if (value === undefined) return null;
		if (value === '' || value === '-') return {file: undefined};
		if (words.length < (ranged ? 1 : 2)) {
			// Put it back where it stood among the images: `diff --json A B` compares A with B, as `diff A B --json` does.
			const argv = flags.argv ?? [];
			const before = words.filter(word => argv.indexOf(word) !== -1 && argv.indexOf(word) < argv.indexOf(value)).length;
			words.splice(argv.indexOf(value) === -1 ? words.length : before, 0, value);
			return {file: undefined};
		}
		return {file: value};
	};
	const json = output(flags.json);
	const markdown = output(flags.markdown);
	if (json && markdown && json.file === undefined && markdown.file === undefined) throw new UsageError(`${spell('json')} and ${spell('markdown')} both write to standard output: give one of them a FILE`);
	if (flags.baseline !== undefined) throw new UsageError(`${spell('baseline')} applies to --ci (layerscope B --ci ${spell('baseline')} A); diff compares two images itself`);
	if (flags.ci) throw new UsageError(`diff and ${spell('ci')} cannot be combined; to gate on growth: layerscope B --ci ${spell('baseline')} A`);
	if (flags.layer !== undefined) throw new UsageError(`${spell('layer')} does not apply to diff; ${spell('from')} N ${spell('to')} M compares two layers of one image`);
	if (flags.jsonFormat !== undefined) throw new UsageError(`${spell('json-format')} does not apply to diff, whose report has its own schema`);
	if (flags.file !== undefined) {
		if (flags.file === '') throw new UsageError(`${spell('file')} needs a path: layerscope diff A B ${spell('file')} PATH`);
		if (json || markdown) throw new UsageError(`${spell('file')} prints one file's change as a unified diff; ${spell(json ? 'json' : 'markdown')} does not apply to it`);
	}
	const browser = stdoutIsTTY && !json && !markdown && flags.file === undefined;
	if (ranged) {
		if (words.length !== 1) throw new UsageError(`${spell('from')}/${spell('to')} compare two layers of one image: layerscope diff IMAGE ${spell('from')} N ${spell('to')} M`);
		for (const [name, value, typed] of [['from', flags.from, flags.from], ['to', to, flags.to]] as const) {
			if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new UsageError(`${spell(name)} must be a layer number (0 or more), not ${typed === '' ? 'nothing' : typed}`);
		}
		if (flags.from !== undefined && to !== undefined && flags.from >= to) throw new UsageError(`${spell('from')} must be below ${spell('to')} (${flags.from} is not below ${to})`);
		return {kind: 'diff', images: [words[0]!], range: {from: flags.from, to}, json, markdown, browser, file: flags.file};
	}
	if (words.length !== 2) throw new UsageError(`diff needs two images (layerscope diff A B), or one with ${spell('from')} N ${spell('to')} M; got ${words.length}`);
	// Standard input passes once: two loads reading it at once would each see half an archive.
	if (words[0] === '-' && words[1] === '-') throw new UsageError('only one side of diff can be standard input (-); save the other image to a file');
	return {kind: 'diff', images: [words[0]!, words[1]!], range: null, json, markdown, browser, file: flags.file};
}

/** `cat IMAGE PATH [--layer N]`: the file's bytes are all of standard output, so no report may share it. */
function chooseCat(words: string[], flags: ModeFlags, spell: (name: string) => string): Mode {
	if (flags.ci || flags.json !== undefined || flags.baseline !== undefined) throw new UsageError(`cat writes the file's bytes to standard output; ${spell(flags.ci ? 'ci' : flags.json !== undefined ? 'json' : 'baseline')} does not apply to it`);
	if (words.length !== 2) throw new UsageError(`cat needs an image and one path: layerscope cat IMAGE PATH [${spell('layer')} N]; got ${words.length} word${words.length === 1 ? '' : 's'}`);
	return {kind: 'cat', image: words[0]!, path: words[1]!};
}

/** `diff-file IMAGE PATH [--layer N]`: one file's change in one layer, printed as a diff. */
function chooseDiffFile(words: string[], flags: ModeFlags, spell: (name: string) => string): Mode {
	if (flags.ci || flags.json !== undefined || flags.baseline !== undefined) throw new UsageError(`diff-file prints a file's change as a unified diff; ${spell(flags.ci ? 'ci' : flags.json !== undefined ? 'json' : 'baseline')} does not apply to it`);
	if (words.length !== 2) throw new UsageError(`diff-file needs an image and one path: layerscope diff-file IMAGE PATH [${spell('layer')} N]; got ${words.length} word${words.length === 1 ? '' : 's'}`);
	return {kind: 'diff-file', image: words[0]!, path: words[1]!};
}

/** `extract IMAGE PATH... --to DIR [--layer N] [--force] [--same-owner]`: files are written under DIR, only a summary on stderr. */
function chooseExtract(words: string[], flags: ModeFlags, spell: (name: string) => string): ExtractMode {
	const report = flags.ci ? 'ci' : flags.json !== undefined ? 'json' : flags.baseline !== undefined ? 'baseline' : flags.markdown !== undefined ? 'markdown' : flags.from !== undefined ? 'from' : undefined;
	if (report) throw new UsageError(`${spell(report)} does not apply to extract, which writes files under ${spell('to')} DIR`);
	if (words.length < 2) throw new UsageError(`extract needs an image and at least one path: layerscope extract IMAGE PATH... ${spell('to')} DIR; got ${words.length} word${words.length === 1 ? '' : 's'}`);
	if (flags.to === undefined || flags.to === '') throw new UsageError(`extract needs ${spell('to')} DIR, the directory to write into`);
	return {kind: 'extract', image: words[0]!, paths: words.slice(1), to: flags.to, force: flags.force === true, sameOwner: flags.sameOwner === true};
}

function camel(name: 'force' | 'same-owner'): 'force' | 'sameOwner' {
	return name === 'force' ? 'force' : 'sameOwner';
}

function joinWords(words: string[]): string {
	return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}



