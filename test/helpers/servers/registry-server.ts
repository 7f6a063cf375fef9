import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import https from 'node:https';
import {repoRoot} from '../paths.js';
import {freePort} from './free-port.js';
import {ServerProcess} from './server-process.js';
import {TOKEN_CERT, TOKEN_ISSUER, TOKEN_SERVICE, type TokenService} from './token-service.js';

const run = promisify(execFile);
/** Test-only certificate for 127.0.0.1 (test/fixtures/registry-auth/README.md). */
export const TLS_CERT = path.join(repoRoot, 'test/fixtures/registry-auth/tls-cert.pem');
const TLS_KEY = path.join(repoRoot, 'test/fixtures/registry-auth/tls-key.pem');

function tlsAnswers(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const request = https.get({host: '127.0.0.1', port, path: '/v2/', rejectUnauthorized: false}, response => {
			response.resume();
			resolve(response.statusCode === 200);
		});
		request.on('error', () => resolve(false));
	});
}

/**
 * The distribution registry (Debian's docker-registry) on 127.0.0.1, storing
 * in a temporary directory; optionally behind token authentication. Images
 * get in with skopeo, as they would from any CI pipeline.
 */
export class RegistryServer {
	private constructor(
		readonly directory: string,
		readonly port: number,
		private readonly process: ServerProcess,
	) {}

	get host(): string {
		return `127.0.0.1:${this.port}`;
	}

	/** In a new temporary directory, or in `directory` (kept between runs: the benchmark's registry). */
	static async start(options: {tokens?: TokenService; tls?: boolean; directory?: string} = {}): Promise<RegistryServer> {
		const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'layerscope-registry-')));
		await mkdir(directory, {recursive: true});
		const port = await freePort();
		const auth = options.tokens
			? `auth:\n  token:\n    realm: ${options.tokens.realm}\n    service: ${TOKEN_SERVICE}\n    issuer: ${TOKEN_ISSUER}\n    rootcertbundle: ${TOKEN_CERT}\n`
			: '';
		const tls = options.tls ? `  tls:\n    certificate: ${TLS_CERT}\n    key: ${TLS_KEY}\n` : '';
		const config = `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(directory, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}`;
		await writeFile(path.join(directory, 'config.yml'), config);
		const process = new ServerProcess('docker-registry', 'docker-registry', ['serve', path.join(directory, 'config.yml')]);
		const host = `127.0.0.1:${port}`;
		const answers = options.tls ? () => tlsAnswers(port) : () => fetch(`http://${host}/v2/`).then(response => response.status === 200 || response.status === 401, () => false);
		await process.waitUntil(answers, host);
		return new RegistryServer(directory, port, process);
	}

	/** `skopeo copy SOURCE docker://HOST/NAME`; extra flags as given (--all, --preserve-digests, --dest-creds…). */
	async push(source: string, name: string, flags: string[] = []): Promise<void> {
		await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...flags, source, `docker://${this.host}/${name}`]);
	}

	/** The manifest digest a tag points to, as skopeo sees it. */
	async digestOf(name: string, flags: string[] = []): Promise<string> {
		const {stdout} = await run('skopeo', ['inspect', '--tls-verify=false', ...flags, `docker://${this.host}/${name}`]);
		return (JSON.parse(stdout) as {Digest: string}).Digest;
	}

	/** Does the registry (without auth) hold REPO:TAG? */
	async has(repository: string, tag: string): Promise<boolean> {
		const response = await fetch(`http://${this.host}/v2/${repository}/manifests/${tag}`, {method: 'HEAD', headers: {accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'}});
		return response.status === 200;
	}

	async stop(options: {keep?: boolean} = {}): Promise<void> {
		await this.process.stop(this.directory, options.keep);
	}
}
