import {groupBy, instructionOf, severityFor, sum, topPaths, type Finding, type Rule} from './finding.js';

const JUNK: Array<{label: string; pattern: RegExp}> = [
	{label: '.git', pattern: /(^|\/)\.git(\/|$)/},
	{label: 'node_modules', pattern: /(^|\/)node_modules\//},
	{label: '__pycache__', pattern: /(^|\/)__pycache__\/|\.py[co]$/},
	{label: 'logs', pattern: /\.log$/},
	{label: 'tests', pattern: /(^|\/)(tests?|__tests__|spec)\//},
	{label: '.DS_Store', pattern: /(^|\/)\.DS_Store$/},
];

const COPY_OR_ADD = /(^|\s|\))(COPY|ADD)\s/;

/** Files a COPY or ADD brought from the build context that an image never needs. */
export const buildContextJunk: Rule = ({image}) => {
	const findings: Finding[] = [];
	for (const layer of image.layers) {
		const instruction = instructionOf(image, layer.index);
		if (!instruction || !COPY_OR_ADD.test(instruction)) continue;
		const hits = layer.entries
			.filter(entry => entry.type === 'file')
			.map(entry => ({entry, junk: JUNK.find(j => j.pattern.test(entry.path))}))
			.filter(hit => hit.junk);
		if (hits.length === 0) continue;
		const paths = hits.map(hit => ({path: hit.entry.path, bytes: hit.entry.size}));
		const bytes = sum(paths);
		const labels = [...groupBy(hits, hit => hit.junk!.label).keys()];
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
