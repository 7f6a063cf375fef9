/** The ecosystems whose databases layerscope reads. */
export type Ecosystem = 'deb' | 'apk' | 'rpm' | 'python' | 'npm';

export const ECOSYSTEMS: readonly Ecosystem[] = ['deb', 'apk', 'rpm', 'python', 'npm'];

/**
 * One package as one layer's database lists it: what a reader of a
 * database format yields, before attribution weighs it against the layers.
 */
export interface ListedPackage {
	ecosystem: Ecosystem;
	name: string;
	version: string;
	architecture?: string;
	/**
	 * What makes two listings the same package across layers (a new version
	 * of it is an upgrade): the name and architecture, and for python and npm
	 * where it is installed (two site-packages may each hold a `six`).
	 */
	key: string;
	/** Absolute paths the database says the package installed, as it spells them (directories included for dpkg). */
	files: string[];
	/** Per file, the size the database records, or -1 (python's RECORD and rpm have sizes; dpkg and apk do not). */
	sizes?: number[];
	/** npm: the package's directory; its files are what lies below it, outside nested node_modules. */
	root?: string;
	/**
	 * python and npm: the file it was read from (RECORD, package.json). Where a
	 * deb, apk or rpm package lists that file, the package is that one's files
	 * (Debian's python3-yaml ships a RECORD): it is not listed again.
	 */
	database?: string;
	/** Nothing says which files it installed (a distroless status.d entry without md5sums). */
	filesUnknown?: boolean;
}

/** A database file as the current layer's state shows it. */
export interface DatabaseFile {
	path: string;
	bytes: Uint8Array;
	/** The layer that wrote these bytes. */
	layer: number;
}

/** A problem a reader met, worded for the user (it names the database file). */
export type ReaderNote = string;

export function text(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Lines of a text file, without their newlines; a last empty line is not a line. */
export function lines(content: string): string[] {
	const result = content.split('\n');
	if (result.at(-1) === '') result.pop();
	return result;
}
