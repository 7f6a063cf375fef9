import {execFile} from 'node:child_process';
import path from 'node:path';
import {dockerConfigDir, readJsonObject} from '../engine/docker-config.js';
import type {EngineEnvironment} from '../engine/endpoint.js';
import {isRecord} from '../image/json-documents.js';

/** What a registry login left behind: a user and password, or an identity (refresh) token. */
export type Credentials = {kind: 'basic'; username: string; password: string; from: string} | {kind: 'identity-token'; token: string; from: string};

const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/**
 * Looks credentials up the way `docker login` and `podman login` store them:
 * a per-registry credential helper, the global credential store, then the
 * `auths` entries of ~/.docker/config.json (or $DOCKER_CONFIG), then
 * podman's auth.json ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json).
 */
export async function findCredentials(registry: string, environment: EngineEnvironment): Promise<Credentials | undefined> {
	const {env, home} = environment;
	const dockerConfig = path.join(dockerConfigDir(env, home), 'config.json');
	const keys = registryKeys(registry);
	const config = readJsonObject(dockerConfig);
	if (config) {
		const helpers = isRecord(config.credHelpers) ? config.credHelpers : {};
		const helper = keys.map(key => helpers[key]).find((name): name is string => typeof name === 'string') ?? (typeof config.credsStore === 'string' ? config.credsStore : undefined);
		if (helper) {
			const fromHelper = await askHelper(helper, registry, env);
			if (fromHelper) return fromHelper;
		}
		const found = fromAuths(config, keys, dockerConfig);
		if (found) return found;
	}
	const authFiles = [env.REGISTRY_AUTH_FILE, env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'containers/auth.json') : undefined].filter((file): file is string => Boolean(file));
	for (const file of authFiles) {
		const found = fromAuths(readJsonObject(file), keys, file);
		if (found) return found;
	}
	return undefined;
}

/** The spellings a login may have used for one registry. */
function registryKeys(registry: string): string[] {
	if (DOCKER_HUB_KEYS.includes(registry)) return DOCKER_HUB_KEYS;
	return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

function fromAuths(config: Record<string, unknown> | undefined, keys: string[], file: string): Credentials | undefined {
	const auths = config && isRecord(config.auths) ? config.auths : undefined;
	if (!auths) return undefined;
	const entry = keys.map(key => auths[key]).find(isRecord) ?? Object.entries(auths).find(([key]) => keys.includes(stripUrl(key)))?.[1];
	if (!isRecord(entry)) return undefined;
	if (typeof entry.identitytoken === 'string' && entry.identitytoken) return {kind: 'identity-token', token: entry.identitytoken, from: file};
	if (typeof entry.auth === 'string' && entry.auth) {
		const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon > 0) return {kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: file};
	}
	if (typeof entry.username === 'string' && typeof entry.password === 'string') return {kind: 'basic', username: entry.username, password: entry.password, from: file};
	return undefined;
}

function stripUrl(key: string): string {
	return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/** `docker-credential-NAME get`, the server on stdin, JSON on stdout; "<token>" as user means an identity token. */
function askHelper(helper: string, registry: string, env: Record<string, string | undefined>): Promise<Credentials | undefined> {
	const program = `docker-credential-${helper}`;
	const server = DOCKER_HUB_KEYS.includes(registry) ? DOCKER_HUB_KEYS[0]! : registry;
	return new Promise(resolve => {
		const child = execFile(program, ['get'], {timeout: 10_000, env}, (error, stdout) => {
			if (error) return resolve(undefined); // not stored there: look further
			try {
				const answer = JSON.parse(stdout) as {Username?: unknown; Secret?: unknown};
				if (typeof answer.Secret !== 'string' || !answer.Secret) return resolve(undefined);
				if (answer.Username === '<token>') return resolve({kind: 'identity-token', token: answer.Secret, from: program});
				resolve({kind: 'basic', username: typeof answer.Username === 'string' ? answer.Username : '', password: answer.Secret, from: program});
			} catch {
				resolve(undefined);
			}
		});
		child.stdin?.end(server);
	});
}

