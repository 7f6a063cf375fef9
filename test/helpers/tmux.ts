import {execFileSync, spawnSync} from 'node:child_process';

/**
 * A private tmux server for end-to-end tests: the real binary in a real
 * terminal, keys typed with send-keys as a terminal sends them, the screen
 * read with capture-pane as a person would see it.
 */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export class Tmux {
	readonly socket = `layerscope-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** A new session; right after the previous one closed, the server may still be shutting down: try again for a moment. */
	async newSession(name: string, command: string, width = 150, height = 45): Promise<void> {
		for (let attempt = 0; ; attempt++) {
			try {
				this.run('new-session', '-d', '-s', name, '-x', String(width), '-y', String(height), command);
				return;
			} catch (error) {
				if (attempt >= 20) throw error;
				await sleep(100);
			}
		}
	}

	/** The screen's text; with `escapes`, the SGR sequences that style it too. */
	screen(session: string, escapes = false): string {
		return this.run('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
	}

	keys(session: string, ...keys: string[]): void {
		this.run('send-keys', '-t', session, ...keys);
	}

	async waitFor(session: string, predicate: (text: string) => boolean, what: string, options: {escapes?: boolean; timeoutMs?: number} = {}): Promise<string> {
		const deadline = Date.now() + (options.timeoutMs ?? 10_000);
		let text = '';
		while (Date.now() < deadline) {
			text = this.screen(session, options.escapes);
			if (predicate(text)) return text;
			await sleep(50);
		}
		throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`);
	}

	kill(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server']);
	}
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Text without its SGR sequences. */
export function plainText(text: string): string {
	return text.replace(/\u001B\[[0-9;:]*m/g, '');
}
