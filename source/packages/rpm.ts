import type {DatabaseFile, ListedPackage, ReaderNote} from './listed-package.js';

export const RPMDB_SQLITE = new Set(['/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/rpmdb.sqlite']);
/** Berkeley DB (older RHEL, CentOS, Amazon Linux 2) and SUSE's ndb: no maintained reader in JavaScript. */
export const RPMDB_UNREAD = ['/var/lib/rpm/Packages', '/var/lib/rpm/Packages.db', '/usr/lib/sysimage/rpm/Packages', '/usr/lib/sysimage/rpm/Packages.db'];

/** rpm's SQLite database: not read yet; said so, never guessed. */
export function readRpm(file: DatabaseFile, notes: ReaderNote[]): ListedPackage[] {
	notes.push(`${file.path} (rpm's SQLite database) is present but not read: its packages are not listed`);
	return [];
}
