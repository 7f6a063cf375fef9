import {FinalFiles} from '../analysis/final-files.js';
import {buildLayerHistory, onlyAdds, type LayerHistory} from '../analysis/layer-history.js';
import type {Image} from '../model.js';
import type {FileSystem} from '../tree/filesystem.js';
import {DatabaseState, literalId} from './database-state.js';
import {ECOSYSTEMS, type Ecosystem, type ListedPackage} from './listed-package.js';
import {RPMDB_SQLITE, RPMDB_UNREAD} from './rpm.js';

/** One package, one version of it, as the layers' databases tell its life. */
export interface PackageRecord {
	ecosystem: Ecosystem;
	name: string;
	version: string;
	architecture?: string;
	/** Content bytes of its regular files as the final filesystem shows them: each path once, each hard-linked content once. 0 once removed or upgraded. */
	bytes: number;
	/** Its paths in the final filesystem that are not directories (0 once removed or upgraded). */
	files: number;
	/** The first layer whose database lists this version. */
	layer: number;
	/** The first layer whose database no longer lists this version: the package is gone, or (with upgradedTo) listed at another version. */
	removedIn?: number;
	/** The version the removedIn layer lists instead. */
	upgradedTo?: string;
	/** Bytes of its files that layers stored while this version was listed and later layers removed or rewrote (they still ship in those layers). */
	deadBytes: number;
	/** Paths it lists that the final filesystem does not hold (0 once removed or upgraded). */
	missingFiles: number;
}

export interface PackageReport {
	/** Largest first (bytes, then dead bytes), then by ecosystem, name, version. */
	packages: PackageRecord[];
	/** Final-filesystem bytes no package lists: the app, caches, leftovers. Each stored content once. */
	unownedBytes: number;
	/** The same, by the layer that stored the bytes. */
	unownedByLayer: number[];
	/** What could not be read or does not add up, worded for the user. */
	notes: string[];
	/** Per path id of the final filesystem: 1 + the index in `packages` of the first package listing it, 0 for none (the browser's owner of a file). */
	owners: Int32Array;
	/**
	 * Per death of the stacking (`history.deaths`, same order): 1 + the index in `packages` of the version whose dead
	 * bytes count it, a removed or upgraded version before a live one, 0 for none (the findings tell a package's dead files from the rest).
	 */
	deathOwners: Int32Array;
}

/** The report without its per-path and per-death owners (which only the browser and the findings read): what the reports print and the analysis cache keeps. */
export type PackageTotals = Omit<PackageReport, 'owners' | 'deathOwners'>;

interface Tracked {
	record: PackageRecord;
	/** The latest listing of this version: its files. */
	listing: ListedPackage;
}

const NO_LIMIT = Number.POSITIVE_INFINITY;

/**
 * Who owns the image's bytes: the packages the databases inside the image
 * list, layer by layer (which layer brought each version, which removed or
 * upgraded it), weighed against the final filesystem and the dead bytes the
 * stacking recorded. Per path and per stored content it keeps a number in
 * typed arrays, never an object.
 */
export function attributePackages(image: Pick<Image, 'layers'>, history: LayerHistory, finalFiles: FinalFiles, gaps?: PackageGaps): PackageReport {
	const fs = history.final;
	const notes: string[] = [];
	const tracked: Tracked[] = [];
	if (!image.layers.some(layer => layer.packageFiles)) return {...emptyReport(image, history, finalFiles), notes: unreadNotes(fs, new Set())};
	const missingName = (path: string) => gaps?.missingNames.add(normalise(path).slice(normalise(path).lastIndexOf('/') + 1));

	// 1. The databases' listings after every layer, as versions that come and go.
	const state = new DatabaseState(fs.paths);
	const current = new Map<Ecosystem, Map<string, number>>(ECOSYSTEMS.map(ecosystem => [ecosystem, new Map()]));
	const readPaths = new Set<string>();
	for (const layer of image.layers) {
		for (const path of layer.packageFiles?.paths ?? []) readPaths.add(path);
		for (const ecosystem of state.apply(layer, history.changes[layer.index]!, notes)) {
			const before = current.get(ecosystem)!;
			const after = new Map<string, number>();
			for (const listing of state.listing(ecosystem)) {
				const known = before.get(listing.key) ?? after.get(listing.key);
				if (known !== undefined && tracked[known]!.record.version === listing.version) {
					tracked[known]!.listing = listing;
					after.set(listing.key, known);
					continue;
				}
				if (known !== undefined && before.get(listing.key) === known) {
					tracked[known]!.record.removedIn = layer.index;
					tracked[known]!.record.upgradedTo = listing.version;
				}
				const record: PackageRecord = {ecosystem, name: listing.name, version: listing.version, bytes: 0, files: 0, layer: layer.index, deadBytes: 0, missingFiles: 0};
				if (listing.architecture !== undefined) record.architecture = listing.architecture;
				after.set(listing.key, tracked.push({record, listing}) - 1);
			}
			for (const [key, index] of before) if (!after.has(key) && tracked[index]!.record.removedIn === undefined) tracked[index]!.record.removedIn = layer.index;
			current.set(ecosystem, after);
		}
	}

	// 2. Each tracked version's files as path ids; the final bytes of those still listed.
	const resolver = new PathResolver(fs);
	const pathStamp = new Int32Array(fs.paths.size);
	const contentStamp = new Int32Array(fs.refCount);
	const ownedContent = new Uint8Array(fs.refCount);
	const owners = new Uint8Array(fs.paths.size);
	/** 1 + the tracked index of the first live package listing each path. */
	const firstOwner = new Int32Array(fs.paths.size);
	const deaths = deathsByPath(history);
	/** 1 + the tracked index of the version each death counts for. */
	const deathOwners = new Int32Array(history.deaths.length);
	let missing = new Map<Ecosystem, {files: number; names: string[]}>();
	let mismatched = new Map<Ecosystem, {files: number; names: string[]}>();
	const tally = (map: Map<Ecosystem, {files: number; names: string[]}>, ecosystem: Ecosystem, name: string, files: number) => {
		const entry = map.get(ecosystem) ?? {files: 0, names: []};
		entry.files += files;
		entry.names.push(name);
		map.set(ecosystem, entry);
	};
	const npmRoots = new Map<number, number[]>();
	for (let index = 0; index < tracked.length; index++) {
		const {record, listing} = tracked[index]!;
		const stamp = index + 1;
		const live = record.removedIn === undefined;
		if (listing.root !== undefined) {
			const root = resolver.directory(listing.root);
			if (root > 0) npmRoots.set(root, [...(npmRoots.get(root) ?? []), index]);
			else missingName(listing.root);
			continue;
		}
		let lost = 0;
		let differ = 0;
		const ids = resolver.files(listing.files);
		for (let i = 0; i < ids.length; i++) {
			const id = ids[i]!;
			if (id === 0) continue;
			if (id > 0 && pathStamp[id] === stamp) continue;
			if (id > 0) pathStamp[id] = stamp;
			if (id > 0) addDead(deaths, id, index, tracked, history, deathOwners);
			if (!live) continue;
			if (id < 0 || !fs.exists(id)) {
				lost++;
				missingName(listing.files[i]!);
				continue;
			}
			if (fs.typeOf(id) === 'dir') continue;
			record.files++;
			if (owners[id]! < 2) owners[id]!++;
			if (firstOwner[id] === 0) firstOwner[id] = stamp;
			const content = fs.contentOfState(id, fs.attrOf(id));
			if (content < 0) continue;
			ownedContent[content] = 1;
			const size = fs.sizeOfState(content);
			const claimed = listing.sizes?.[i] ?? -1;
			if (claimed >= 0 && claimed !== size) differ++;
			if (contentStamp[content] === stamp) continue;
			contentStamp[content] = stamp;
			record.bytes += size;
		}
		record.missingFiles = lost;
		if (lost > 0) tally(missing, record.ecosystem, record.name, lost);
		if (differ > 0) tally(mismatched, record.ecosystem, record.name, differ);
		if (listing.filesUnknown && live) record.missingFiles = 0;
	}

	if (gaps) for (const root of npmRoots.keys()) gaps.roots.push(root);
	// 3. npm packages own what lies below their directory, outside nested node_modules: one climb per path, remembered per directory.
	if (npmRoots.size > 0) attributeNpm(fs, finalFiles, history, deaths, deathOwners, npmRoots, tracked, ownedContent, owners, firstOwner);

	// 4. Bytes no package lists, by the layer that stored them.
	const unownedByLayer = image.layers.map(() => 0);
	const seen = new Uint8Array(fs.refCount);
	for (const id of finalFiles.ids) {
		const content = fs.contentOfState(id, fs.attrOf(id));
		if (content < 0 || seen[content] || ownedContent[content]) continue;
		seen[content] = 1;
		unownedByLayer[fs.layerOfRef(content)]! += fs.sizeOfState(content);
	}

	let shared = 0;
	for (let id = 0; id < owners.length; id++) if (owners[id]! > 1) shared++;
	const say = (ecosystem: Ecosystem, entry: {files: number; names: string[]}, one: string, many: string) =>
		`${entry.files} ${entry.files === 1 ? 'file' : 'files'} listed by ${entry.names.length} ${ecosystem} ${entry.names.length === 1 ? 'package' : 'packages'} ${entry.files === 1 ? one : many} (${examples(entry.names)})`;
	for (const [ecosystem, entry] of missing) notes.push(say(ecosystem, entry, 'is in no layer of the final filesystem', 'are in no layer of the final filesystem'));
	for (const [ecosystem, entry] of mismatched) notes.push(say(ecosystem, entry, 'differs in size from what the database records', 'differ in size from what the database records'));
	if (shared > 0) notes.push(`${shared} ${shared === 1 ? 'file is' : 'files are'} listed by more than one package: each counts it`);
	missing = mismatched = new Map();
	notes.push(...unreadNotes(fs, readPaths).filter(note => !notes.some(said => said.includes(note.slice(0, note.indexOf(' '))))));
	// Readers run once per layer that changed their database: a note they repeat is one note.
	notes.splice(0, notes.length, ...new Set(notes));
	const order = tracked.map((_, index) => index).sort((a, b) => largestFirst(tracked[a]!.record, tracked[b]!.record));
	const position = new Int32Array(tracked.length);
	order.forEach((index, at) => (position[index] = at));
	for (let id = 0; id < firstOwner.length; id++) if (firstOwner[id]! > 0) firstOwner[id] = position[firstOwner[id]! - 1]! + 1;
	for (let death = 0; death < deathOwners.length; death++) if (deathOwners[death]! > 0) deathOwners[death] = position[deathOwners[death]! - 1]! + 1;
	const packages = order.map(index => tracked[index]!.record);
	return {packages, unownedBytes: unownedByLayer.reduce((sum, bytes) => sum + bytes, 0), unownedByLayer, notes, owners: firstOwner, deathOwners};
}

/**
 * What a package report does not show but its extension to more layers must know (extendPackages): the
 * last names of the paths live versions list and the final filesystem lacks (a layer that adds a path of
 * such a name may give a package a file), and the npm package directories (which own what is added below them).
 */
export interface PackageGaps {
	missingNames: Set<string>;
	roots: number[];
}

/** A report with its gaps: what a kept builder state holds of the packages after its layers. */
export interface KeptPackages {
	report: PackageReport;
	missingNames: string[];
	roots: Int32Array;
}

/** attributePackages, with what extendPackages needs to go on from it. */
export function attributeKept(image: Pick<Image, 'layers'>, history: LayerHistory, finalFiles: FinalFiles): KeptPackages {
	const gaps: PackageGaps = {missingNames: new Set(), roots: []};
	const report = attributePackages(image, history, finalFiles, gaps);
	return {report, missingNames: [...gaps.missingNames].sort(), roots: Int32Array.from(gaps.roots).sort()};
}

/**
 * The packages of an image that is the kept one's layers and more on top (the next build), without a
 * pass over the final filesystem, when what the layers from `from` on did cannot change any: each only adds
 * regular files and directories at paths that were not there, or declares a directory again (no rewrite, chmod,
 * removal, link or database file), none of a name a listed path lacks, none below an npm package's directory. Their bytes are then
 * nobody's, counted for the layer that stored them; anything else is null, and the packages are attributed
 * in full. Exactly attributePackages' report in the first case (test/packages/extend-packages.test.ts).
 */
export function extendPackages(kept: KeptPackages, image: Image, history: LayerHistory, from: number): KeptPackages | null {
	const fs = history.final;
	const {report} = kept;
	if (report.deathOwners.length !== history.deaths.length || report.unownedByLayer.length !== from || report.owners.length > fs.paths.size) return null;
	const names = new Set(kept.missingNames);
	const roots = new Set(kept.roots);
	const added = image.layers.slice(from);
	if (added.some(layer => layer.packageFiles && (layer.packageFiles.paths.length > 0 || layer.packageFiles.notes.length > 0))) return null;
	const unownedByLayer = [...report.unownedByLayer, ...added.map(() => 0)];
	const seen = new Set<number>();
	const adds = onlyAdds(image, history, from, (id, type) => {
		if (names.has(fs.paths.nameOf(id)) || (type !== 'file' && type !== 'dir')) return false;
		for (let at = fs.paths.parentOf(id); at > 0; at = fs.paths.parentOf(at)) if (roots.has(at)) return false;
		if (type === 'dir') return true;
		// By name: such a path may be reached through a symlink (unreadNotes looks them up so).
		if (RPMDB_NAMES.has(fs.paths.nameOf(id))) return false;
		const content = fs.contentOfState(id, fs.attrOf(id));
		if (content < 0 || seen.has(content)) return true;
		seen.add(content);
		unownedByLayer[fs.layerOfRef(content)]! += fs.sizeOfState(content);
		return true;
	});
	if (!adds) return null;
	const owners = new Int32Array(fs.paths.size);
	owners.set(report.owners);
	const extended: PackageReport = {...report, unownedByLayer, unownedBytes: unownedByLayer.reduce((sum, bytes) => sum + bytes, 0), owners, deathOwners: report.deathOwners.slice()};
	return {report: extended, missingNames: kept.missingNames, roots: kept.roots};
}

/** The last names of the rpm databases unreadNotes looks for. */
const RPMDB_NAMES = new Set([...RPMDB_UNREAD, ...RPMDB_SQLITE].map(path => path.slice(path.lastIndexOf('/') + 1)));

/** The packages as the image stands after layer `layer` (-1: before any layer, none): only the layers up to it are stacked. */
export function packagesAfter(image: Image, layer: number): PackageReport {
	if (layer < 0) return {packages: [], unownedBytes: 0, unownedByLayer: [], notes: [], owners: new Int32Array(0), deathOwners: new Int32Array(0)};
	const layers = image.layers.slice(0, layer + 1);
	const history = buildLayerHistory(layers);
	return attributePackages({...image, layers}, history, new FinalFiles(history.final));
}

function largestFirst(a: PackageRecord, b: PackageRecord): number {
	return b.bytes - a.bytes || b.deadBytes - a.deadBytes || (a.ecosystem < b.ecosystem ? -1 : a.ecosystem > b.ecosystem ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0) || a.layer - b.layer;
}

function examples(names: string[]): string {
	const shown = names.slice(0, 3).map(name => `"${name}"`).join(', ');
	return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** Databases the image holds that are not read: said, never guessed. */
function unreadNotes(fs: FileSystem, read: Set<string>): string[] {
	const notes: string[] = [];
	for (const path of RPMDB_UNREAD) if (fs.lookupId(path) !== undefined) notes.push(`${path} (rpm's Berkeley DB or ndb database) is present but not read: its packages are not listed`);
	for (const path of RPMDB_SQLITE) if (!read.has(path) && fs.lookupId(path) !== undefined && fs.typeOf(fs.lookupId(path)!) === 'file') notes.push(`${path} is present but was not kept while reading: its packages are not listed`);
	return notes;
}

function emptyReport(image: Pick<Image, 'layers'>, history: LayerHistory, finalFiles: FinalFiles): PackageReport {
	const fs = history.final;
	const unownedByLayer = image.layers.map(() => 0);
	const seen = new Uint8Array(fs.refCount);
	for (const id of finalFiles.ids) {
		const content = fs.contentOfState(id, fs.attrOf(id));
		if (content < 0 || seen[content]) continue;
		seen[content] = 1;
		unownedByLayer[fs.layerOfRef(content)]! += fs.sizeOfState(content);
	}
	return {packages: [], unownedBytes: unownedByLayer.reduce((sum, bytes) => sum + bytes, 0), unownedByLayer, notes: [], owners: new Int32Array(fs.paths.size), deathOwners: new Int32Array(history.deaths.length)};
}

/** The stacking's deaths by the path id they died at: index lists, only for paths with deaths. */
function deathsByPath(history: LayerHistory): Map<number, number[]> {
	const byPath = new Map<number, number[]>();
	const ids = history.deathPathIds;
	for (let i = 0; i < ids.length; i++) {
		const list = byPath.get(ids[i]!);
		if (list) list.push(i);
		else byPath.set(ids[i]!, [i]);
	}
	return byPath;
}

/** A death belongs to the version listed when its bytes were stored. */
function addDead(deaths: Map<number, number[]>, id: number, index: number, tracked: Tracked[], history: LayerHistory, deathOwners: Int32Array): void {
	const at = deaths.get(id);
	if (!at) return;
	for (const death of at) countDead(death, index, tracked, history, deathOwners);
}

/** Counts one death for the tracked version `index` when its bytes were stored while that version was listed. */
function countDead(death: number, index: number, tracked: Tracked[], history: LayerHistory, deathOwners: Int32Array): void {
	const record = tracked[index]!.record;
	const dead = history.deaths[death]!;
	if (dead.storedIn < record.layer || dead.storedIn >= (record.removedIn ?? NO_LIMIT)) return;
	record.deadBytes += dead.size;
	const owner = deathOwners[death]!;
	if (owner === 0 || (record.removedIn !== undefined && tracked[owner - 1]!.record.removedIn === undefined)) deathOwners[death] = index + 1;
}

function attributeNpm(fs: FileSystem, finalFiles: FinalFiles, history: LayerHistory, deaths: Map<number, number[]>, deathOwners: Int32Array, roots: Map<number, number[]>, tracked: Tracked[], ownedContent: Uint8Array, owners: Uint8Array, firstOwner: Int32Array): void {
	const paths = fs.paths;
	const node_modules = new TextEncoder().encode('node_modules');
	// Per directory id: 1 + the root it lies in (0: not yet known, -1: none).
	const rootOf = new Int32Array(paths.size);
	const climb = (dir: number): number => {
		const visited: number[] = [];
		let found = -1;
		for (let at = dir; ; at = paths.parentOf(at)) {
			const known = rootOf[at]!;
			if (known !== 0) {
				found = known === -1 ? -1 : known - 1;
				break;
			}
			visited.push(at);
			if (roots.has(at)) {
				found = at;
				break;
			}
			if (at === 0 || paths.find(paths.parentOf(at), node_modules, 0, node_modules.length) === at) break;
		}
		for (const at of visited) rootOf[at] = found === -1 ? -1 : found + 1;
		return found;
	};
	const live = (root: number) => roots.get(root)!.find(index => tracked[index]!.record.removedIn === undefined);
	const contentStamp = new Int32Array(fs.refCount);
	for (const id of finalFiles.ids) {
		if (fs.typeOf(id) === 'dir') continue;
		const root = climb(paths.parentOf(id));
		if (root === -1) continue;
		const index = live(root);
		if (index === undefined) continue;
		const record = tracked[index]!.record;
		record.files++;
		if (owners[id]! < 2) owners[id]!++;
		if (firstOwner[id] === 0) firstOwner[id] = index + 1;
		const content = fs.contentOfState(id, fs.attrOf(id));
		if (content < 0) continue;
		ownedContent[content] = 1;
		if (contentStamp[content] === index + 1) continue;
		contentStamp[content] = index + 1;
		record.bytes += fs.sizeOfState(content);
	}
	for (const [id, at] of deaths) {
		const root = climb(paths.parentOf(id));
		if (root === -1) continue;
		for (const index of roots.get(root)!) for (const death of at) countDead(death, index, tracked, history, deathOwners);
	}
}

/**
 * Paths as databases spell them, to path ids: parents resolved through the
 * final filesystem's symlinks (dpkg says /bin/bash where /bin leads to
 * /usr/bin), falling back to the path as written for directories that are
 * gone (a removed package's); each parent resolved once.
 */
export class PathResolver {
	private readonly directories = new Map<string, number>();
	private readonly encoder = new TextEncoder();

	constructor(private readonly fs: FileSystem) {}

	/** The file's path id, 0 for the root, -1 when the stack never had it. */
	file(path: string): number {
		const clean = normalise(path);
		if (clean === '/') return 0;
		const slash = clean.lastIndexOf('/');
		const dir = this.directory(slash === 0 ? '/' : clean.slice(0, slash));
		if (dir < 0) return -1;
		const name = this.encoder.encode(clean.slice(slash + 1));
		return this.fs.paths.find(dir, name, 0, name.length);
	}

	/**
	 * file() for every path of a list, as bytes: the list is encoded once, and
	 * a path whose directory is the previous path's (lists go directory by
	 * directory) costs one lookup of its name, no string.
	 */
	files(list: readonly string[]): Int32Array {
		const ids = new Int32Array(list.length);
		const bytes = Buffer.from(list.join('\n'));
		let lines = 1;
		for (let i = 0; i < bytes.length; i++) if (bytes[i] === NEWLINE) lines++;
		// A path with a newline in it (a quoted RECORD entry) would shift every line after it: take each by itself.
		if (list.length === 0 || lines !== list.length) {
			for (let i = 0; i < list.length; i++) ids[i] = this.file(list[i]!);
			return ids;
		}
		let parentStart = 0;
		let parentEnd = -1;
		let parent = -1;
		for (let i = 0, start = 0; i < list.length; i++) {
			let end = bytes.indexOf(NEWLINE, start);
			if (end === -1) end = bytes.length;
			const lineStart = start;
			start = end + 1;
			if (!plain(bytes, lineStart, end)) {
				ids[i] = this.file(list[i]!);
				continue;
			}
			let slash = end - 1;
			while (bytes[slash] !== SLASH) slash--;
			if (slash === lineStart && end - lineStart === 1) {
				ids[i] = 0;
				continue;
			}
			if (!(slash - lineStart === parentEnd - parentStart && bytes.compare(bytes, parentStart, parentEnd, lineStart, slash) === 0)) {
				parentStart = lineStart;
				parentEnd = slash;
				parent = slash === lineStart ? 0 : this.directoryAt(bytes, lineStart, slash);
			}
			ids[i] = parent < 0 ? -1 : this.fs.paths.find(parent, bytes, slash + 1, end);
		}
		return ids;
	}

	/**
	 * directory() of a path in normal form, bytes[start..end): its literal id when every directory on it is
	 * one of the final filesystem (nothing to follow, so that is where directory() would lead), found name by
	 * name without a string; else directory() of its text.
	 */
	private directoryAt(bytes: Buffer, start: number, end: number): number {
		const paths = this.fs.paths;
		let id = 0;
		for (let from = start + 1; from < end && id >= 0; ) {
			let to = from;
			while (to < end && bytes[to] !== SLASH) to++;
			id = paths.find(id, bytes, from, to);
			from = to + 1;
		}
		if (id > 0 && this.realDirectory(id)) return id;
		return this.directory(bytes.toString('utf8', start, end));
	}

	/** 1 per path id known to be a directory of the final filesystem under directories only, -1 known not to be, 0 not yet asked. */
	private real: Int8Array | undefined;

	/** Whether the path and every parent of it are directories of the final filesystem (no symlink, nothing removed): one climb, remembered per path. */
	private realDirectory(id: number): boolean {
		const real = (this.real ??= new Int8Array(this.fs.paths.size));
		const paths = this.fs.paths;
		let at = id;
		let answer = true;
		for (; at !== 0; at = paths.parentOf(at)) {
			if (real[at] !== 0) {
				answer = real[at] === 1;
				break;
			}
			if (!this.fs.exists(at) || this.fs.typeOf(at) !== 'dir') {
				answer = false;
				real[at] = -1;
				break;
			}
		}
		for (let below = id; below !== at; below = paths.parentOf(below)) real[below] = answer ? 1 : -1;
		return answer;
	}

	directory(path: string): number {
		const clean = normalise(path);
		let id = this.directories.get(clean);
		if (id === undefined) {
			id = clean === '/' ? 0 : this.fs.directoryId(clean) ?? literalId(this.fs.paths, clean);
			this.directories.set(clean, id);
		}
		return id;
	}
}

const SLASH = 0x2f;
const DOT = 0x2e;
const NEWLINE = 0x0a;

/** Whether bytes[start..end) is an absolute path already in normal form: no "//", no "/." component start, no trailing "/" (but "/" itself). */
function plain(bytes: Uint8Array, start: number, end: number): boolean {
	if (end <= start || bytes[start] !== SLASH) return false;
	if (end - start === 1) return true;
	if (bytes[end - 1] === SLASH) return false;
	for (let i = start; i < end - 1; i++) if (bytes[i] === SLASH && (bytes[i + 1] === SLASH || bytes[i + 1] === DOT)) return false;
	return true;
}

/** "/usr/bin/" and "/usr//bin/." are "/usr/bin"; "/." is "/". */
function normalise(path: string): string {
	if (!path.includes('//') && !path.endsWith('/') && !path.includes('/.')) return path.startsWith('/') ? path : '/' + path;
	const parts = path.split('/').filter(part => part !== '' && part !== '.');
	return '/' + parts.join('/');
}
