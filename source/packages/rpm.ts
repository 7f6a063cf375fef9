import {lines, text, type DatabaseFile, type ListedPackage, type ReaderNote} from './listed-package.js';
import type {CondensedRpm} from './rpmdb.js';

export const RPMDB_SQLITE = new Set(['/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/rpmdb.sqlite']);
/** Berkeley DB (older RHEL, CentOS, Amazon Linux 2) and SUSE's ndb: no maintained reader in JavaScript. */
export const RPMDB_UNREAD = ['/var/lib/rpm/Packages', '/var/lib/rpm/Packages.db', '/usr/lib/sysimage/rpm/Packages', '/usr/lib/sysimage/rpm/Packages.db'];

/** rpm's SQLite database, as the layer reader condensed it (rpmdb.ts): one JSON line per package. */
export function readRpm(file: DatabaseFile, notes: ReaderNote[]): ListedPackage[] {
	const packages: ListedPackage[] = [];
	for (const line of lines(text(file.bytes))) {
		let item: CondensedRpm | {note: string};
		try {
			item = JSON.parse(line) as CondensedRpm | {note: string};
		} catch {
			notes.push(`${file.path} could not be read back: its packages are not listed`);
			return [];
		}
		if ('note' in item) {
			notes.push(item.note);
			continue;
		}
		packages.push({ecosystem: 'rpm', name: item.name, version: item.version, architecture: item.arch, key: `rpm\0${item.name}\0${item.arch}`, files: item.files, sizes: item.sizes});
	}
	return packages;
}
