/** A directory tree on disk as data: every entry (by its path relative to the root) with lstat's view of it. Iterative, never follows a link. */
import {createHash} from 'node:crypto';
import {lstatSync, readdirSync, readFileSync, readlinkSync} from 'node:fs';
import path from 'node:path';

export interface DiskEntry {
	type: 'dir' | 'file' | 'symlink' | 'other';
	/** Permission bits with setuid, setgid and sticky. */
	mode: number;
	/** Whole seconds. */
	mtime: number;
	/** Files: their bytes' sha256 and length. */
	content?: string;
	target?: string;
	ino: number;
	uid: number;
	gid: number;
}

export function treeOnDisk(root: string): Map<string, DiskEntry> {
	const entries = new Map<string, DiskEntry>();
	const stack = [''];
	while (stack.length > 0) {
		const dir = stack.pop()!;
		for (const name of readdirSync(path.join(root, dir)).sort()) {
			const relative = dir === '' ? name : `${dir}/${name}`;
			const at = path.join(root, relative);
			const stat = lstatSync(at);
			const type = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : 'other';
			const entry: DiskEntry = {type, mode: stat.mode & 0o7777, mtime: Math.floor(stat.mtimeMs / 1000), ino: stat.ino, uid: stat.uid, gid: stat.gid};
			if (type === 'file') entry.content = contentKey(readFileSync(at));
			if (type === 'symlink') entry.target = readlinkSync(at);
			entries.set(relative, entry);
			if (type === 'dir') stack.push(relative);
		}
	}
	return new Map([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function contentKey(bytes: Buffer | string): string {
	const buffer = Buffer.from(bytes);
	return `${buffer.length} bytes, sha256:${createHash('sha256').update(buffer).digest('hex')}`;
}

/** A tree as a comparison should show it: everything but inode numbers (which change with any copy). */
export function comparable(tree: Map<string, DiskEntry>): Record<string, Omit<DiskEntry, 'ino'>> {
	return Object.fromEntries([...tree].map(([name, {ino, ...rest}]) => [name, rest]));
}
