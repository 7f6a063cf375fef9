import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/**
 * A real podman engine API (`podman system service`) on a private unix
 * socket, with its own storage (vfs) in a temporary directory: nothing is
 * shared with the machine's podman, and stop() leaves nothing behind.
 */
export class PodmanService {
	private constructor(
		readonly directory: string,
		readonly socket: string,
		private readonly child: ChildProcess,
		private readonly log: () => string,
	) {}

	get url(): string {
		return `unix://${this.socket}`;
	}

	/** In a new temporary directory, or in `directory` (kept between runs: the benchmark's engine). */
	static async start(options: {directory?: string} = {}): Promise<PodmanService> {
		const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'layerscope-podman-')));
		await mkdir(directory, {recursive: true});
		await rm(path.join(directory, 'api.sock'), {force: true});
		const socket = path.join(directory, 'api.sock');
		let output = '';
		const child = spawn('podman', [...storageFlags(directory), 'system', 'service', '--time=0', `unix://${socket}`], {stdio: ['ignore', 'pipe', 'pipe']});
		child.stdout!.on('data', chunk => (output += chunk));
		child.stderr!.on('data', chunk => (output += chunk));
		const service = new PodmanService(directory, socket, child, () => output);
		await service.waitUntilAnswering();
		return service;
	}

	/** `podman load` into this service's storage: the image is then known to the API. Returns the name it was loaded as. */
	async load(archive: string): Promise<string> {
		const {stdout} = await run('podman', [...storageFlags(this.directory), 'load', '-q', '-i', archive], {maxBuffer: 1 << 20});
		return stdout.trim().split('\n').at(-1)!.replace(/^Loaded image\(?s?\)?:\s*/, '');
	}

	async has(name: string): Promise<boolean> {
		return run('podman', [...storageFlags(this.directory), 'image', 'exists', name]).then(() => true, () => false);
	}

	async tag(image: string, name: string): Promise<void> {
		await run('podman', [...storageFlags(this.directory), 'tag', image, name]);
	}

	async stop(options: {keep?: boolean} = {}): Promise<void> {
		this.child.kill('SIGTERM');
		await new Promise(resolve => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(undefined)));
		if (!options.keep) await rm(this.directory, {recursive: true, force: true});
	}

	private async waitUntilAnswering(): Promise<void> {
		const deadline = Date.now() + 20_000;
		while (Date.now() < deadline) {
			if (this.child.exitCode !== null) throw new Error(`podman system service exited: ${this.log()}`);
			if (await ping(this.socket)) return;
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		throw new Error(`podman system service did not answer on ${this.socket}: ${this.log()}`);
	}
}

function storageFlags(directory: string): string[] {
	return [
		'--root', path.join(directory, 'storage'),
		'--runroot', path.join(directory, 'run'),
		'--storage-driver', 'vfs',
		'--cgroup-manager', 'cgroupfs',
		'--events-backend', 'file',
		'--tmpdir', path.join(directory, 'tmp'),
	];
}

function ping(socket: string): Promise<boolean> {
	return new Promise(resolve => {
		const request = http.get({socketPath: socket, path: '/_ping'}, response => {
			response.resume();
			resolve(response.statusCode === 200);
		});
		request.on('error', () => resolve(false));
	});
}
