import type {Analysis} from '../../source/analysis/analyse.js';

/** Everything an analysis says, in plain values: what two ways of making one analysis must agree on. */
export function said(analysis: Analysis) {
	return {
		efficiency: analysis.efficiency,
		waste: analysis.waste,
		packages: analysis.packages,
		findings: analysis.findings,
		layerChanges: analysis.layerChanges,
		changes: analysis.history.changes.map(changes => [...changes]),
		deaths: analysis.history.deaths,
		deathPathIds: [...analysis.history.deathPathIds],
		final: [...analysis.finalFiles].map(([path, node]) => [path, node.type, node.size, node.digest, node.mode, node.linkTarget, node.layer]),
	};
}
