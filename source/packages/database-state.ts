import type {Layer, PackageFiles} from '../model.js';
import type {ChangeList} from '../analysis/layer-history.js';
import type {PathTable} from '../tree/path-table.js';
import {packageFileBytes} from '../layer/package-capture.js';
import {grown} from '../typed-arrays.js';
import {APK_INSTALLED, readApk} from './apk.js';
import {isDpkgFile, readDpkg, type DpkgListCache} from './dpkg.js';
import {ECOSYSTEMS, type DatabaseFile, type Ecosystem, type ListedPackage, type ReaderNote} from './listed-package.js';
import {readNpm} from './npm.js';
import {isPythonFile, isPythonFileList, pythonMetadataPath, readPython} from './python.js';
import {readRpm, RPMDB_SQLITE} from './rpm.js';

const encoder = new TextEncoder();
/** The system package managers: what they list, python's and npm's listings do not list again. */
const SYSTEM: readonly Ecosystem[] = ['deb', 'apk', 'rpm'];

export function ecosystemOf(path: string): Ecosystem {
	if (isDpkgFile(path)) return 'deb';
	if (APK_INSTALLED.has(path)) return 'apk';
	if (RPMDB_SQLITE.has(path)) return 'rpm';
	if (isPythonFile(path)) return 'python';
	return 'npm';
}

/**
 * The package databases as they stand after each layer, replayed from the
 * files the layer reader kept: a layer's kept files replace what was there,
 * and a kept path the layer removes or rewrites without a kept copy (a
 * whiteout, a file over its cap) is gone. An ecosystem is read again only
 * after a layer that changed one of its files; files read once are not read
 * again (a RECORD, a package.json). A python or npm package whose file a
 * deb, apk or rpm package lists is that package's files, not listed again.
 */
export class DatabaseState {
	private readonly files = new Map<string, DatabaseFile>();
	/** Kept paths by the path id they have in the stack's path table (as written: no symlink followed). */
	private readonly pathById = new Map<number, string>();
	/** 1 per path id in pathById: most changes are not database files, and a typed array says so without a Map lookup. */
	private marked = new Uint8Array(1024);
	/** What each ecosystem's reader listed. */
	private readonly readListings = new Map<Ecosystem, ListedPackage[]>(ECOSYSTEMS.map(ecosystem => [ecosystem, []]));
	/** The same, less the python and npm packages a system package lists. */
	private readonly listings = new Map<Ecosystem, ListedPackage[]>(ECOSYSTEMS.map(ecosystem => [ecosystem, []]));
	/** Every path the deb, apk and rpm listings name: built when a python or npm listing needs it, dropped when they change. */
	private systemPaths: Set<string> | undefined;
	private readonly parsed = new WeakMap<DatabaseFile, ListedPackage | null>();
	private readonly dpkgLists: DpkgListCache = new WeakMap();

	constructor(private readonly paths: PathTable) {}

	/** Applies layer `layer`; returns the ecosystems whose listing changed. */
	apply(layer: Layer, changes: ChangeList, notes: ReaderNote[]): Ecosystem[] {
		const kept: PackageFiles | undefined = layer.packageFiles;
		const dirty = new Set<Ecosystem>();
		const keptNow = new Set(kept?.paths ?? []);
		if (this.pathById.size > 0) {
			const marked = this.marked;
			for (let i = 0; i < changes.length; i++) {
				const id = changes.pathId(i);
				if (id >= marked.length || marked[id] === 0) continue;
				const path = this.pathById.get(id);
				if (path === undefined || keptNow.has(path) || !this.files.has(path)) continue;
				this.files.delete(path);
				dirty.add(ecosystemOf(path));
			}
		}
		if (kept) {
			for (const note of kept.notes) notes.push(`layer ${layer.index}: ${note}`);
			for (let i = 0; i < kept.paths.length; i++) {
				const path = kept.paths[i]!;
				this.files.set(path, {path, bytes: packageFileBytes(kept, i), layer: layer.index});
				dirty.add(ecosystemOf(path));
				const id = literalId(this.paths, path);
				if (id > 0) {
					this.pathById.set(id, path);
					if (id >= this.marked.length) this.marked = grown(this.marked, Math.max(id + 1, this.marked.length * 2));
					this.marked[id] = 1;
				}
			}
		}
		for (const ecosystem of dirty) this.readListings.set(ecosystem, this.read(ecosystem, notes));
		const systemChanged = SYSTEM.some(ecosystem => dirty.has(ecosystem));
		if (systemChanged) this.systemPaths = undefined;
		for (const ecosystem of ECOSYSTEMS) {
			const listed = this.readListings.get(ecosystem)!;
			if (SYSTEM.includes(ecosystem) || listed.length === 0) {
				if (dirty.has(ecosystem)) this.listings.set(ecosystem, listed);
				continue;
			}
			if (!dirty.has(ecosystem) && !systemChanged) continue;
			const system = this.systemPathSet();
			this.listings.set(ecosystem, system.size === 0 ? listed : listed.filter(listing => listing.database === undefined || !system.has(listing.database)));
			dirty.add(ecosystem);
		}
		return [...dirty];
	}

	listing(ecosystem: Ecosystem): ListedPackage[] {
		return this.listings.get(ecosystem)!;
	}

	private systemPathSet(): Set<string> {
		if (!this.systemPaths) {
			this.systemPaths = new Set();
			for (const ecosystem of SYSTEM) for (const listing of this.readListings.get(ecosystem)!) for (const file of listing.files) this.systemPaths.add(file);
		}
		return this.systemPaths;
	}

	private read(ecosystem: Ecosystem, notes: ReaderNote[]): ListedPackage[] {
		const mine = new Map<string, DatabaseFile>();
		for (const [path, file] of this.files) if (ecosystemOf(path) === ecosystem) mine.set(path, file);
		switch (ecosystem) {
			case 'deb':
				return readDpkg(mine, notes, this.dpkgLists);
			case 'apk': {
				// /lib/apk/db is the database; /usr/lib/apk/db is where apk 3 may keep it.
				const file = mine.get('/lib/apk/db/installed') ?? mine.get('/usr/lib/apk/db/installed');
				return file ? readApk(file) : [];
			}
			case 'rpm': {
				const result: ListedPackage[] = [];
				for (const file of mine.values()) result.push(...this.once(file, () => readRpm(file, notes)));
				return result;
			}
			case 'python': {
				const result: ListedPackage[] = [];
				for (const file of mine.values()) {
					if (!isPythonFileList(file.path)) continue;
					// Read again when the METADATA beside it is another.
					const metadata = mine.get(pythonMetadataPath(file.path));
					let read = this.pythonRead.get(file);
					if (!read || read.metadata !== metadata) this.pythonRead.set(file, (read = {metadata, listing: readPython(file, metadata)}));
					if (read.listing) result.push(read.listing);
				}
				return result;
			}
			case 'npm': {
				const result: ListedPackage[] = [];
				for (const file of mine.values()) {
					const item = this.onceOne(file, () => readNpm(file));
					if (item) result.push(item);
				}
				return result;
			}
		}
	}

	private readonly parsedMany = new WeakMap<DatabaseFile, ListedPackage[]>();
	private readonly pythonRead = new WeakMap<DatabaseFile, {metadata: DatabaseFile | undefined; listing: ListedPackage | null}>();

	private once(file: DatabaseFile, read: () => ListedPackage[]): ListedPackage[] {
		let result = this.parsedMany.get(file);
		if (!result) this.parsedMany.set(file, (result = read()));
		return result;
	}

	private onceOne(file: DatabaseFile, read: () => ListedPackage | null): ListedPackage | null {
		if (this.parsed.has(file)) return this.parsed.get(file)!;
		const result = read();
		this.parsed.set(file, result);
		return result;
	}
}

/** The id of an absolute path taken literally (no symlink followed), or -1 when the table has never seen it. */
export function literalId(paths: PathTable, path: string): number {
	const bytes = encoder.encode(path);
	let id = 0;
	for (let from = 1; from < bytes.length; ) {
		let to = from;
		while (to < bytes.length && bytes[to] !== 0x2f) to++;
		if (to > from) {
			id = paths.find(id, bytes, from, to);
			if (id === -1) return -1;
		}
		from = to + 1;
	}
	return id;
}
