import type {PackageRecord} from '../../packages/attribute.js';
import type {Ecosystem} from '../../packages/listed-package.js';
import {groupBy, instructionOf, severityFor, topPaths, type Finding, type FindingContext, type Rule} from './finding.js';
import {someNames} from './package-kinds.js';

/** A version a later layer removed (upgradedTo unset) or replaced by another version (set). */
function isGone(record: PackageRecord): boolean {
	return record.removedIn !== undefined;
}

/**
 * The dead files of the versions `pick` selects, by package index: from the
 * stacking's deaths the attribution counted for them (its deathOwners).
 */
function deadFilesOf({history, packages}: FindingContext, pick: (index: number) => boolean): Map<number, Array<{path: string; bytes: number}>> {
	const files = new Map<number, Array<{path: string; bytes: number}>>();
	for (let death = 0; death < packages.deathOwners.length; death++) {
		const owner = packages.deathOwners[death]! - 1;
		if (owner < 0 || !pick(owner)) continue;
		const dead = history.deaths[death]!;
		if (dead.size === 0) continue;
		const list = files.get(owner) ?? [];
		files.set(owner, list);
		list.push({path: dead.path, bytes: dead.size});
	}
	return files;
}

const ONE_RUN: Record<Ecosystem, string> = {
	deb: '`RUN apt-get install -y … && … && apt-get purge -y --auto-remove …`',
	apk: '`RUN apk add --no-cache --virtual .tmp … && … && apk del .tmp`',
	rpm: '`RUN dnf install -y … && … && dnf remove -y …`',
	python: '`RUN pip install … && … && pip uninstall -y …`',
	npm: '`RUN npm ci && … && npm prune --omit=dev`',
};

function goneFindings(context: FindingContext, upgraded: boolean): Finding[] {
	const records = context.packages.packages;
	const picked = records.map((record, index) => ({record, index})).filter(({record}) => isGone(record) && (record.upgradedTo !== undefined) === upgraded && record.deadBytes > 0);
	if (picked.length === 0) return [];
	const chosen = new Set(picked.map(({index}) => index));
	const files = deadFilesOf(context, index => chosen.has(index));
	const findings: Finding[] = [];
	for (const group of groupBy(picked, ({record}) => `${record.layer} ${record.removedIn}`).values()) {
		const {layer, removedIn} = group[0]!.record;
		const bytes = group.reduce((total, {record}) => total + record.deadBytes, 0);
		const names = group.map(({record}) => (upgraded ? `${record.name} ${record.version} → ${record.upgradedTo}` : record.name));
		const count = `${group.length} ${group.length === 1 ? 'package' : 'packages'}`;
		findings.push({
			id: upgraded ? 'package-upgraded-in-later-layer' : 'package-removed-in-later-layer',
			severity: severityFor(bytes),
			title: upgraded
				? `${count} from layer ${layer} upgraded in layer ${removedIn}: the old ${group.length === 1 ? 'version still ships' : 'versions still ship'} (${someNames(names, 3)})`
				: `${count} installed in layer ${layer} and removed in layer ${removedIn} still ${group.length === 1 ? 'ships' : 'ship'}: ${someNames(names, 3)}`,
			bytes,
			layer,
			instruction: instructionOf(context.image, layer),
			paths: topPaths(group.flatMap(({index}) => files.get(index) ?? [])),
			fix: upgraded
				? `Install the versions the image runs where the packages are installed: rebuild the base (or pull its newer tag) rather than upgrading in a later layer; when layer ${layer} is your own, upgrade in that RUN.`
				: `Install and remove ${someNames(group.map(({record}) => record.name), 20)} in one RUN (${ONE_RUN[group[0]!.record.ecosystem]}), or install ${group.length === 1 ? 'it' : 'them'} in a build stage and COPY only what the image needs.`,
		});
	}
	return findings;
}

/** A package installed in one layer and removed in a later one: its files still ship in the layer that installed it. */
export const removedPackages: Rule = context => goneFindings(context, false);

/** A package upgraded in a later layer: the old version's files still ship in the layer that installed it. */
export const upgradedPackages: Rule = context => goneFindings(context, true);

/** Whether a death of the stacking is a removed or upgraded package's, which the two rules above report; null when no package is gone (then none is). */
export function deadOfGonePackage({packages}: FindingContext): ((death: number) => boolean) | null {
	const gone = packages.packages.map(isGone);
	if (!gone.includes(true)) return null;
	return death => {
		const owner = packages.deathOwners[death]!;
		return owner > 0 && gone[owner - 1]!;
	};
}
