import {InputError} from '../errors.js';
import {formatLimit, limits, LIMIT_VARIABLES} from '../limits.js';
import type {EngineEnvironment} from '../engine/endpoint.js';
import {parseChallenges, type Challenge} from './challenge.js';
import {findCredentials, type Credentials} from './credentials.js';

const REQUEST_TIMEOUT_MS = 60_000;
const USER_AGENT = 'layerscope';
/** Error bodies and token answers are read for a message or a token, never more than this. */
const SMALL_ANSWER_BYTES = 64 * 1024;

/**
 * The OCI distribution API as a reader needs it: manifests and blobs of one
 * repository, with the authentication dance (a 401 names a token service or
 * asks for Basic credentials; the token is reused until it is refused).
 */
export class RegistryClient {
	readonly base: string;
	private authorization: string | undefined;
	private credentials: Promise<Credentials | undefined> | undefined;

	constructor(
		/** "host[:port]" */
		readonly registry: string,
		readonly repository: string,
		private readonly options: {insecure: boolean; input: string; environment: EngineEnvironment},
	) {
		this.base = `${options.insecure ? 'http' : 'https'}://${registry}`;
	}

	/** GET /v2/REPO/manifests/REF with every manifest type accepted. */
	async manifest(reference: string, accept: string[]): Promise<{bytes: Buffer; mediaType: string | null; digest: string | null}> {
		const what = reference.includes(':') ? `manifest ${reference}` : `tag "${reference}"`;
		const response = await this.get(`/v2/${this.repository}/manifests/${reference}`, {accept: accept.join(', ')}, what);
		const bytes = await this.body(response, what);
		const type = response.headers.get('content-type');
		return {bytes, mediaType: type ? type.split(';')[0]!.trim() : null, digest: response.headers.get('docker-content-digest')};
	}

	/** GET /v2/REPO/blobs/DIGEST, for the caller to stream; redirects (to a CDN) are followed. */
	/** A blob, or with `range` its bytes [start, end) (a registry that ignores Range sends it whole: status 200, not 206). */
	async blob(digest: string, what: string, range?: {start: number; end: number}): Promise<Response> {
		return this.get(`/v2/${this.repository}/blobs/${digest}`, range ? {range: `bytes=${range.start}-${range.end - 1}`} : {}, what);
	}

	/**
	 * A manifest, index or config read whole, but never more of it than a
	 * document may be (a registry could send without end); a cut connection
	 * is reported as such.
	 */
	async body(response: Response, what: string): Promise<Buffer> {
		const cap = limits().documentBytes;
		const tooLarge = () => this.error(`sent more than ${formatLimit(cap)} for ${what}, the limit for a manifest, index or config (${LIMIT_VARIABLES.documentBytes} raises it)`);
		const declared = Number(response.headers.get('content-length'));
		if (declared > cap) {
			await response.body?.cancel().catch(() => {});
			throw tooLarge();
		}
		let bytes: Buffer | undefined;
		try {
			bytes = await readAtMost(response, cap);
		} catch (error) {
			throw this.error(`cut the connection while sending ${what} (${causeOf(error)})`);
		}
		if (!bytes) throw tooLarge();
		return bytes;
	}

	private async get(path: string, headers: Record<string, string>, what: string): Promise<Response> {
		let response = await this.send(path, headers);
		if (response.status === 401) {
			await response.body?.cancel();
			await this.authenticate(response.headers.get('www-authenticate'), what);
			response = await this.send(path, headers);
			if (response.status === 401) {
				await response.body?.cancel();
				const credentials = await this.lookUpCredentials();
				throw this.error(credentials ? `refused the credentials from ${credentials.from} for ${what} (HTTP 401)` : `needs a login for ${what} (HTTP 401); no credentials for ${this.registry} in ~/.docker/config.json`);
			}
		}
		if (response.ok) return response;
		throw this.error(await this.describeFailure(response, what));
	}

	private async send(path: string, headers: Record<string, string>): Promise<Response> {
		const url = `${this.base}${path}`;
		try {
			return await fetch(url, {
				headers: {'user-agent': USER_AGENT, ...headers, ...(this.authorization ? {authorization: this.authorization} : {})},
				redirect: 'follow',
				signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
			});
		} catch (error) {
			throw this.error(this.connectionProblem(error));
		}
	}

	/** Answers a 401: Bearer → ask the token service named in the challenge; Basic → send the stored login. */
	private async authenticate(header: string | null, what: string): Promise<void> {
		const challenges = header ? parseChallenges(header) : [];
		const bearer = challenges.find(challenge => challenge.scheme === 'bearer');
		const credentials = await this.lookUpCredentials();
		if (bearer) {
			this.authorization = `Bearer ${await this.token(bearer, credentials)}`;
			return;
		}
		if (challenges.some(challenge => challenge.scheme === 'basic')) {
			if (credentials?.kind !== 'basic') throw this.error(`needs a login for ${what} (HTTP 401, Basic); no credentials for ${this.registry} in ~/.docker/config.json`);
			this.authorization = basic(credentials);
			return;
		}
		throw this.error(`answered HTTP 401 for ${what} without saying how to log in (no Bearer or Basic challenge)`);
	}

	private lookUpCredentials(): Promise<Credentials | undefined> {
		this.credentials ??= findCredentials(this.registry, this.options.environment);
		return this.credentials;
	}

	/** A pull token: GET realm?service&scope (Basic login attached when there is one), or the OAuth2 refresh flow for identity tokens. */
	private async token(challenge: Challenge, credentials: Credentials | undefined): Promise<string> {
		const realm = challenge.params.realm;
		if (!realm) throw this.error('asked for a Bearer token without naming a token service (no realm)');
		const service = challenge.params.service;
		const scope = challenge.params.scope ?? `repository:${this.repository}:pull`;
		let response: Response;
		try {
			if (credentials?.kind === 'identity-token') {
				const form = new URLSearchParams({grant_type: 'refresh_token', refresh_token: credentials.token, client_id: USER_AGENT, scope, ...(service ? {service} : {})});
				response = await fetch(realm, {method: 'POST', body: form, headers: {'user-agent': USER_AGENT}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
			} else {
				const url = new URL(realm);
				if (service) url.searchParams.set('service', service);
				url.searchParams.set('scope', scope);
				response = await fetch(url, {headers: {'user-agent': USER_AGENT, ...(credentials ? {authorization: basic(credentials)} : {})}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
			}
		} catch (error) {
			throw this.error(`token service ${realm}: ${this.connectionProblem(error)}`);
		}
		if (!response.ok) {
			await response.body?.cancel();
			const refused = response.status === 401 || response.status === 403;
			throw this.error(`token service ${realm} answered HTTP ${response.status}${refused ? (credentials ? ` (credentials from ${credentials.from} refused)` : ` (no credentials for ${this.registry} in ~/.docker/config.json)`) : ''}`);
		}
		const document = (await readAtMost(response, SMALL_ANSWER_BYTES)
			.then(bytes => (bytes ? JSON.parse(bytes.toString('utf8')) : {}))
			.catch(() => ({}))) as {token?: unknown; access_token?: unknown};
		const token = typeof document.token === 'string' && document.token ? document.token : document.access_token;
		if (typeof token !== 'string' || !token) throw this.error(`token service ${realm} sent no token`);
		return token;
	}

	private async describeFailure(response: Response, what: string): Promise<string> {
		const text = await readAtMost(response, SMALL_ANSWER_BYTES)
			.then(bytes => bytes?.toString('utf8') ?? '')
			.catch(() => '');
		let detail = '';
		try {
			const errors = (JSON.parse(text) as {errors?: Array<{code?: string; message?: string}>}).errors;
			if (errors?.[0]) detail = `${errors[0].code ?? ''}${errors[0].message ? `: ${errors[0].message}` : ''}`;
		} catch {}
		if (response.status === 404) {
			if (/NAME_UNKNOWN/.test(detail)) return `has no repository "${this.repository}" (${detail})`;
			return `has no ${what} in ${this.repository}${detail ? ` (${detail})` : ''}`;
		}
		return `answered HTTP ${response.status} for ${what}${detail ? ` (${detail})` : ''}`;
	}

	private connectionProblem(error: unknown): string {
		const cause = causeOf(error);
		if (/ECONNREFUSED/.test(cause)) return `cannot connect to ${this.base}: connection refused`;
		if (/ENOTFOUND|EAI_AGAIN/.test(cause)) return `cannot connect to ${this.base}: unknown host`;
		if (/TimeoutError|aborted due to timeout/i.test(cause)) return `${this.base} did not answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
		if (/CERT|certificate|UNABLE_TO_VERIFY/i.test(cause) && !/wrong version number/i.test(cause)) {
			return `cannot connect to ${this.base}: its certificate is not trusted (${cause}); add its CA with NODE_EXTRA_CA_CERTS=FILE`;
		}
		if (!this.options.insecure && /wrong version number|packet length too long|EPROTO|ERR_SSL/i.test(cause)) {
			return `${this.base} does not speak HTTPS (for a plain-HTTP registry on loopback, add --insecure)`;
		}
		return `cannot connect to ${this.base}: ${cause}`;
	}

	error(problem: string): InputError {
		return new InputError(this.options.input, `registry ${this.registry}: ${problem}`);
	}
}

/** The whole body if it is at most `cap` bytes; undefined (and the rest left unread) if it is longer. */
async function readAtMost(response: Response, cap: number): Promise<Buffer | undefined> {
	if (!response.body) return Buffer.alloc(0);
	const reader = response.body.getReader();
	const chunks: Uint8Array[] = [];
	let length = 0;
	for (;;) {
		const {done, value} = await reader.read();
		if (done) return Buffer.concat(chunks, length);
		length += value.byteLength;
		if (length > cap) {
			await reader.cancel().catch(() => {});
			return undefined;
		}
		chunks.push(value);
	}
}

function basic(credentials: Extract<Credentials, {kind: 'basic'}>): string {
	return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** fetch wraps the reason in `cause` (a code, a TLS message); say the innermost one. */
export function causeOf(error: unknown): string {
	let current = error as {message?: string; code?: string; cause?: unknown; name?: string} | undefined;
	let text = '';
	for (let depth = 0; current && depth < 5; depth++) {
		text = [current.code, current.name === 'TimeoutError' ? 'TimeoutError' : undefined, current.message].filter(Boolean).join(' ');
		current = current.cause as typeof current;
	}
	return text || String(error);
}
