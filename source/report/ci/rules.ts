import picomatch from 'picomatch';
import prettyBytes from 'pretty-bytes';
import type {AnalysisFacts} from '../../analysis/analyse.js';
import type {Severity} from '../../analysis/findings/index.js';
import type {Comparison} from '../../compare/comparison.js';
import {UsageError} from '../../errors.js';
import {GROWTH_RULES, RULES, type CiConfig, type RuleKey} from './config.js';
import {goFloat} from './go-format.js';
import {isDisabled, parseBoolean, parseBytes, parseCount, parseRatio, ThresholdError} from './thresholds.js';

export type RuleStatus = 'pass' | 'fail' | 'skip';

export interface RuleResult {
	rule: RuleKey;
	status: RuleStatus;
	/** What was measured and against what, in words; quotes image data as stored (each output escapes it). */
	message: string;
	/** Where the threshold came from: flag, a config file, or default. */
	source: string;
	/** dive's own words for a failing dive rule (`--ci-format dive`), with Go's number formatting. */
	diveMessage?: string;
}

export interface CiVerdict {
	pass: boolean;
	results: RuleResult[];
}

const SEVERITIES: Severity[] = ['high', 'medium', 'low'];

type Outcome = {fail: boolean; message: string; diveMessage?: string} | null;
type Check = (analysis: AnalysisFacts, value: unknown, rule: string) => Outcome;
/** A rule on growth reads the comparison with the baseline (B is the image, A the baseline). */
type GrowthCheck = (comparison: Comparison, value: unknown, rule: string) => Outcome;
type GrowthRule = (typeof GROWTH_RULES)[number];

const ratio = (n: number) => String(Number(n.toFixed(4)));
const bytes = (n: number) => `${n} bytes (${prettyBytes(n)})`;

/** Each rule: parse its threshold (throwing ThresholdError), measure, compare. null: the rule is off. */
const CHECKS: Record<Exclude<RuleKey, GrowthRule>, Check> = {
	lowestEfficiency(analysis, value, rule) {
		const threshold = parseRatio(value, rule);
		const score = analysis.efficiency.score;
		return {fail: threshold > score, message: `efficiency ${ratio(score)} ${threshold > score ? '<' : '>='} threshold ${threshold}`, diveMessage: `image efficiency is too low (efficiency=${goFloat(score)} < threshold=${goFloat(threshold)})`};
	},
	highestWastedBytes(analysis, value, rule) {
		const threshold = parseBytes(value, rule);
		const wasted = analysis.efficiency.wastedBytes;
		return {fail: wasted > threshold, message: `wasted ${bytes(wasted)} ${wasted > threshold ? '>' : '<='} threshold ${bytes(threshold)}`, diveMessage: `too many bytes wasted (wasted-bytes=${wasted} > threshold=${threshold})`};
	},
	highestUserWastedPercent(analysis, value, rule) {
		const threshold = parseRatio(value, rule);
		const wasted = analysis.efficiency.userWastedPercent;
		return {
			fail: wasted > threshold,
			message: `user wasted ${ratio(wasted)} ${wasted > threshold ? '>' : '<='} threshold ${threshold}`,
			diveMessage: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${goFloat(wasted)} > threshold=${goFloat(threshold)})`,
		};
	},
	highestReclaimableBytes(analysis, value, rule) {
		const threshold = parseBytes(value, rule);
		const reclaimable = analysis.waste.reclaimableBytes;
		return {fail: reclaimable > threshold, message: `reclaimable ${bytes(reclaimable)} ${reclaimable > threshold ? '>' : '<='} threshold ${bytes(threshold)}`};
	},
	highestReclaimablePercent(analysis, value, rule) {
		const threshold = parseRatio(value, rule);
		const {reclaimableBytes, storedBytes} = analysis.waste;
		const share = storedBytes === 0 ? 0 : reclaimableBytes / storedBytes;
		return {fail: share > threshold, message: `reclaimable ${ratio(share)} of stored bytes ${share > threshold ? '>' : '<='} threshold ${threshold}`};
	},
	maxImageSize(analysis, value, rule) {
		const threshold = parseBytes(value, rule);
		const size = analysis.efficiency.sizeBytes;
		return {fail: size > threshold, message: `image content ${bytes(size)} ${size > threshold ? '>' : '<='} threshold ${bytes(threshold)}`};
	},
	maxLayers(analysis, value, rule) {
		const threshold = parseCount(value, rule);
		const count = analysis.image.layers.length;
		return {fail: count > threshold, message: `${count} layers ${count > threshold ? '>' : '<='} threshold ${threshold}`};
	},
	forbidPaths(analysis, value, rule) {
		const globs = Array.isArray(value) ? value.map(String) : [String(value)];
		if (globs.some(glob => glob.trim() === '')) throw new ThresholdError(`${rule}: empty glob`);
		const matches = picomatch(globs.map(glob => glob.replace(/^\/+/, '')), {dot: true});
		const found: string[] = [];
		// The analysis cache keeps no final tree: a gate with this rule analyses the image in full.
		if (!analysis.finalFiles) throw new Error('forbidPaths needs the final filesystem: the analysis must be made in this run');
		for (const [path] of analysis.finalFiles.paths()) if (matches(path.slice(1))) found.push(path);
		const shown = found.slice(0, 3).join(', ');
		return {fail: found.length > 0, message: found.length > 0 ? `${found.length} forbidden path${found.length === 1 ? '' : 's'} (${shown}${found.length > 3 ? ', …' : ''}) match ${globs.join(', ')}` : `no path matches ${globs.join(', ')}`};
	},
	requireNonRoot(analysis, value, rule) {
		if (!parseBoolean(value, rule)) return null;
		const user = analysis.image.config.user;
		const root = analysis.findings.some(finding => finding.id === 'runs-as-root');
		return {fail: root, message: root ? `the image runs as root (USER ${user === '' ? 'not set' : user})` : `runs as ${user}`};
	},
	failOnFindings(analysis, value, rule) {
		const level = parseSeverity(value, rule);
		const worst = SEVERITIES.slice(0, SEVERITIES.indexOf(level) + 1);
		const failing = analysis.findings.filter(finding => worst.includes(finding.severity));
		return {fail: failing.length > 0, message: failing.length > 0 ? `${failing.length} finding${failing.length === 1 ? '' : 's'} at ${level} or above: ${failing.slice(0, 3).map(f => f.id).join(', ')}` : `no finding at ${level} or above`};
	},
};

const signed = (n: number) => `${n >= 0 ? '+' : '-'}${bytes(Math.abs(n))}`;

const GROWTH_CHECKS: Record<GrowthRule, GrowthCheck> = {
	maxGrowthBytes(comparison, value, rule) {
		const threshold = parseBytes(value, rule);
		const growth = comparison.bytes.delta;
		return {fail: growth > threshold, message: `content grew ${signed(growth)} over the baseline ${growth > threshold ? '>' : '<='} threshold ${bytes(threshold)}`};
	},
	maxGrowthPercent(comparison, value, rule) {
		const threshold = parseRatio(value, rule);
		const {a, delta} = comparison.bytes;
		// Growth from nothing is unbounded: any byte over an empty baseline exceeds every ratio.
		const share = a === 0 ? (delta > 0 ? Number.POSITIVE_INFINITY : 0) : delta / a;
		return {fail: share > threshold, message: `content grew ${Number.isFinite(share) ? ratio(share) : 'from nothing'} of the baseline's ${share > threshold ? '>' : '<='} threshold ${threshold}`};
	},
	maxNewReclaimableBytes(comparison, value, rule) {
		const threshold = parseBytes(value, rule);
		const metric = comparison.metrics.find(m => m.name === 'reclaimableBytes')!;
		return {fail: metric.delta > threshold, message: `reclaimable ${signed(metric.delta)} over the baseline ${metric.delta > threshold ? '>' : '<='} threshold ${bytes(threshold)}`};
	},
	noNewFindings(comparison, value, rule) {
		const level = parseSeverity(value, rule);
		const worst = SEVERITIES.slice(0, SEVERITIES.indexOf(level) + 1);
		const failing = comparison.findings.new.filter(finding => worst.includes(finding.severity));
		return {fail: failing.length > 0, message: failing.length > 0 ? `${failing.length} new finding${failing.length === 1 ? '' : 's'} at ${level} or above: ${failing.slice(0, 3).map(f => f.id).join(', ')}` : `no new finding at ${level} or above`};
	},
};

/** Each growth rule's threshold parser: checked even when there is no baseline to compare with. */
const GROWTH_THRESHOLDS: Record<GrowthRule, (value: unknown, rule: string) => unknown> = {
	maxGrowthBytes: parseBytes,
	maxGrowthPercent: parseRatio,
	maxNewReclaimableBytes: parseBytes,
	noNewFindings: (value, rule) => parseSeverity(value, rule),
};

function parseSeverity(value: unknown, rule: string): Severity {
	const level = String(value).trim().toLowerCase() as Severity;
	if (!SEVERITIES.includes(level)) throw new ThresholdError(`${rule}: "${String(value)}" is not a severity (high, medium or low)`);
	return level;
}

function isGrowthRule(rule: RuleKey): rule is GrowthRule {
	return (GROWTH_RULES as readonly string[]).includes(rule);
}

/**
 * Evaluates every rule. Thresholds are all checked before any result is
 * given: a misconfigured gate is an error (exit 2), never a pass.
 */
export function evaluateRules(analysis: AnalysisFacts, config: CiConfig, comparison: Comparison | null = null): CiVerdict {
	const results: RuleResult[] = [];
	const problems: string[] = [];
	for (const rule of RULES) {
		const setting = config[rule];
		// Our own rules are off unless configured: not listed at all then. dive's always are, as in dive.
		if (!setting) continue;
		if (isDisabled(setting.value)) {
			results.push({rule, status: 'skip', message: 'rule disabled', source: setting.source});
			continue;
		}
		try {
			// A growth rule from a shared config file, in a job that names no baseline: said, not silently passed; but its value must still be one.
			if (isGrowthRule(rule) && !comparison) {
				GROWTH_THRESHOLDS[rule](setting.value, rule);
				results.push({rule, status: 'skip', message: 'no baseline (--baseline IMAGE) to compare with', source: setting.source});
				continue;
			}
			const outcome = isGrowthRule(rule) ? GROWTH_CHECKS[rule](comparison!, setting.value, rule) : CHECKS[rule](analysis, setting.value, rule);
			if (outcome) results.push({rule, status: outcome.fail ? 'fail' : 'pass', message: outcome.message, source: setting.source, ...(outcome.diveMessage ? {diveMessage: outcome.diveMessage} : {})});
			else results.push({rule, status: 'skip', message: 'rule disabled', source: setting.source});
		} catch (error) {
			if (!(error instanceof ThresholdError)) throw error;
			problems.push(`${error.message} (from ${setting.source})`);
		}
	}
	if (problems.length > 0) throw new UsageError(`CI misconfigured: ${problems.join('; ')}`);
	return {pass: results.every(result => result.status !== 'fail'), results};
}
