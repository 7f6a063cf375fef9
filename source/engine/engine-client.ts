import {readFileSync} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import {InputError} from '../errors.js';
import {socketPath, type EngineEndpoint} from './endpoint.js';

/** How long the engine may stay silent: `docker save` of a big image can take a while to start. */
const IDLE_TIMEOUT_MS = 5 * 60 * 1000;

export interface EngineImage {
	/** Uncompressed bytes, as the engine counts them: about what the export will send. */
	size: number | null;
}

/**
 * The two calls of the Docker engine API layerscope needs, over a unix
 * socket or tcp: inspect an image (a fast, clear "no such image"), and
 * stream its `docker save` export. Podman serves the same API.
 */
export class EngineClient {
	constructor(
		readonly endpoint: EngineEndpoint,
		/** The user's name for the image, for messages. */
		private readonly input: string,
	) {}

	async inspect(name: string): Promise<EngineImage> {
		const response = await this.get(`/images/${name}/json`, name);
		const body = await readBody(response);
		let document: Record<string, unknown>;
		try {
			document = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
		} catch {
			throw this.error(`answered /images/${name}/json with something that is not JSON`);
		}
		return {size: typeof document.Size === 'number' ? document.Size : null};
	}

	/** The image as a `docker save` tar stream; the caller reads it once. */
	async export(name: string): Promise<http.IncomingMessage> {
		return this.get(`/images/${name}/get`, name);
	}

	private async get(requestPath: string, name: string): Promise<http.IncomingMessage> {
		const response = await this.request(requestPath);
		if (response.statusCode === 200) return response;
		const message = engineMessage(await readBody(response).catch(() => Buffer.alloc(0)));
		if (response.statusCode === 404) throw this.error(`has no image "${name}"${message ? ` (${message})` : ''}`);
		throw this.error(`answered HTTP ${response.statusCode}${message ? `: ${message}` : ''}`);
	}

	private request(requestPath: string): Promise<http.IncomingMessage> {
		const {url, tls} = this.endpoint;
		const socket = socketPath(url);
		const parsed = socket ? undefined : new URL(url.replace(/^tcp:/, tls ? 'https:' : 'http:'));
		const secure = parsed?.protocol === 'https:';
		const options: https.RequestOptions = {
			method: 'GET',
			path: requestPath,
			headers: {host: socket ? 'docker' : parsed!.host, 'user-agent': 'layerscope'},
			...(socket ? {socketPath: socket} : {host: parsed!.hostname.replace(/^\[|\]$/g, ''), port: parsed!.port || (secure ? 2376 : 2375)}),
			...(secure ? tlsOptions(tls) : {}),
		};
		return new Promise((resolve, reject) => {
			const request = (secure ? https : http).request(options, resolve);
			request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})));
			request.on('error', error => reject(this.connectionError(error as NodeJS.ErrnoException)));
			request.end();
		});
	}

	/** Socket-level failures, said so that the user knows what to fix. */
	private connectionError(error: NodeJS.ErrnoException): InputError {
		const socket = socketPath(this.endpoint.url);
		switch (error.code) {
			case 'ENOENT':
				return this.error(`cannot connect: no socket at ${socket ?? this.endpoint.url}`);
			case 'ECONNREFUSED':
				return this.error('cannot connect: connection refused (is the engine running?)');
			case 'EACCES':
			case 'EPERM':
				return this.error(`cannot connect: permission denied on ${socket ?? this.endpoint.url} (join the group that owns it, or run as a user who may)`);
			case 'ETIMEDOUT':
				return this.error('stopped answering (timed out)');
			default:
				if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code ?? '')) {
					return this.error(`cannot connect: its certificate is not trusted (${error.message}); put the CA that signed it in ${this.endpoint.tls?.ca ?? 'DOCKER_CERT_PATH/ca.pem'}`);
				}
				return this.error(`cannot connect: ${error.message}`);
		}
	}

	error(problem: string): InputError {
		return new InputError(this.input, `engine at ${this.endpoint.url} (${this.endpoint.origin}) ${problem}`);
	}
}

function tlsOptions(tls: EngineEndpoint['tls']): https.RequestOptions {
	const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
	return {ca: read(tls?.ca), cert: read(tls?.cert), key: read(tls?.key), rejectUnauthorized: tls?.verify !== false};
}

async function readBody(response: http.IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of response) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Docker answers {"message": …}; podman adds "cause" and "response". */
function engineMessage(body: Buffer): string {
	try {
		const document = JSON.parse(body.toString('utf8')) as {message?: unknown};
		if (typeof document.message === 'string') return document.message;
	} catch {}
	return body.toString('utf8').trim().slice(0, 200);
}
