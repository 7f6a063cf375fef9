import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {UsageError} from '../../errors.js';
import {parseYamlDocument} from '../../yaml-document.js';

/** Rule keys and where each one's value came from. */
export const DIVE_RULES = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const;
export const OWN_RULES = ['highestReclaimableBytes', 'highestReclaimablePercent', 'maxImageSize', 'maxLayers', 'forbidPaths', 'requireNonRoot', 'failOnFindings'] as const;
/** Rules on growth against a baseline image (`--ci --baseline A`): off unless configured. */
export const GROWTH_RULES = ['maxGrowthBytes', 'maxGrowthPercent', 'maxNewReclaimableBytes', 'noNewFindings'] as const;
export const RULES = [...DIVE_RULES, ...OWN_RULES, ...GROWTH_RULES] as const;
export type RuleKey = (typeof RULES)[number];

/** dive's defaults; ours are off unless configured. */
export const DEFAULTS: Partial<Record<RuleKey, unknown>> = {lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1'};

export interface RuleSetting {
	value: unknown;
	/** "default", "flag", or the config file it came from. */
	source: string;
}

export type CiConfig = Record<RuleKey, RuleSetting | undefined>;

export const LAYERSCOPE_CONFIG = '.layerscope-ci.yml';
export const DIVE_CONFIG = '.dive-ci';

/**
 * Gathers the rules, strongest source first: flags, then .layerscope-ci.yml
 * (or --ci-config FILE), then a .dive-ci read as dive reads it, then dive's
 * defaults. Config files are looked up in `cwd`.
 */
export function loadCiConfig(options: {cwd: string; configFile?: string; flags: Partial<Record<RuleKey, unknown>>}): CiConfig {
	const config = Object.fromEntries(RULES.map(key => [key, undefined])) as CiConfig;
	const layer = (values: Partial<Record<RuleKey, unknown>>, source: string) => {
		for (const key of RULES) if (values[key] !== undefined && config[key] === undefined) config[key] = {value: values[key], source};
	};
	layer(options.flags, 'flag');
	const ownFile = options.configFile ?? path.join(options.cwd, LAYERSCOPE_CONFIG);
	if (options.configFile !== undefined || existsSync(ownFile)) layer(readRules(ownFile, true), path.basename(ownFile));
	const diveFile = path.join(options.cwd, DIVE_CONFIG);
	if (existsSync(diveFile)) layer(readRules(diveFile, false), DIVE_CONFIG);
	layer(DEFAULTS, 'default');
	return config;
}

/** `rules:` of a YAML file. Ours refuses unknown keys (a typo must not switch a gate off); dive's file is read as dive reads it, ignoring them. */
function readRules(file: string, strict: boolean): Partial<Record<RuleKey, unknown>> {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new UsageError(`cannot read CI config ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
	}
	const document = parseYamlDocument(text, file);
	if (document === null || document === undefined) return {};
	const rules = (document as {rules?: unknown}).rules;
	if (typeof document !== 'object' || (rules !== undefined && (typeof rules !== 'object' || rules === null || Array.isArray(rules)))) {
		throw new UsageError(`${file} must hold a "rules:" mapping`);
	}
	const values = (rules ?? {}) as Record<string, unknown>;
	if (strict) {
		const unknown = Object.keys(values).filter(key => !(RULES as readonly string[]).includes(key));
		if (unknown.length > 0) throw new UsageError(`${file}: unknown rule ${unknown.map(k => `"${k}"`).join(', ')} (known: ${RULES.join(', ')})`);
	}
	return values as Partial<Record<RuleKey, unknown>>;
}
