import {UsageError} from '../errors.js';
import type {RuleKey} from '../report/ci/config.js';

export type Mode =
	| {kind: 'help'}
	| {kind: 'files'; image: string}
	| {kind: 'summary'; image: string}
	| {kind: 'browser'; image: string}
	| {kind: 'json'; image: string; file: string | undefined}
	| {kind: 'ci'; image: string; jsonFile: string | undefined};

export interface ModeFlags {
	ci: boolean;
	/** undefined: absent; '': given without a value. */
	json: string | undefined;
	jsonFormat: string | undefined;
	junit: string | undefined;
	ciConfig: string | undefined;
	thresholds: Partial<Record<RuleKey, unknown>>;
}

const TRUTHY = new Set(['true', '1', 'yes']);

/**
 * Exactly one mode per run. `--json FILE` may follow the image or precede
 * it, so a lone value after --json with no other image is the image.
 */
export function chooseMode(input: string[], flags: ModeFlags, env: NodeJS.ProcessEnv, stdoutIsTTY = false): Mode {
	const words = [...input];
	const files = words[0] === 'files';
	if (files) words.shift();
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
	const ciOnly = [...thresholdFlags.map(flagName), ...(flags.junit === undefined ? [] : ['--junit']), ...(flags.ciConfig === undefined ? [] : ['--ci-config'])];

	if (files) {
		if (flags.ci) throw new UsageError('files and --ci cannot be combined');
		if (jsonFile) throw new UsageError('files --json writes to standard output; redirect it to a file');
		if (image === undefined) throw new UsageError('files needs an image: layerscope files IMAGE');
		return {kind: 'files', image};
	}
	if (flags.jsonFormat !== undefined && json === undefined) throw new UsageError('--json-format needs --json');
	if (flags.jsonFormat !== undefined && flags.jsonFormat !== 'layerscope' && flags.jsonFormat !== 'dive') throw new UsageError(`--json-format must be layerscope or dive, not "${flags.jsonFormat}"`);
	if (image === undefined) {
		if (flags.ci || json !== undefined) throw new UsageError('no image given');
		return {kind: 'help'};
	}
	const ciFromEnv = env.CI !== undefined && TRUTHY.has(env.CI.toLowerCase()) && !flags.ci && json === undefined;
	if (flags.ci || ciFromEnv) {
		if (json !== undefined && jsonFile === undefined) throw new UsageError('--ci and --json both write to standard output: give --json a FILE to have both');
		return {kind: 'ci', image, jsonFile};
	}
	if (ciOnly.length > 0) throw new UsageError(`${ciOnly.join(', ')} only apply with --ci`);
	if (json !== undefined) return {kind: 'json', image, file: jsonFile};
	// On a terminal, the browser; piped or redirected, the text summary.
	return stdoutIsTTY ? {kind: 'browser', image} : {kind: 'summary', image};
}

export function flagName(rule: string): string {
	return '--' + rule.replace(/[A-Z]/g, letter => '-' + letter.toLowerCase());
}

