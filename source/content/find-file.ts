import {InputError} from '../errors.js';
import type {EntryTable} from '../entry-table.js';
import type {EntryType} from '../model.js';
import type {FileSystem} from '../tree/filesystem.js';

/** As Linux counts: at most 40 symbolic links in one lookup. */
export const MAX_LINKS_FOLLOWED = 40;

/** What resolving a path reads: a stacked filesystem, or a browser's tree at one step (content/file-access.ts). */
export interface PathLookup {
	lookupId(path: string): number | undefined;
	exists(id: number): boolean;
	typeOf(id: number): EntryType;
	node(id: number): {linkTarget?: string};
}

/** A regular file's content as the stacked filesystem shows it at a path: the entry that stores it. */
export interface FoundFile {
	/** The path the bytes were found at, symlinks resolved. */
	path: string;
	/** The stored file's ref: the path's own entry, or for a hard link the entry its target showed when linked. */
	ref: number;
	table: EntryTable;
	index: number;
	/** The layer whose tar holds the bytes. */
	layer: number;
}

/**
 * Resolves `path` in the filesystem the way a process in the container would
 * see it, symlinks followed in every component, the last included: an
 * absolute target starts again at the image's root, and a relative one that
 * climbs above the root is refused (never clamped, never a host path). A
 * loop, or more than 40 links, is refused too. Iterative: a queue of
 * components, so no target can grow the stack.
 */
export function resolvePath(fs: PathLookup, path: string, input: string): {id: number; path: string} {
	if (!path.startsWith('/')) path = '/' + path;
	const pending = path.split('/').filter(part => part !== '' && part !== '.').reverse();
	const at: string[] = [];
	let id = 0;
	let hops = 0;
	const here = () => '/' + at.join('/');
	while (pending.length > 0) {
		const part = pending.pop()!;
		if (part === '..') {
			if (at.length === 0) throw new InputError(input, `${quote(path)} leads out of the image root (a ".." above /)`);
			at.pop();
			id = fsId(fs, here());
			continue;
		}
		if (id !== 0 && fs.typeOf(id) !== 'dir') throw new InputError(input, `${quote(path)}: ${quote(here())} is a ${fs.typeOf(id)}, not a directory`);
		at.push(part);
		const child = fs.lookupId(here());
		if (child === undefined || !fs.exists(child)) throw new InputError(input, `${quote(path)}: no such file or directory${pending.length > 0 ? ` (${quote(here())} is missing)` : ''}`);
		id = child;
		if (fs.typeOf(id) !== 'symlink') continue;
		if (++hops > MAX_LINKS_FOLLOWED) throw new InputError(input, `${quote(path)}: too many levels of symbolic links (more than ${MAX_LINKS_FOLLOWED} followed; a loop?)`);
		const target = fs.node(id).linkTarget ?? '';
		at.pop();
		if (target.startsWith('/')) at.length = 0;
		for (const next of target.split('/').filter(piece => piece !== '' && piece !== '.').reverse()) pending.push(next);
		id = fsId(fs, here());
	}
	return {id, path: here()};
}

/** The stored file a path shows after the layers applied to `fs`; anything but a regular file (or a hard link to one) is refused. */
export function findFile(fs: FileSystem, path: string, input: string): FoundFile {
	const {id, path: resolved} = resolvePath(fs, path, input);
	const type: EntryType = fs.typeOf(id);
	if (type !== 'file' && type !== 'hardlink') throw notAFile(input, path, type);
	const ref = fs.attrOf(id);
	return {path: resolved, ref, table: fs.tableOf(ref), index: fs.indexOf(ref), layer: fs.layerOfRef(ref)};
}

/** Why a path that is not a regular file (nor a hard link to one) has nothing to read. */
export function notAFile(input: string, path: string, type: EntryType): InputError {
	if (type === 'dir') return new InputError(input, `${quote(path)} is a directory`);
	return new InputError(input, `${quote(path)} is a ${TYPE_WORDS[type] ?? type}, which has no content to read`);
}

const TYPE_WORDS: Partial<Record<EntryType, string>> = {char: 'character device', block: 'block device', fifo: 'FIFO'};

/** A path already resolved (no symlink in it): its id. */
function fsId(fs: PathLookup, path: string): number {
	return fs.lookupId(path) ?? 0;
}

function quote(path: string): string {
	return JSON.stringify(path);
}
