import {groupBy, instructionOf, severityFor, sum, topPaths, type Finding, type Rule} from './finding.js';

const JUNK: Array<{label: string; pattern: RegExp}> = [
	{label: '.git', pattern: /(^|\/)\.git(\/|$)/},
	{label: 'node_modules', pattern: /(^|\/)node_modules\//},
	{label: '__pycache__', pattern: /(^|\/)__pycache__\/|\.py[co]$/},
	{label: 'logs', pattern: /\.log$/},
	{label: 'tests', pattern: /(^|\/)(tests?|__tests__|spec)\//},
	{label: '.DS_Store', pattern: /(^|\/)\.DS_Store$/},
];

/** What every JUNK pattern needs somewhere in the path: searched for over all of a layer's paths at once, it rules out most of them before the six. */
const ANY_JUNK = /\.git|node_modules\/|__pycache__\/|\.py[co]|\.log|(tests?|__tests__|spec)\/|\.DS_Store/;

const COPY_OR_ADD = /(^|\s|\))(COPY|ADD)\s/;

/** Files a COPY or ADD brought from the build context that an image never needs. */
export const buildContextJunk: Rule = ({image}) => {
	const findings: Finding[] = [];
	for (const layer of image.layers) {
		const instruction = instructionOf(image, layer.index);
		if (!instruction || !COPY_OR_ADD.test(instruction)) continue;
		const entries = layer.entries;
		const hits: Array<{path: string; bytes: number; junk: (typeof JUNK)[number]}> = [];
		for (const i of entries.entriesMatching(ANY_JUNK)) {
			if (entries.typeOf(i) !== 'file') continue;
			const path = entries.pathOf(i);
			const junk = JUNK.find(j => j.pattern.test(path));
			if (junk) hits.push({path, bytes: entries.sizeOf(i), junk});
		}
		if (hits.length === 0) continue;
		const paths = hits.map(hit => ({path: hit.path, bytes: hit.bytes}));
		const bytes = sum(paths);
		const labels = [...groupBy(hits, hit => hit.junk.label).keys()];
		findings.push({
			id: 'build-context-junk',
			severity: severityFor(bytes),
			title: `layer ${layer.index} copies ${labels.join(', ')} from the build context`,
			bytes,
			layer: layer.index,
			instruction,
			paths: topPaths(paths),
			fix: `List them in .dockerignore (${labels.map(label => (label === 'logs' ? '*.log' : label)).join(', ')}) so COPY never sees them.`,
		});
	}
	return findings;
};
