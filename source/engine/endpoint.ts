import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {UsageError} from '../errors.js';
import {dockerConfigDir, readJsonObject} from './docker-config.js';

/** An engine API address and where it came from, so every message can say which one was tried. */
export interface EngineEndpoint {
	/** "unix:///var/run/docker.sock" or "tcp://host:2376". */
	url: string;
	/** "DOCKER_HOST", `docker context "ci"`, "Docker's default socket"… */
	origin: string;
	/** For tcp: talk TLS, with these files (paths) when given. */
	tls?: {ca?: string; cert?: string; key?: string; verify: boolean};
}

/** What endpoint discovery reads; the process's own by default, a test's when given. */
export interface EngineEnvironment {
	env: Record<string, string | undefined>;
	home: string;
	uid: number;
}

export const processEnvironment = (): EngineEnvironment => ({env: process.env, home: os.homedir(), uid: process.getuid?.() ?? 0});

/**
 * The endpoint to ask, the way each engine's own CLI finds it: an explicit
 * setting (DOCKER_HOST, the Docker CLI's current context, CONTAINER_HOST) is
 * used as is, even when it does not answer, so the error names it; otherwise
 * the first default socket that exists. `tried` lists every socket looked at.
 */
export function findEngine(kind: 'docker' | 'podman' | 'any', environment: EngineEnvironment = processEnvironment()): {endpoint: EngineEndpoint | undefined; tried: string[]} {
	const explicit = (kind !== 'podman' ? dockerSetting(environment) : undefined) ?? (kind !== 'docker' ? podmanSetting(environment) : undefined);
	if (explicit) return {endpoint: explicit, tried: [explicit.url]};
	const defaults = [...(kind !== 'podman' ? dockerDefaults() : []), ...(kind !== 'docker' ? podmanDefaults(environment) : [])];
	const found = defaults.find(endpoint => existsSync(socketPath(endpoint.url)!));
	return {endpoint: found, tried: defaults.map(endpoint => socketPath(endpoint.url)!)};
}

/** The filesystem path of a unix:// endpoint. */
export function socketPath(url: string): string | undefined {
	return url.startsWith('unix://') ? url.slice('unix://'.length) : undefined;
}

function dockerSetting({env, home}: EngineEnvironment): EngineEndpoint | undefined {
	const host = env.DOCKER_HOST;
	if (host) return checked({url: host, origin: 'DOCKER_HOST', tls: dockerTlsFromEnvironment(env, home)});
	const configDir = dockerConfigDir(env, home);
	const context = env.DOCKER_CONTEXT || currentContext(configDir);
	if (!context || context === 'default') return undefined;
	return contextEndpoint(configDir, context);
}

function podmanSetting({env}: EngineEnvironment): EngineEndpoint | undefined {
	return env.CONTAINER_HOST ? checked({url: env.CONTAINER_HOST, origin: 'CONTAINER_HOST'}) : undefined;
}

function dockerDefaults(): EngineEndpoint[] {
	return [{url: 'unix:///var/run/docker.sock', origin: "Docker's default socket"}];
}

function podmanDefaults({env, uid}: EngineEnvironment): EngineEndpoint[] {
	const sockets = [
		env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'podman/podman.sock') : undefined,
		`/run/user/${uid}/podman/podman.sock`,
		'/run/podman/podman.sock',
	];
	return [...new Set(sockets.filter((socket): socket is string => socket !== undefined))].map(socket => ({url: `unix://${socket}`, origin: "podman's default socket"}));
}

/** DOCKER_TLS_VERIFY turns on verified TLS, DOCKER_TLS unverified TLS; the files live in DOCKER_CERT_PATH. */
function dockerTlsFromEnvironment(env: Record<string, string | undefined>, home: string): EngineEndpoint['tls'] {
	const verify = Boolean(env.DOCKER_TLS_VERIFY);
	if (!verify && !env.DOCKER_TLS) return undefined;
	const directory = env.DOCKER_CERT_PATH || path.join(home, '.docker');
	return {...tlsFiles(directory), verify};
}

function tlsFiles(directory: string): {ca?: string; cert?: string; key?: string} {
	const file = (name: string) => (existsSync(path.join(directory, name)) ? path.join(directory, name) : undefined);
	return {ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem')};
}

function currentContext(configDir: string): string | undefined {
	const config = readJsonObject(path.join(configDir, 'config.json'));
	return typeof config?.currentContext === 'string' ? config.currentContext : undefined;
}

/** A context's endpoint, stored by the Docker CLI under the sha256 of the context's name. */
function contextEndpoint(configDir: string, name: string): EngineEndpoint {
	const id = createHash('sha256').update(name).digest('hex');
	const metaFile = path.join(configDir, 'contexts/meta', id, 'meta.json');
	const meta = readJsonObject(metaFile);
	const docker = (meta?.Endpoints as Record<string, Record<string, unknown>> | undefined)?.docker;
	if (!docker || typeof docker.Host !== 'string') throw new UsageError(`docker context "${name}" has no docker endpoint (${metaFile})`);
	const tlsDirectory = path.join(configDir, 'contexts/tls', id, 'docker');
	const tls = existsSync(tlsDirectory) ? {...tlsFiles(tlsDirectory), verify: docker.SkipTLSVerify !== true} : undefined;
	return checked({url: docker.Host, origin: `docker context "${name}"`, tls});
}

function checked(endpoint: EngineEndpoint): EngineEndpoint {
	if (endpoint.url.startsWith('ssh://')) throw new UsageError(`${endpoint.origin} is ${endpoint.url}: ssh:// engines are not supported; forward the socket (ssh -L /tmp/engine.sock:/var/run/docker.sock HOST) and set DOCKER_HOST=unix:///tmp/engine.sock`);
	if (endpoint.url.startsWith('npipe://')) throw new UsageError(`${endpoint.origin} is ${endpoint.url}: Windows named pipes are not supported`);
	if (!/^(?:unix:\/\/\/|tcp:\/\/|https?:\/\/)/.test(endpoint.url)) throw new UsageError(`${endpoint.origin} is "${endpoint.url}": expected unix:///PATH or tcp://HOST:PORT`);
	return endpoint;
}

