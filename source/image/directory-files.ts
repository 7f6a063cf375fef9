import {closeSync, lstatSync, readdirSync, readSync, realpathSync, type Dirent} from 'node:fs';
import path from 'node:path';
import {InputError} from '../errors.js';
import {formatLimit, limits, LIMIT_VARIABLES} from '../limits.js';
import type {LayerReadResult} from '../layer/read-layer.js';
import {openRange, type FileRange} from '../layer/file-range.js';
import {existsInside, openContained, type ContainedFile} from './contained-file.js';
import type {ImageFiles} from './image-files.js';

/**
 * An OCI image layout or docker-save directory. Reads only, and only inside
 * it: names never leave the directory, and neither do the symbolic links they
 * pass through (a legacy `<id>/layer.tar -> ../<diffid>.tar` is followed, a
 * link out of the directory is an error). Each file is opened once, checked,
 * and then read through its descriptor until the image is read.
 */
export class DirectoryFiles implements ImageFiles {
	private readonly opened = new Map<string, ContainedFile>();
	private realRoot: string | undefined;

	constructor(
		readonly input: string,
		private readonly root: string,
	) {}

	has(name: string): boolean {
		return existsInside(this.rootPath(), this.nameOf(name));
	}

	/** The layouts and docker-save folders just inside this directory, for the error when it is not one itself. */
	layoutsInside(): string[] {
		return layoutsInside(this.root);
	}

	async readSmall(name: string): Promise<Buffer> {
		const file = this.open(name);
		const limit = limits().documentBytes;
		if (file.size > limit) throw new InputError(this.input, `${name} is ${file.size} bytes, more than a manifest, index or config may be (${formatLimit(limit)}; ${LIMIT_VARIABLES.documentBytes} raises the limit)`);
		const buffer = Buffer.alloc(file.size);
		let filled = 0;
		while (filled < buffer.length) {
			const read = readSync(file.fd, buffer, filled, buffer.length - filled, filled);
			if (read === 0) throw new InputError(this.input, `${name} shrank while it was read`);
			filled += read;
		}
		return buffer;
	}

	locate(name: string): FileRange {
		const file = this.open(name);
		return {file: file.reopenPath, start: 0, end: file.size - 1};
	}

	async readLayer(name: string): Promise<LayerReadResult> {
		// The tar reader is loaded with the first layer read: a run the caches answer reads none.
		const {readLayer} = await import('../layer/read-layer.js');
		return readLayer(openRange(this.locate(name)));
	}

	async close(): Promise<void> {
		for (const file of this.opened.values()) closeSync(file.fd);
		this.opened.clear();
	}

	private open(name: string): ContainedFile {
		const relative = this.nameOf(name);
		let file = this.opened.get(relative);
		if (!file) {
			if (!this.has(name)) throw new InputError(this.input, `${name} is missing`);
			file = openContained(this.input, this.rootPath(), relative);
			this.opened.set(relative, file);
		}
		return file;
	}

	/** The name as a path below the root; refuses names that climb out of it. */
	private nameOf(name: string): string {
		const relative = path.relative(this.root, path.resolve(this.root, name));
		if (relative === '' || relative.startsWith('..' + path.sep) || relative === '..' || path.isAbsolute(relative)) throw new InputError(this.input, `${name} points outside the layout`);
		return relative;
	}

	/** The directory's real path, links resolved: what every opened file must lie below. */
	private rootPath(): string {
		this.realRoot ??= realpathSync.native(this.root);
		return this.realRoot;
	}
}

/**
 * For a directory that is not a layout itself: the layouts and archives just
 * inside it (a folder with index.json or manifest.json), by name, so the error
 * can say which to give. Only the directory's own entries are read, real
 * folders only (no link is followed), at most the first 1,000 entries.
 */
export function layoutsInside(dir: string): string[] {
	let entries: Dirent[];
	try {
		entries = readdirSync(dir, {withFileTypes: true});
	} catch {
		return [];
	}
	const found: string[] = [];
	for (const entry of entries.slice(0, 1000)) {
		if (!entry.isDirectory()) continue;
		const isRegular = (name: string) => {
			try {
				return lstatSync(path.join(dir, entry.name, name)).isFile();
			} catch {
				return false;
			}
		};
		if (isRegular('index.json') || isRegular('manifest.json')) found.push(entry.name);
	}
	return found.sort();
}
