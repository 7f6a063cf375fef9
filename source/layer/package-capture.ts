import {MAX_PACKAGE_DATABASE_BYTES, MAX_PACKAGE_FILE_BYTES, MAX_PACKAGE_FILES_PER_LAYER, MAX_RPMDB_BYTES, formatLimit} from '../limits.js';
import type {PackageFiles} from '../model.js';

/**
 * Which files of a layer are package-manager databases, and keeping their
 * bytes as the layer streams by, so packages cost no second read of any
 * source (stdin included). Only small files whose paths say what they are
 * are kept; a file or layer over its cap is noted, never a failure.
 *
 * What counts:
 *  - dpkg: /var/lib/dpkg/status, /var/lib/dpkg/diversions, /var/lib/dpkg/info/*.list,
 *    and every file of /var/lib/dpkg/status.d/ (distroless: NAME and NAME.md5sums).
 *    info/*.md5sums are not kept: where .list files exist they say the same paths.
 *  - apk: /lib/apk/db/installed (and /usr/lib/apk/db/installed).
 *  - rpm: rpmdb.sqlite in /var/lib/rpm or /usr/lib/sysimage/rpm.
 *  - python: site-packages|dist-packages/NAME.dist-info/RECORD, NAME.egg-info/installed-files.txt,
 *    and beside them METADATA and PKG-INFO, of which only the Name and Version headers are kept
 *    (the folder's name is the name normalised: the headers say it as the package does).
 *  - npm: node_modules/NAME/package.json and node_modules/@SCOPE/NAME/package.json
 *    (a package's own; other package.json files in it are not packages), of which only
 *    name and version are kept.
 */
export type CaptureKind = 'plain' | 'rpmdb' | 'npm' | 'python-metadata';

const DPKG = '/var/lib/dpkg/';
const RPMDB_PATHS = new Set(['/var/lib/rpm/rpmdb.sqlite', '/usr/lib/sysimage/rpm/rpmdb.sqlite']);
const PLAIN_PATHS = new Set(['/var/lib/dpkg/status', '/var/lib/dpkg/diversions', '/lib/apk/db/installed', '/usr/lib/apk/db/installed']);

/** What to keep of the file at `path` (normalised, absolute), or null. Cheap: it runs for every entry. */
export function captureKind(path: string): CaptureKind | null {
	const last = path.charCodeAt(path.length - 1);
	// Outside dpkg's directory, the last character rules out nearly every path before any string is compared.
	if (path.startsWith(DPKG)) {
		if (PLAIN_PATHS.has(path)) return 'plain';
		const rest = path.slice(DPKG.length);
		if (rest.startsWith('status.d/')) return rest.indexOf('/', 9) === -1 && rest.length > 9 ? 'plain' : null;
		if (rest.startsWith('info/') && rest.indexOf('/', 5) === -1 && rest.endsWith('.list')) return 'plain';
		return null;
	}
	if (last === 0x44 /* D */) return path.endsWith('.dist-info/RECORD') && inSitePackages(path, '.dist-info/RECORD'.length) ? 'plain' : null;
	if (last === 0x74 /* t */) return path.endsWith('.egg-info/installed-files.txt') && inSitePackages(path, '.egg-info/installed-files.txt'.length) ? 'plain' : null;
	if (last === 0x41 /* A */) return path.endsWith('.dist-info/METADATA') && inSitePackages(path, '.dist-info/METADATA'.length) ? 'python-metadata' : null;
	if (last === 0x4f /* O */) return path.endsWith('.egg-info/PKG-INFO') && inSitePackages(path, '.egg-info/PKG-INFO'.length) ? 'python-metadata' : null;
	if (last === 0x6e /* n */) return path.endsWith('/package.json') && isPackageManifest(path) ? 'npm' : null;
	if (last === 0x65 /* e */) return RPMDB_PATHS.has(path) ? 'rpmdb' : null;
	if (last === 0x64 /* d */) return PLAIN_PATHS.has(path) ? 'plain' : null;
	return null;
}

/** Whether the metadata directory (the path minus `tail` more characters) sits directly in a site-packages or dist-packages directory. */
function inSitePackages(path: string, tail: number): boolean {
	const dir = path.slice(0, path.length - tail);
	const slash = dir.lastIndexOf('/');
	const parent = dir.slice(0, slash);
	return slash > 0 && dir.length - slash > 1 && (parent.endsWith('/site-packages') || parent.endsWith('/dist-packages'));
}

/** node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json. */
function isPackageManifest(path: string): boolean {
	const parts = path.split('/');
	const n = parts.length;
	// ['', ..., 'node_modules', NAME, 'package.json'] or [..., 'node_modules', '@scope', NAME, 'package.json']
	if (n >= 4 && parts[n - 3] === 'node_modules' && parts[n - 2] !== '' && !parts[n - 2]!.startsWith('@') && !parts[n - 2]!.startsWith('.')) return true;
	return n >= 5 && parts[n - 4] === 'node_modules' && parts[n - 3]!.startsWith('@') && parts[n - 3]!.length > 1 && parts[n - 2] !== '' && !parts[n - 2]!.startsWith('.');
}

export function captureCap(kind: CaptureKind): number {
	return kind === 'rpmdb' ? MAX_RPMDB_BYTES : MAX_PACKAGE_FILE_BYTES;
}

/** The captured files of one layer, gathered as their contents stream by. */
export class PackageFilesBuilder {
	private readonly paths: string[] = [];
	private readonly chunks: Buffer[] = [];
	private readonly ends: number[] = [];
	private total = 0;
	private readonly notes: string[] = [];

	/** A sink for the content of a file to keep, or null (and a note) when it would pass a cap. `size`: the bytes the tar says follow. */
	open(path: string, kind: CaptureKind, size: number): {update(chunk: Buffer): void; finish(): void} | null {
		const cap = captureCap(kind);
		if (size > cap) {
			this.notes.push(`${path} is ${size} bytes, more than the ${formatLimit(cap)} a package database file may have: its packages are not read`);
			return null;
		}
		if (this.total + size > MAX_PACKAGE_DATABASE_BYTES) {
			this.notes.push(`${path} was not kept: the layer's package database files pass ${formatLimit(MAX_PACKAGE_DATABASE_BYTES)}`);
			return null;
		}
		if (this.paths.length >= MAX_PACKAGE_FILES_PER_LAYER) {
			this.notes.push(`${path} was not kept: the layer has more than ${MAX_PACKAGE_FILES_PER_LAYER} package database files`);
			return null;
		}
		const parts: Buffer[] = [];
		let read = 0;
		return {
			update: chunk => {
				// Counted by bytes really read: the tar's size is what bounds them, but never trust a claim twice.
				read += chunk.length;
				if (read <= size) parts.push(Buffer.from(chunk));
			},
			finish: () => {
				const bytes = Buffer.concat(parts);
				const kept = kind === 'npm' ? npmIdentity(bytes) : kind === 'python-metadata' ? pythonIdentity(bytes) : bytes;
				if (kept === null) return;
				this.paths.push(path);
				this.chunks.push(kept);
				this.total += kept.length;
				this.ends.push(this.total);
			},
		};
	}

	/** The file at `path` was in the layer but could not be kept (a sparse file, say). */
	note(text: string): void {
		this.notes.push(text);
	}

	get empty(): boolean {
		return this.paths.length === 0 && this.notes.length === 0;
	}

	finish(): PackageFiles {
		return {paths: this.paths, bytes: new Uint8Array(Buffer.concat(this.chunks, this.total)), ends: Uint32Array.from(this.ends), notes: this.notes};
	}
}

/** name and version of a package.json, as the JSON of just those two; null when it has no string name. */
function npmIdentity(bytes: Buffer): Buffer | null {
	let value: unknown;
	try {
		value = JSON.parse(bytes.toString('utf8'));
	} catch {
		return Buffer.from(JSON.stringify({invalid: true}));
	}
	if (typeof value !== 'object' || value === null) return Buffer.from(JSON.stringify({invalid: true}));
	const {name, version} = value as {name?: unknown; version?: unknown};
	return Buffer.from(JSON.stringify({name: typeof name === 'string' ? name : null, version: typeof version === 'string' ? version : null}));
}

/**
 * The Name and Version headers of a METADATA or PKG-INFO file (email-style
 * headers up to the first empty line, the description after it), as those
 * two lines; the first of each counts.
 */
function pythonIdentity(bytes: Buffer): Buffer {
	const kept: string[] = [];
	let name = false;
	let version = false;
	for (const line of bytes.toString('utf8').split('\n')) {
		const clean = line.replace(/\r$/, '');
		if (clean === '') break;
		if (!name && /^name:/i.test(clean)) {
			name = true;
			kept.push(`Name: ${clean.slice(5).trim()}`);
		} else if (!version && /^version:/i.test(clean)) {
			version = true;
			kept.push(`Version: ${clean.slice(8).trim()}`);
		}
		if (name && version) break;
	}
	return Buffer.from(kept.map(line => line + '\n').join(''));
}

/** Whether the parts read back from outside the process (the layer cache) agree with themselves. */
export function wellFormedPackageFiles(value: unknown): value is PackageFiles {
	if (typeof value !== 'object' || value === null) return false;
	const files = value as Partial<PackageFiles>;
	if (!Array.isArray(files.paths) || !files.paths.every(path => typeof path === 'string')) return false;
	if (!(files.bytes instanceof Uint8Array) || !(files.ends instanceof Uint32Array) || files.ends.length !== files.paths.length) return false;
	if (!Array.isArray(files.notes) || !files.notes.every(note => typeof note === 'string')) return false;
	let previous = 0;
	for (const end of files.ends) {
		if (end < previous) return false;
		previous = end;
	}
	return previous === files.bytes.length;
}

/** The bytes of captured file i. */
export function packageFileBytes(files: PackageFiles, index: number): Uint8Array {
	return files.bytes.subarray(index === 0 ? 0 : files.ends[index - 1]!, files.ends[index]!);
}

/**
 * rpmdb.sqlite files replaced by what a listing needs of them (read with
 * SQLite, rpmdb.ts): done once, where the layer is read (a worker thread),
 * so neither the cache nor attribution holds or parses the database.
 * sql.js is loaded only for layers that have one.
 */
export async function condensePackageFiles(files: PackageFiles): Promise<PackageFiles> {
	const rpm = files.paths.map((path, index) => (captureKind(path) === 'rpmdb' ? index : -1)).filter(index => index !== -1);
	if (rpm.length === 0) return files;
	const {condenseRpmdb} = await import('../packages/rpmdb.js');
	const paths: string[] = [];
	const chunks: Uint8Array[] = [];
	const ends: number[] = [];
	const notes = [...files.notes];
	let total = 0;
	for (let i = 0; i < files.paths.length; i++) {
		let bytes = packageFileBytes(files, i);
		if (rpm.includes(i)) {
			const condensed = await condenseRpmdb(files.paths[i]!, bytes);
			if ('note' in condensed) {
				notes.push(condensed.note);
				continue;
			}
			bytes = condensed.lines;
		}
		paths.push(files.paths[i]!);
		chunks.push(bytes);
		total += bytes.length;
		ends.push(total);
	}
	return {paths, bytes: new Uint8Array(Buffer.concat(chunks, total)), ends: Uint32Array.from(ends), notes};
}
