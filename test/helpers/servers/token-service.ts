import {createPrivateKey, createSign, X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {repoRoot} from '../paths.js';

const KEYS = path.join(repoRoot, 'test/fixtures/registry-auth');
export const TOKEN_CERT = path.join(KEYS, 'token-cert.pem');
export const TOKEN_SERVICE = 'layerscope-test-registry';
export const TOKEN_ISSUER = 'layerscope-test-issuer';

/**
 * A token service, as Docker Hub and GHCR run one: the registry answers 401
 * with a Bearer challenge naming it; it checks the Basic login and issues a
 * JWT the registry verifies against TOKEN_CERT. Real JWTs, so the real
 * registry decides whether they are good.
 */
export class TokenService {
	/** Every request it answered: tests check the client asked as it should. */
	readonly requests: Array<{scope: string | null; service: string | null; user: string | null}> = [];

	private constructor(
		private readonly server: http.Server,
		readonly users: Record<string, string>,
	) {}

	get realm(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
	}

	static async start(users: Record<string, string>): Promise<TokenService> {
		const key = createPrivateKey(readFileSync(path.join(KEYS, 'token-key.pem')));
		const certificate = new X509Certificate(readFileSync(TOKEN_CERT));
		let service: TokenService;
		const server = http.createServer((request, response) => {
			const url = new URL(request.url ?? '/', 'http://localhost');
			const login = parseBasic(request.headers.authorization);
			service.requests.push({scope: url.searchParams.get('scope'), service: url.searchParams.get('service'), user: login?.user ?? null});
			if (!login || users[login.user] !== login.password) {
				response.writeHead(401, {'content-type': 'application/json'}).end('{"details":"incorrect username or password"}');
				return;
			}
			const scope = url.searchParams.get('scope') ?? '';
			const [, name, actions] = /^repository:(.+):([a-z,*]+)$/.exec(scope) ?? [];
			const now = Math.floor(Date.now() / 1000);
			const claims = {iss: TOKEN_ISSUER, sub: login.user, aud: TOKEN_SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access: name ? [{type: 'repository', name, actions: actions!.split(',')}] : []};
			const header = {typ: 'JWT', alg: 'RS256', x5c: [certificate.raw.toString('base64')]};
			const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
			const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
			response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({token: `${unsigned}.${signature}`, expires_in: 300}));
		});
		service = new TokenService(server, users);
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		return service;
	}

	async stop(): Promise<void> {
		await new Promise(resolve => this.server.close(resolve));
	}
}

function base64url(text: string): string {
	return Buffer.from(text).toString('base64url');
}

function parseBasic(header: string | undefined): {user: string; password: string} | undefined {
	if (!header?.startsWith('Basic ')) return undefined;
	const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	return colon < 0 ? undefined : {user: decoded.slice(0, colon), password: decoded.slice(colon + 1)};
}
