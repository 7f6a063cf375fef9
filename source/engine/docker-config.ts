import {readFileSync} from 'node:fs';
import path from 'node:path';
import {isRecord} from '../image/json-documents.js';

/** The Docker CLI's configuration folder: $DOCKER_CONFIG, else ~/.docker. Contexts and logins live there. */
export function dockerConfigDir(env: Record<string, string | undefined>, home: string): string {
	return env.DOCKER_CONFIG || path.join(home, '.docker');
}

/** A JSON object from a file the user's tools wrote, or undefined when it is absent or unreadable: such files are optional. */
export function readJsonObject(file: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
		return isRecord(value) ? value : undefined;
	} catch {
		return undefined;
	}
}
