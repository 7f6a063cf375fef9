import {close, constants, createWriteStream, fchmod, fchown, futimes, lstatSync, open as openFd, type Stats} from 'node:fs';
import {once} from 'node:events';
import {lchown, link, lstat, lutimes, mkdir, open, realpath, symlink, unlink} from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import {promisify} from 'node:util';
import {UsageError} from '../errors.js';
import type {EntryType, Image} from '../model.js';
import {escapeControlCharacters} from '../report/escape.js';
import {walkIds, type FileSystem} from '../tree/filesystem.js';
import {passReadable, writeFileContent, writeFilesInOnePass, type PassTarget} from './file-content.js';
import {resolvePath, type FoundFile} from './find-file.js';
import type {LayerSource} from './layer-source.js';

/**
 * `extract`: paths of the stacked filesystem written under a directory.
 *
 * The image decides names, link targets and modes, so it is hostile; DIR and
 * what is already in it belong to the user. Nothing is ever written through a
 * symbolic link: every directory on the way is one this run made or found by
 * lstat to be a real directory, files are created with O_CREAT|O_EXCL|
 * O_NOFOLLOW (an existing name, link or not, fails the open), links with
 * symlink()/link() (which never follow the new name), and attributes are set
 * through the descriptor that was opened (or with lutimes/lchown). No device
 * node or FIFO is made; setuid and setgid bits are dropped.
 */

export interface ExtractOptions {
	/** Replace what exists at a destination (removed first, never followed); a directory is never replaced. */
	force: boolean;
	/** Give entries the image's owners; only as root. */
	sameOwner: boolean;
	verify: boolean;
	/** 'path': each entry under DIR at its image path (as tar -C DIR); 'name': a named path at its last name, its contents below it. */
	placement?: 'path' | 'name';
	/** Told of each entry not written (devices, FIFOs), as a line for stderr (names escaped). */
	onSkipped?: (line: string) => void;
}

export interface ExtractSummary {
	files: number;
	dirs: number;
	/** Symbolic and hard links. */
	links: number;
	skipped: number;
}

/** What was written, in words: "3 files, 1 dir, 0 links written, 1 skipped". */
export function extractedWords(done: ExtractSummary): string {
	const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
	return `${plural(done.files, 'file')}, ${plural(done.dirs, 'dir')}, ${plural(done.links, 'link')} written, ${done.skipped} skipped`;
}

/** One path of the filesystem to write: its id there, its image path, its place under DIR (components). */
export interface PlannedEntry {
	id: number;
	path: string;
	under: string[];
}

/** Files written at once: each is a few file-system calls that wait on the disk, one after the other (16,000 small files took 25 s one at a time). */
const FILES_AT_ONCE = 8;

/** Modes kept: permissions and sticky; never setuid or setgid. */
const KEPT_MODE_BITS = 0o1777;
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * The entries the named paths cover, parents before children, each once: a
 * path's own symlinks resolved inside the image (as cat resolves them), a
 * directory with everything below it (links inside it are entries, never
 * followed). A path covered by another named one is dropped.
 */
export function planExtraction(fs: FileSystem, paths: readonly string[], input: string, placement: 'path' | 'name' = 'path'): PlannedEntry[] {
	const tops = paths.map(named => resolvePath(fs, named, input));
	// Sorted by path, a path covered by a directory named before it follows that directory.
	const ordered = placement === 'path' ? [...tops].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) : tops;
	const plan: PlannedEntry[] = [];
	const kept: string[] = [];
	for (const top of ordered) {
		if (placement === 'path' && kept.some(dir => top.path === dir || dir === '/' || top.path.startsWith(dir + '/'))) continue;
		kept.push(top.path);
		const base = placement === 'path' ? components(top.path) : top.path === '/' ? [] : [path.posix.basename(top.path)];
		if (top.id !== 0) plan.push({id: top.id, path: top.path, under: base});
		if (fs.typeOf(top.id) !== 'dir') continue;
		const prefix = top.path === '/' ? '' : top.path;
		for (const [at, id] of walkIds(fs, top.id, prefix)) plan.push({id, path: at, under: [...base, ...components(at.slice(prefix.length))]});
	}
	return plan;
}

/** Writes the planned entries under `dir` (made if missing). Exit-2 problems (a name that exists, a path missing) throw before anything is written where they can be known. */
export async function writeExtraction(image: Image, source: LayerSource, fs: FileSystem, plan: readonly PlannedEntry[], dir: string, options: ExtractOptions): Promise<ExtractSummary> {
	const summary: ExtractSummary = {files: 0, dirs: 0, links: 0, skipped: 0};
	const writer = new Writer(image, source, fs, await userDirectory(dir), options);
	await writer.prepare(plan);
	for (const entry of plan) {
		const type = fs.typeOf(entry.id);
		const skip = skipReason(type, entry.under);
		if (skip) {
			summary.skipped++;
			options.onSkipped?.(`skipped ${quote(entry.path)}: ${skip}`);
			continue;
		}
		const counted = await writer.write(entry, type);
		summary[counted]++;
		await writer.pace();
	}
	await writer.settle();
	await writer.writePasses();
	await writer.writeLinks();
	await writer.finishDirectories();
	return summary;
}

function skipReason(type: EntryType, under: readonly string[]): string | undefined {
	if (type === 'char' || type === 'block') return `a ${type === 'char' ? 'character' : 'block'} device (extract makes no device nodes)`;
	if (type === 'fifo') return 'a FIFO (extract makes no FIFOs)';
	// The filesystem never holds such names (tar names are normalised); a name that could climb or cut a path is not written all the same.
	if (under.some(part => part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\0'))) return 'a name that cannot be written safely';
	return undefined;
}

class Writer {
	/** Directories (paths relative to the root) made or checked in this run: real directories, no link among them. */
	private readonly checked = new Set<string>(['']);
	/** Stored file (ref) → where this run writes it, and its write: later paths showing it are hard links to it. */
	private readonly written = new Map<number, {where: string; done: Promise<void>}>();
	/** File writes under way (at most FILES_AT_ONCE), and the first that failed. */
	private readonly running = new Set<Promise<void>>();
	private failure: {error: unknown} | undefined;
	/** Files of compressed layers, written by one pass over each layer (layer index → files). */
	private readonly passes = new Map<number, PassTarget[]>();
	/** Hard links, made once every file is written. */
	private readonly links: Array<{first: string; where: string}> = [];
	/** Directories of the plan, to be given their mode and mtime once their contents are in (deepest last in, first out). */
	private readonly directories: Array<{where: string; id: number}> = [];
	private readonly asOwner: boolean;

	constructor(
		private readonly image: Image,
		private readonly source: LayerSource,
		private readonly fs: FileSystem,
		private readonly root: string,
		private readonly options: ExtractOptions,
	) {
		this.asOwner = options.sameOwner && process.getuid?.() === 0;
	}

	/** Names that exist are refused now, before a byte is written, unless --force. */
	async prepare(plan: readonly PlannedEntry[]): Promise<void> {
		for (const entry of plan) {
			const type = this.fs.typeOf(entry.id);
			if (skipReason(type, entry.under)) continue;
			const existing = await lstatOrNothing(this.at(entry.under));
			if (!existing) continue;
			if (existing.isDirectory()) {
				if (type === 'dir') continue;
				throw new UsageError(`${quote(this.at(entry.under))} is a directory, where the image has a ${type} (${quote(entry.path)}); remove it first`);
			}
			if (!this.options.force) throw new UsageError(`${quote(this.at(entry.under))} exists (${quote(entry.path)} would replace it; --force replaces)`);
		}
	}

	async write(entry: PlannedEntry, type: EntryType): Promise<'files' | 'dirs' | 'links'> {
		await this.ensureDirectories(entry.under.slice(0, -1));
		const where = this.at(entry.under);
		if (type === 'dir') {
			await this.ensureDirectory(entry.under.join('/'), true);
			this.directories.push({where, id: entry.id});
			return 'dirs';
		}
		if (this.options.force) await this.clear(where);
		const attr = this.fs.attrOf(entry.id);
		if (type === 'symlink') {
			const target = this.fs.node(entry.id).linkTarget ?? '';
			await symlink(target, where).catch(error => {
				throw exists(error, where);
			});
			if (this.asOwner) await lchown(where, this.fs.uidOfState(attr), this.fs.gidOfState(attr));
			const mtime = this.fs.node(entry.id).mtime;
			await lutimes(where, mtime, mtime);
			return 'links';
		}
		// A file or a hard link: the stored file it shows, written once; every other path showing it links to that copy.
		const first = this.written.get(attr);
		if (first !== undefined) {
			this.links.push({first: first.where, where});
			return 'links';
		}
		const found = this.found(entry, attr);
		const layer = this.image.layers[found.layer]!;
		if (layer.compression !== 'none' && passReadable(this.source, this.image, found, {verify: this.options.verify})) {
			const targets = this.passes.get(found.layer) ?? [];
			this.passes.set(found.layer, targets);
			targets.push(this.passTarget(entry, attr, where, found));
			this.written.set(attr, {where, done: Promise.resolve()});
			return 'files';
		}
		// Parents are made by now (in plan order); the file's own calls run alongside the next ones'.
		const done = this.writeFile(entry, attr, where);
		this.written.set(attr, {where, done});
		const running: Promise<void> = done.then(
			() => void this.running.delete(running),
			error => {
				this.running.delete(running);
				this.failure ??= {error};
			},
		);
		this.running.add(running);
		return 'files';
	}

	/** The files of compressed layers, a pass over each layer. */
	async writePasses(): Promise<void> {
		for (const [layer, targets] of this.passes) await writeFilesInOnePass(this.image, this.source, layer, targets);
	}

	async writeLinks(): Promise<void> {
		for (const {first, where} of this.links) {
			if (this.options.force) await this.clear(where);
			await link(first, where).catch(error => {
				throw exists(error, where);
			});
		}
	}

	private found(entry: PlannedEntry, attr: number): FoundFile {
		const fs = this.fs;
		return {path: entry.path, ref: attr, table: fs.tableOf(attr), index: fs.indexOf(attr), layer: fs.layerOfRef(attr)};
	}

	/** A file written by a layer's pass: made when the pass reaches it, its attributes set once its bytes are checked. */
	private passTarget(entry: PlannedEntry, attr: number, where: string, found: FoundFile): PassTarget {
		let fd: number | undefined;
		return {
			found,
			open: async () => {
				fd = await fdOpen(where, CREATE_FILE, 0o600).catch(error => {
					throw exists(error, where);
				});
				return createWriteStream('', {fd, autoClose: false, emitClose: false});
			},
			finish: async () => {
				await this.setAttributes(fd!, entry, attr);
				await fdClose(fd!);
			},
			abort: async () => {
				if (fd === undefined) return;
				await fdClose(fd).catch(() => {});
				await unlink(where).catch(() => {});
			},
		};
	}

	private async setAttributes(fd: number, entry: PlannedEntry, attr: number): Promise<void> {
		const fs = this.fs;
		// Owner first: chown clears setuid and setgid, and the mode is set after it.
		if (this.asOwner) await fdChown(fd, fs.uidOfState(attr), fs.gidOfState(attr));
		await fdChmod(fd, fs.modeOfState(attr) & KEPT_MODE_BITS);
		const mtime = fs.node(entry.id).mtime;
		await fdTimes(fd, mtime, mtime);
	}

	/** Waits while as many files as may be are being written; the first failure stops the run. */
	async pace(): Promise<void> {
		while (this.running.size >= FILES_AT_ONCE) await Promise.race(this.running);
		if (this.failure) await this.settle();
	}

	/** Waits for every file under way; throws the first failure. */
	async settle(): Promise<void> {
		await Promise.all(this.running);
		if (this.failure) throw this.failure.error;
	}

	/** Mode and mtime of the plan's directories, deepest first, once nothing more is written into them (a 0555 directory is made writable until then). */
	async finishDirectories(): Promise<void> {
		for (const {where, id} of this.directories.reverse()) {
			const handle = await open(where, OPEN_DIR);
			try {
				const attr = this.fs.attrOf(id);
				if (this.asOwner) await handle.chown(this.fs.uidOfState(attr), this.fs.gidOfState(attr));
				await handle.chmod(this.fs.modeOfState(attr) & KEPT_MODE_BITS);
				// A directory only implied by deeper paths has no time of its own.
				if (attr >= 0) {
					const mtime = this.fs.node(id).mtime;
					await handle.utimes(mtime, mtime);
				}
			} finally {
				await handle.close();
			}
		}
	}

	private async writeFile(entry: PlannedEntry, attr: number, where: string): Promise<void> {
		const found = this.found(entry, attr);
		// A plain descriptor: a FileHandle's own chmod waits for ever once a stream was made on it.
		const fd = await fdOpen(where, CREATE_FILE, 0o600).catch(error => {
			throw exists(error, where);
		});
		let done = false;
		try {
			const out = createWriteStream('', {fd, autoClose: false, emitClose: false});
			await writeFileContent(this.image, this.source, found, out, {verify: this.options.verify});
			out.end();
			await once(out, 'finish');
			await this.setAttributes(fd, entry, attr);
			done = true;
		} finally {
			await fdClose(fd);
			// A file whose bytes failed their check is not left half written.
			if (!done) await unlink(where).catch(() => {});
		}
	}

	/** With --force, whatever is at a destination (not a directory: prepare refused that) is removed, never followed; else nothing may be there. */
	private async clear(where: string): Promise<void> {
		const existing = await lstatOrNothing(where);
		if (!existing) return;
		if (existing.isDirectory() || !this.options.force) throw new UsageError(`${quote(where)} exists (it appeared while extracting)`);
		await unlink(where);
	}

	private async ensureDirectories(parts: readonly string[]): Promise<void> {
		for (let depth = 1; depth <= parts.length; depth++) await this.ensureDirectory(parts.slice(0, depth).join('/'), false);
	}

	/**
	 * Makes (or finds) a real directory at a path relative to the root, its
	 * parents already checked. A link or file found there is refused, or with
	 * --force removed; what mkdir made is checked again with lstat.
	 */
	private async ensureDirectory(relative: string, planned: boolean): Promise<void> {
		if (this.checked.has(relative)) return;
		const where = path.join(this.root, relative);
		let existing = await lstatOrNothing(where);
		if (existing && !existing.isDirectory()) {
			if (!this.options.force) throw new UsageError(`${quote(where)} is in the way of a directory (${existing.isSymbolicLink() ? 'a symbolic link, never followed' : 'not a directory'}; --force removes it)`);
			await unlink(where);
			existing = undefined;
		}
		if (!existing) {
			// 0700 until its mode is set at the end (a planned directory) or for good with the usual 0755 (a parent only on the way).
			await mkdir(where, planned ? 0o700 : 0o755);
			const made = await lstat(where);
			if (!made.isDirectory()) throw new UsageError(`${quote(where)} is not the directory just made (something else is writing there)`);
		}
		this.checked.add(relative);
	}

	private at(under: readonly string[]): string {
		return under.length === 0 ? this.root : path.join(this.root, ...under);
	}
}

const fdOpen = promisify(openFd);
const fdChmod = promisify(fchmod);
const fdChown = promisify(fchown);
const fdTimes = promisify(futimes);
const fdClose = promisify(close);

function components(imagePath: string): string[] {
	return imagePath.split('/').filter(part => part !== '');
}

/** Synchronous: most destinations do not exist, and an ENOENT thrown by the promise API costs a stack trace each. */
async function lstatOrNothing(where: string): Promise<Stats | undefined> {
	return lstatSync(where, {throwIfNoEntry: false});
}

/** A name that appeared since it was checked (another writer in DIR) is a usage problem like any existing name. */
function exists(error: unknown, where: string): unknown {
	return (error as NodeJS.ErrnoException).code === 'EEXIST' ? new UsageError(`${quote(where)} exists (it appeared while extracting)`) : error;
}

/** DIR is the user's: made if missing, and taken as the real directory it names (links in its own path are the user's, followed once here). */
async function userDirectory(dir: string): Promise<string> {
	const resolved = path.resolve(dir);
	await mkdir(resolved, {recursive: true}).catch((error: NodeJS.ErrnoException) => {
		throw new UsageError(`cannot make ${quote(resolved)}: ${error.code === 'EEXIST' || error.code === 'ENOTDIR' ? 'a file is in the way' : error.code ?? error.message}`);
	});
	const real = await realpath(resolved);
	if (!(await lstat(real)).isDirectory()) throw new UsageError(`${quote(resolved)} is not a directory`);
	return real;
}

/** A path for a message: quoted, its control characters escaped (the image chose it). */
export function quote(text: string): string {
	return escapeControlCharacters(JSON.stringify(text));
}
