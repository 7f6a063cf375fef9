import initSqlJs, {type SqlJsStatic} from 'sql.js';
import {parseRpmHeader, RpmHeaderError} from './rpm-header.js';

/**
 * rpm's SQLite database (Fedora, RHEL 9, Amazon Linux 2023), read with
 * sql.js (SQLite compiled to WebAssembly: no native build) while the layer
 * is read, and kept as only what a listing needs: one JSON line per package
 * (name, epoch:version-release, architecture, its files and their sizes).
 * A database of megabytes of headers becomes a fraction of that, in the
 * cache too; attribution then needs no SQLite.
 */
let sqlite: Promise<SqlJsStatic> | undefined;

export interface CondensedRpm {
	name: string;
	version: string;
	arch: string;
	files: string[];
	sizes: number[];
}

/** The packages of an rpmdb.sqlite as JSON lines, or a note saying why it cannot be read. */
export async function condenseRpmdb(path: string, bytes: Uint8Array): Promise<{lines: Buffer} | {note: string}> {
	sqlite ??= initSqlJs();
	let db;
	try {
		db = new (await sqlite).Database(bytes);
	} catch (error) {
		return {note: notRpm(path, error)};
	}
	try {
		let rows: unknown[][];
		try {
			rows = db.exec('SELECT blob FROM Packages')[0]?.values ?? [];
		} catch (error) {
			return {note: notRpm(path, error)};
		}
		const lines: string[] = [];
		let bad = 0;
		for (const [blob] of rows) {
			if (!(blob instanceof Uint8Array)) {
				bad++;
				continue;
			}
			try {
				const header = parseRpmHeader(blob);
				// gpg-pubkey entries are keys rpm imported, not packages.
				if (header.name === '' || header.name === 'gpg-pubkey') continue;
				const version = `${header.epoch !== null ? `${header.epoch}:` : ''}${header.version}-${header.release}`;
				lines.push(JSON.stringify({name: header.name, version, arch: header.arch, files: header.files, sizes: header.sizes} satisfies CondensedRpm));
			} catch (error) {
				if (!(error instanceof RpmHeaderError)) throw error;
				bad++;
			}
		}
		if (bad > 0) lines.push(JSON.stringify({note: `${path}: ${bad} package ${bad === 1 ? 'header' : 'headers'} could not be read: not listed`}));
		return {lines: Buffer.from(lines.join('\n'))};
	} finally {
		db.close();
	}
}

function notRpm(path: string, error: unknown): string {
	return `${path} is not a SQLite database with rpm's Packages table (${(error as Error).message}): its packages are not listed`;
}
