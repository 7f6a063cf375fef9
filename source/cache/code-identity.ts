import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';

/**
 * The running code, as a digest of every file of it: a changed rule or
 * reader makes every stored analysis a miss, so an analysis is never one
 * that other code made. The code is this module's directory's parent
 * (dist/source when built, source/ under tsx).
 *
 * Reading and hashing ~300 files costs 10–40 ms of every cached run, so
 * the build writes the digest once into a stamp beside them (`npm run
 * build` runs this module last). The stamp is used only while it is at
 * least as new as this module's own built file: every `tsc` run rewrites
 * every output, so a build that did not write the stamp (a bare `tsc`)
 * leaves it stale, and the digest is then made from the files again. (A
 * hand edit of one built file is not noticed; building is how code
 * changes.) An installed package's files all carry npm's one fixed time,
 * and so does its stamp.
 */
const STAMP = 'code-identity.txt';
const built = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(built), '..');

let identity: string | undefined;

export function codeIdentity(): string {
	identity ??= identityOf(root, built);
	return identity;
}

/** The code under `directory`: its stamp's digest while the stamp is newer than `builtFile`, else made from the files. */
export function identityOf(directory: string, builtFile: string): string {
	return stamped(directory, builtFile) ?? digestOf(directory);
}

/** Every file under `directory` but the stamp, in a fixed order, with its path relative to it. */
function filesOf(directory: string): string[] {
	const files: string[] = [];
	const pending = [''];
	while (pending.length > 0) {
		const relative = pending.pop()!;
		const entries = readdirSync(path.join(directory, relative), {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			const name = path.join(relative, entry.name);
			if (entry.isDirectory()) pending.push(name);
			else if (entry.isFile() && name !== STAMP) files.push(name);
		}
	}
	return files;
}

export function digestOf(directory: string): string {
	const hash = createHash('sha256');
	for (const name of filesOf(directory)) hash.update(name).update('\0').update(readFileSync(path.join(directory, name))).update('\0');
	return hash.digest('hex');
}

/** The stamp's digest, when the stamp is there and newer than the last build. */
function stamped(directory: string, builtFile: string): string | undefined {
	try {
		const stamp = path.join(directory, STAMP);
		const written = statSync(stamp).mtimeMs;
		const digest = readFileSync(stamp, 'utf8').trim();
		if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
		return statSync(builtFile).mtimeMs > written ? undefined : digest;
	} catch {
		return undefined;
	}
}

/** The build's last step: the stamp for the code just built. */
export function writeStamp(directory: string = root): void {
	writeFileSync(path.join(directory, STAMP), `${digestOf(directory)}\n`);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) writeStamp();
