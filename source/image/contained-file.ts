import {closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, type Stats} from 'node:fs';
import path from 'node:path';
import {InputError} from '../errors.js';

/**
 * A file of the input, refused (never opened for reading) when it is not
 * inside the input: a symbolic link, or a link among its parents, that leads
 * out of the input directory, or something that is not a regular file (a
 * FIFO would block the read for ever, a device would read the host).
 * Thrown as its own kind so that resolvers which skip unreadable optional
 * documents do not skip this one.
 */
export class RefusedFileError extends InputError {}

/** A regular file of the input, held open: it is read through this descriptor, whatever happens to its path afterwards. */
export interface ContainedFile {
	fd: number;
	size: number;
	/** A path that opens this very descriptor's file again (for readers on other threads). */
	reopenPath: string;
}

/** Linux and others name every open descriptor; where they do not, the checked real path is the best there is. */
const FD_DIRECTORY = existsSync('/proc/self/fd') ? '/proc/self/fd' : existsSync('/dev/fd') ? '/dev/fd' : null;

/**
 * Opens `name` below `realRoot` (itself a real path) for reading, following
 * symbolic links only while they stay inside. The resolved path is checked
 * before the open, the open refuses a final link and never blocks, and the
 * descriptor is checked after it: the file opened is the file checked, even
 * if a parent is swapped for a link in between.
 */
export function openContained(input: string, realRoot: string, name: string): ContainedFile {
	const candidate = path.join(realRoot, name);
	let real: string;
	try {
		real = realpathSync.native(candidate);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(input, `${name} is missing${isLink(candidate) ? ' (a broken symbolic link)' : ''}`);
		if (code === 'ELOOP') throw new RefusedFileError(input, `${name} is a loop of symbolic links`);
		throw new InputError(input, `${name} cannot be read (${code ?? (error as Error).message})`);
	}
	if (!isInside(realRoot, real)) throw new RefusedFileError(input, `${name} leads outside the input directory (through a symbolic link); it is not read`);
	let before: Stats;
	try {
		before = lstatSync(real);
	} catch {
		throw new InputError(input, `${name} is missing (it went away while it was opened)`);
	}
	if (!before.isFile()) throw new RefusedFileError(input, `${name} is ${describeKind(before)}, not a regular file; it is not read`);

	let fd: number;
	try {
		fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ELOOP') throw new RefusedFileError(input, `${name} changed into a symbolic link while it was opened; it is not read`);
		throw new InputError(input, `${name} cannot be opened (${code === 'EACCES' ? 'permission denied' : code ?? (error as Error).message})`);
	}
	try {
		const after = fstatSync(fd);
		const reopened = FD_DIRECTORY === '/proc/self/fd' ? readlinkSync(`/proc/self/fd/${fd}`) : real;
		if (!after.isFile() || after.dev !== before.dev || after.ino !== before.ino || !isInside(realRoot, reopened)) {
			throw new RefusedFileError(input, `${name} changed while it was opened; it is not read`);
		}
		return {fd, size: after.size, reopenPath: FD_DIRECTORY ? `${FD_DIRECTORY}/${fd}` : real};
	} catch (error) {
		closeSync(fd);
		throw error;
	}
}

/** Whether something (a file, a link, a FIFO…) is at `name`: what is there is judged when it is opened. */
export function existsInside(realRoot: string, name: string): boolean {
	try {
		return !lstatSync(path.join(realRoot, name)).isDirectory();
	} catch {
		return false;
	}
}

function isInside(root: string, file: string): boolean {
	return file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function isLink(file: string): boolean {
	try {
		return lstatSync(file).isSymbolicLink();
	} catch {
		return false;
	}
}

function describeKind(info: Stats): string {
	if (info.isFIFO()) return 'a FIFO (named pipe)';
	if (info.isSocket()) return 'a socket';
	if (info.isCharacterDevice()) return 'a character device';
	if (info.isBlockDevice()) return 'a block device';
	if (info.isDirectory()) return 'a directory';
	return 'not a regular file';
}
