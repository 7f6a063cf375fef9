import {rmSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';

/**
 * Private temporary directories (a stream's layer blobs, a file's bytes held
 * until its layer is checked) that must not outlive the process, however it
 * ends: a normal exit, process.exit (every error path of the CLI), an
 * uncaught exception (Node emits 'exit' for it too), or SIGINT, SIGTERM and
 * SIGHUP (whose default would end the process without any 'exit'). Only
 * SIGKILL leaves one behind. The handlers are installed once, on the first
 * directory made.
 */
const live = new Set<string>();
let installed = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A new directory under os.tmpdir() (TMPDIR), mode 0700 (mkdtemp's), removed when the process ends unless removed before. */
export async function makeSpoolDir(prefix: string): Promise<string> {
	install();
	const dir = await mkdtemp(path.join(tmpdir(), prefix));
	live.add(dir);
	return dir;
}

export async function removeSpoolDir(dir: string): Promise<void> {
	await rm(dir, {recursive: true, force: true});
	live.delete(dir);
}

/** The directories not yet removed (for tests). */
export function liveSpoolDirs(): string[] {
	return [...live];
}

function removeAll(): void {
	for (const dir of live) {
		try {
			rmSync(dir, {recursive: true, force: true});
		} catch {
			// Nothing more can be done while the process ends.
		}
	}
	live.clear();
}

function install(): void {
	if (installed) return;
	installed = true;
	process.on('exit', removeAll);
	for (const signal of SIGNALS) {
		const onSignal = () => {
			removeAll();
			// Alone, this handler took away the signal's default (ending the process): end it as that default would,
			// killed by the signal. Another handler (the browser's, which gives the terminal back) decides itself.
			if (process.listenerCount(signal) === 1) {
				process.off(signal, onSignal);
				process.kill(process.pid, signal);
			}
		};
		process.on(signal, onSignal);
	}
}
