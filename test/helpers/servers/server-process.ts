import {spawn, type ChildProcess} from 'node:child_process';
import {rm} from 'node:fs/promises';

/** A server the tests run as a child process, its output kept for the message when it fails to start. */
export class ServerProcess {
	private output = '';
	private readonly child: ChildProcess;

	constructor(
		private readonly name: string,
		command: string,
		args: string[],
	) {
		this.child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']});
		this.child.stdout!.on('data', chunk => (this.output += chunk));
		this.child.stderr!.on('data', chunk => (this.output += chunk));
	}

	/** Polls `answers` until it says yes; fails with the server's output if it exits or 20 s pass. */
	async waitUntil(answers: () => Promise<boolean>, where: string): Promise<void> {
		const deadline = Date.now() + 20_000;
		while (Date.now() < deadline) {
			if (this.child.exitCode !== null) throw new Error(`${this.name} exited: ${this.output}`);
			if (await answers()) return;
			await new Promise(resolve => setTimeout(resolve, 100));
		}
		throw new Error(`${this.name} did not answer on ${where}: ${this.output}`);
	}

	/** Stops the server and removes its directory, unless it is to be kept (the benchmark's). */
	async stop(directory: string, keep = false): Promise<void> {
		this.child.kill('SIGTERM');
		await new Promise(resolve => (this.child.exitCode === null ? this.child.once('exit', resolve) : resolve(undefined)));
		if (!keep) await rm(directory, {recursive: true, force: true});
	}
}
