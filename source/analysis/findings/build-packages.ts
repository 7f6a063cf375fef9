import type {Ecosystem} from '../../packages/listed-package.js';
import {groupBy, instructionOf, severityFor, topPaths, type Finding, type Rule} from './finding.js';
import {commandNames, isBuildPackage, isLive, largestOwnedFiles, someNames} from './package-kinds.js';

/** Names in a fix's command: enough to act on, bounded. */
const FIX_NAMES = 20;

const REMOVE: Partial<Record<Ecosystem, (names: {names: string; more: string}) => string>> = {
	deb: ({names, more}) => `\`apt-get purge -y --auto-remove ${names}\`${more} in the same RUN that installs them`,
	apk: ({names, more}) => `\`apk add --no-cache --virtual .build-deps ${names}\`${more}, then \`apk del .build-deps\` in the same RUN`,
	rpm: ({names, more}) => `\`dnf remove -y ${names}\`${more} in the same RUN that installs them`,
};

/**
 * Compilers, headers and build drivers the package databases list as still
 * installed, by the layer that installed them: their bytes are the packages'
 * bytes in the final filesystem, their paths the packages' largest files
 * (what Enter shows in the tree; the title and fix name the packages).
 */
export const buildPackages: Rule = context => {
	const {image, packages} = context;
	const build = packages.packages.map((record, index) => ({record, index})).filter(({record}) => isLive(record) && isBuildPackage(record));
	if (build.length === 0) return [];
	const layerOf = new Map(build.map(({record, index}) => [index, record.layer]));
	const files = largestOwnedFiles(context, index => layerOf.get(index));
	const findings: Finding[] = [];
	for (const group of groupBy(build, ({record}) => record.layer).values()) {
		const layer = group[0]!.record.layer;
		const bytes = group.reduce((total, {record}) => total + record.bytes, 0);
		const names = group.map(({record}) => record.name);
		const removals = [...groupBy(group, ({record}) => record.ecosystem)]
			.filter(([ecosystem]) => REMOVE[ecosystem])
			.map(([ecosystem, items]) => REMOVE[ecosystem]!(commandNames(items.map(({record}) => record.name), FIX_NAMES)));
		findings.push({
			id: 'build-packages-in-final-image',
			severity: severityFor(bytes),
			title: `${group.length} build ${group.length === 1 ? 'package' : 'packages'} from layer ${layer} ${group.length === 1 ? 'ships' : 'ship'} in the final image: ${someNames(names, 3)}`,
			bytes,
			layer,
			instruction: instructionOf(image, layer),
			paths: topPaths(files.get(layer) ?? []),
			fix: `${removals.length > 0 ? `Remove them with ${removals.join('; ')}, or use` : 'Use'} a multi-stage build: compile in a builder stage, then COPY --from=builder only the artifacts into a runtime stage.`,
		});
	}
	return findings;
};

/** Per final path id: whether its (first) owner is a build package this rule reports, so the path-based rule leaves it. */
export function buildPackageFiles({packages}: Parameters<Rule>[0]): (id: number) => boolean {
	const build = packages.packages.map(record => isLive(record) && isBuildPackage(record));
	if (!build.includes(true)) return () => false;
	return id => {
		const owner = packages.owners[id]!;
		return owner > 0 && build[owner - 1]!;
	};
}
