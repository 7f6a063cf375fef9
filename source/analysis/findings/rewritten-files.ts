import {groupBy, instructionOf, severityFor, topDead, type Finding, type Rule} from './finding.js';

/**
 * Files stored again with the same content: a later chmod/chown copies every
 * file it touches into a new layer; a second COPY of an unchanged file does too.
 */
export const rewrittenFiles: Rule = ({image, waste, history}) => {
	const findings: Finding[] = [];
	const duplicates = waste.files.filter(dead => dead.cause === 'duplicate' && dead.size > 0);
	if (duplicates.length === 0) return findings;
	// By path id, not path: a chmod -R layer changes every path, and naming each cost more than the rule.
	const deathAt = new Map<(typeof duplicates)[number], number>();
	for (let at = 0; at < history.deaths.length; at++) if (history.deaths[at]!.cause === 'duplicate') deathAt.set(history.deaths[at]!, at);
	for (const group of groupBy(duplicates, dead => dead.killedBy).values()) {
		const killer = group[0]!.killedBy;
		const list = history.changes[killer]!;
		const metadataOnly = new Set<number>();
		for (let i = 0; i < list.length; i++) if (list.metadataOnly(i)) metadataOnly.add(list.pathId(i));
		const isChmod = group.some(dead => metadataOnly.has(history.deathPathIds[deathAt.get(dead)!]!));
		const bytes = group.reduce((total, dead) => total + dead.size, 0);
		findings.push({
			id: isChmod ? 'metadata-rewrite' : 'duplicate-copy',
			severity: severityFor(bytes),
			title: isChmod
				? `layer ${killer} stores ${group.length} file${group.length === 1 ? '' : 's'} again only to change mode or owner`
				: `layer ${killer} stores ${group.length} unchanged file${group.length === 1 ? '' : 's'} again`,
			bytes,
			layer: killer,
			instruction: instructionOf(image, killer),
			paths: topDead(group),
			fix: isChmod
				? 'Set mode and owner when the files arrive: `COPY --chown=app:app --chmod=755 …` instead of a later `RUN chmod`/`RUN chown`.'
				: 'Copy each file once: narrow the earlier COPY, or drop the repeated one.',
		});
	}
	return findings;
};
