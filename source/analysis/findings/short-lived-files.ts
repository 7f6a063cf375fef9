import type {DeadContent, WasteCause} from '../layer-history.js';
import {deadOfGonePackage} from './removed-packages.js';
import {groupBy, instructionOf, severityFor, topDead, type Finding, type Rule} from './finding.js';

const WORDING: Partial<Record<WasteCause, {id: string; verb: string; fix: string}>> = {
	removed: {
		id: 'removed-in-later-layer',
		verb: 'removed',
		fix: 'Delete them in the same RUN that creates them (`RUN … && rm -rf …`), or build them in an earlier stage of a multi-stage build and COPY only what the image needs.',
	},
	overwritten: {
		id: 'overwritten-in-later-layer',
		verb: 'overwritten',
		fix: 'Produce each file once: merge the steps that write it into one RUN, or order the Dockerfile so the final version is written first.',
	},
	replaced: {
		id: 'overwritten-in-later-layer',
		verb: 'replaced',
		fix: 'Produce each path once: merge the steps that write it into one RUN.',
	},
};

/**
 * Bytes a layer stored that a later layer removed or replaced: they still
 * ship, in the layer that stored them. The files of a package version a
 * later layer removed or upgraded are that package's finding (removed-packages.ts).
 */
export const shortLivedFiles: Rule = context => {
	const {image, waste, history} = context;
	const findings: Finding[] = [];
	const ofPackage = deadOfGonePackage(context);
	const packaged = new Set<DeadContent>();
	if (ofPackage) for (let death = 0; death < history.deaths.length; death++) if (ofPackage(death)) packaged.add(history.deaths[death]!);
	const relevant = waste.files.filter(dead => WORDING[dead.cause] && dead.size > 0 && !packaged.has(dead));
	// One number per (stored in, killed by, cause), not a string per dead file; exact while layers² · 4 < 2^53 (tens of millions of layers).
	const layers = image.layers.length;
	const causeCode = (cause: WasteCause) => (cause === 'removed' ? 0 : cause === 'overwritten' ? 1 : cause === 'replaced' ? 2 : 3);
	for (const group of groupBy(relevant, dead => (dead.storedIn * layers + dead.killedBy) * 4 + causeCode(dead.cause)).values()) {
		const {storedIn, killedBy, cause} = group[0]!;
		const wording = WORDING[cause]!;
		const bytes = group.reduce((total, dead) => total + dead.size, 0);
		findings.push({
			id: wording.id,
			severity: severityFor(bytes),
			title: `${group.length} file${group.length === 1 ? '' : 's'} added in layer ${storedIn} and ${wording.verb} in layer ${killedBy}`,
			bytes,
			layer: storedIn,
			instruction: instructionOf(image, storedIn),
			paths: topDead(group),
			fix: wording.fix,
		});
	}
	return findings;
};
