import type {ImageFacts} from '../../model.js';
import {buildContextJunk} from './build-context-junk.js';
import {buildPackages} from './build-packages.js';
import {buildTools} from './build-tools.js';
import {docsPackages} from './docs-packages.js';
import type {Finding, FindingContext, Rule, Severity} from './finding.js';
import {heavyBase, runsAsRoot, unpinnedTag} from './hygiene.js';
import {packageManagerLeftovers} from './package-manager-leftovers.js';
import {removedPackages, upgradedPackages} from './removed-packages.js';
import {rewrittenFiles} from './rewritten-files.js';
import {shortLivedFiles} from './short-lived-files.js';

export type {Finding, Severity} from './finding.js';

/** Rules on what the image holds: its layers and its config. */
const CONTENT_RULES: Rule[] = [packageManagerLeftovers, shortLivedFiles, removedPackages, upgradedPackages, rewrittenFiles, buildContextJunk, buildPackages, buildTools, docsPackages, heavyBase, runsAsRoot];
/** Rules on what the image is called (its tags, its digest): the analysis cache keys on what an image holds, so these run on every run. */
const NAME_RULES: Array<(context: {image: ImageFacts}) => Finding[]> = [unpinnedTag];

const RANK: Record<Severity, number> = {high: 0, medium: 1, low: 2};

/** The findings about what the image holds (what the analysis cache keeps), in no particular order. */
export function contentFindings(context: FindingContext): Finding[] {
	return CONTENT_RULES.flatMap(rule => rule(context));
}

/** The findings about what the image is called. */
export function nameFindings(image: ImageFacts): Finding[] {
	return NAME_RULES.flatMap(rule => rule({image}));
}

/** Most severe and largest first. */
export function sortFindings(findings: Finding[]): Finding[] {
	return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.bytes - a.bytes || a.id.localeCompare(b.id));
}
