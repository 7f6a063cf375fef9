import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {ServerProcess} from './server-process.js';

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
		private readonly process: ServerProcess,
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
		const process = new ServerProcess('podman system service', 'podman', [...storageFlags(directory), 'system', 'service', '--time=0', `unix://${socket}`]);
		await process.waitUntil(() => ping(socket), socket);
		return new PodmanService(directory, socket, process);
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
		await this.process.stop(this.directory, options.keep);
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
