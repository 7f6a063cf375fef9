import {buildContextJunk} from './build-context-junk.js';
import {buildPackages} from './build-packages.js';
import {buildTools} from './build-tools.js';
import {docsPackages} from './docs-packages.js';
import type {Finding, FindingContext, Rule} from './finding.js';
import {heavyBase, runsAsRoot} from './hygiene.js';
import {packageManagerLeftovers} from './package-manager-leftovers.js';
import {removedPackages, upgradedPackages} from './removed-packages.js';
import {rewrittenFiles} from './rewritten-files.js';
import {shortLivedFiles} from './short-lived-files.js';

export type {Finding, Severity} from './finding.js';
export {nameFindings, sortFindings} from './name-findings.js';

/** Rules on what the image holds: its layers and its config. */
const CONTENT_RULES: Rule[] = [packageManagerLeftovers, shortLivedFiles, removedPackages, upgradedPackages, rewrittenFiles, buildContextJunk, buildPackages, buildTools, docsPackages, heavyBase, runsAsRoot];

/** The findings about what the image holds (what the analysis cache keeps), in no particular order. */
export function contentFindings(context: FindingContext): Finding[] {
	return CONTENT_RULES.flatMap(rule => rule(context));
}
