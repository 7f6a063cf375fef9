/** One `WWW-Authenticate` challenge: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export interface Challenge {
	scheme: string;
	params: Record<string, string>;
}

/**
 * Parses the challenges of a `WWW-Authenticate` header (RFC 7235): several
 * may share one header, and quoted values may hold commas and escapes.
 */
export function parseChallenges(header: string): Challenge[] {
	const challenges: Challenge[] = [];
	const token = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)/y;
	const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
	let position = 0;
	while (position < header.length) {
		token.lastIndex = position;
		const scheme = token.exec(header);
		if (!scheme) break;
		position = token.lastIndex;
		const challenge: Challenge = {scheme: scheme[1]!.toLowerCase(), params: {}};
		for (;;) {
			param.lastIndex = position;
			const match = param.exec(header);
			if (!match) break;
			challenge.params[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
			position = param.lastIndex;
		}
		challenges.push(challenge);
		while (header[position] === ',' || header[position] === ' ') position++;
	}
	return challenges;
}
