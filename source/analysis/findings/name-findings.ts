import type {ImageFacts} from '../../model.js';
import type {Finding, Severity} from './finding.js';

/**
 * The findings about what an image is called (its tags, its digest), and
 * the order every list of findings is given in. Apart from the content
 * rules (index.ts): the analysis cache keys on what an image holds, so a
 * cached run makes these itself, without loading the rules on its content.
 */

/** Known only by a moving tag: what runs tomorrow may not be what was checked today. */
export const unpinnedTag = ({image}: {image: Pick<ImageFacts, 'repoTags' | 'manifestDigest' | 'id'>}): Finding[] => {
	const moving = image.repoTags.filter(tag => tag.endsWith(':latest') || !/:[^/]+$/.test(tag));
	if (moving.length === 0) return [];
	const name = moving[0]!.replace(/:latest$/, '');
	const digest = image.manifestDigest ?? image.id;
	return [
		{
			id: 'unpinned-tag',
			severity: 'low',
			title: `tagged only as ${moving.join(', ')}`,
			bytes: 0,
			layer: null,
			instruction: null,
			paths: [],
			fix: `Refer to the image by digest where it is deployed or used as a base: ${name}@${digest}${image.manifestDigest ? '' : ' (the image ID; push it to get a manifest digest)'}.`,
		},
	];
};

/** Rules on what the image is called: these run on every run. */
const NAME_RULES: Array<(context: {image: ImageFacts}) => Finding[]> = [unpinnedTag];

export function nameFindings(image: ImageFacts): Finding[] {
	return NAME_RULES.flatMap(rule => rule({image}));
}

const RANK: Record<Severity, number> = {high: 0, medium: 1, low: 2};

/** Most severe and largest first. */
export function sortFindings(findings: Finding[]): Finding[] {
	return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || b.bytes - a.bytes || a.id.localeCompare(b.id));
}
