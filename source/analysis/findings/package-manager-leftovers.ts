import {groupBy, instructionOf, severityFor, sum, topPaths, type Finding, type Rule} from './finding.js';

interface Manager {
	name: string;
	pattern: RegExp;
	fix: string;
}

const MANAGERS: Manager[] = [
	{name: 'apt', pattern: /^\/var\/(lib\/apt\/lists|cache\/apt)\//, fix: 'In the same RUN as `apt-get install`, end with `&& rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin`, and add `--no-install-recommends`.'},
	{name: 'apk', pattern: /^\/var\/cache\/apk\//, fix: 'Use `apk add --no-cache`.'},
	{name: 'yum/dnf', pattern: /^\/var\/cache\/(yum|dnf)\//, fix: 'In the same RUN as the install, end with `&& dnf clean all` (or `yum clean all`).'},
	{name: 'pip', pattern: /^\/(root|home\/[^/]+)\/\.cache\/pip\//, fix: 'Use `pip install --no-cache-dir` (or set PIP_NO_CACHE_DIR=1).'},
	{name: 'npm', pattern: /^\/(root|home\/[^/]+)\/\.npm\/_cacache\//, fix: 'In the same RUN, `npm ci && npm cache clean --force` (or use a cache mount: `RUN --mount=type=cache,target=/root/.npm`).'},
	{name: 'yarn', pattern: /^\/((root|home\/[^/]+)\/\.cache\/yarn|usr\/local\/share\/\.cache\/yarn)\//, fix: 'In the same RUN, `yarn install && yarn cache clean`.'},
];

/** The directories the patterns above can match below ("*": any one directory): only these parts of the final tree are read. */
const HOMES = ['/root', '/home/*'];
const WHERE = ['/var/lib/apt/lists', '/var/cache/apt', '/var/cache/apk', '/var/cache/yum', '/var/cache/dnf', ...HOMES.flatMap(home => [`${home}/.cache/pip`, `${home}/.npm/_cacache`, `${home}/.cache/yarn`]), '/usr/local/share/.cache/yarn'];

/** Package-manager caches and indexes that ship in the final image. */
export const packageManagerLeftovers: Rule = ({image, finalFiles}) => {
	const fs = finalFiles.fs;
	const hits: Array<{path: string; bytes: number; layer: number; manager: Manager}> = [];
	for (const [path, id] of finalFiles.below(WHERE)) {
		if (fs.typeOf(id) !== 'file' || fs.sizeOf(id) === 0) continue;
		const manager = MANAGERS.find(m => m.pattern.test(path));
		if (manager) hits.push({path, bytes: fs.sizeOf(id), layer: fs.layerOf(id), manager});
	}
	const findings: Finding[] = [];
	for (const group of groupBy(hits, hit => `${hit.layer} ${hit.manager.name}`).values()) {
		const {layer, manager} = group[0]!;
		const bytes = sum(group);
		findings.push({
			id: 'package-manager-leftovers',
			severity: severityFor(bytes),
			title: `${manager.name} cache left in layer ${layer}`,
			bytes,
			layer,
			instruction: instructionOf(image, layer),
			paths: topPaths(group),
			fix: manager.fix,
		});
	}
	return findings;
};
