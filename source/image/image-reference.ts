/**
 * Image references as Docker and the distribution spec write them:
 * [DOMAIN[:PORT]/]PATH[:TAG][@DIGEST]. Checked before anything is sent, so a
 * typo is reported as a typo, not as a server's 404.
 */

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}';
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** A full image ID, or the short hex form `docker images` prints. */
const IMAGE_ID = /^(?:sha256:[a-f0-9]{64}|[a-f0-9]{12,64})$/;
const MAX_NAME_LENGTH = 255;

export interface ImageReference {
	/** The registry host (and port) when the reference names one: "localhost:5000", "ghcr.io". */
	domain: string | null;
	/** The repository path: "library/nginx", "sample". */
	path: string;
	tag: string | null;
	digest: string | null;
}

/** Parses a reference, or returns null when it is not one. */
export function parseImageReference(text: string): ImageReference | null {
	const match = REFERENCE.exec(text);
	if (!match) return null;
	const [, rawDomain, rawPath] = match;
	let domain: string | null = rawDomain ?? null;
	let path = rawPath!;
	// "localhost/app" and "registry.example/app": a first component with a dot, a colon or "localhost" is a host.
	if (domain !== null && !/[.:[]/.test(domain) && domain !== 'localhost' && domain.toLowerCase() === domain) {
		path = `${domain}/${path}`;
		domain = null;
	}
	if (domain === null && path.length > MAX_NAME_LENGTH) return null;
	return {domain, path, tag: match[3] ?? null, digest: match[4] ?? null};
}

export function isImageId(text: string): boolean {
	return IMAGE_ID.test(text);
}

/** Something an engine could know by that name: a reference or an image ID. */
export function isEngineImageName(text: string): boolean {
	return isImageId(text) || parseImageReference(text) !== null;
}

/** The reference as written back: "domain/path:tag@digest". */
export function formatImageReference(reference: ImageReference): string {
	return `${reference.domain ? `${reference.domain}/` : ''}${reference.path}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}
