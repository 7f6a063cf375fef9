import type {FinalFiles} from '../final-files.js';
import type {Image} from '../../model.js';
import type {PackageReport} from '../../packages/attribute.js';
import type {LayerHistory} from '../layer-history.js';
import type {WasteReport} from '../waste.js';
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

const RULES: Rule[] = [packageManagerLeftovers, shortLivedFiles, removedPackages, upgradedPackages, rewrittenFiles, buildContextJunk, buildPackages, buildTools, docsPackages, heavyBase, runsAsRoot, unpinnedTag];

const RANK: Record<Severity, number> = {high: 0, medium: 1, low: 2};

/** Every finding with evidence in this image, most severe and largest first. */
export function findFindings(image: Image, history: LayerHistory, waste: WasteReport, finalFiles: FinalFiles, packages: PackageReport): Finding[] {
	const context: FindingContext = {image, history, waste, finalFiles, packages};
	return RULES.flatMap(rule => rule(context)).sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.bytes - a.bytes || a.id.localeCompare(b.id));
}
