import {statSync} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {InputError} from '../errors.js';
import {readLayer, type LayerReadResult} from '../layer/read-layer.js';
import {openRange, type FileRange} from '../layer/file-range.js';
import {SMALL_FILE_LIMIT, type ImageFiles} from './image-files.js';

/** An OCI image layout directory. Reads only; names never leave the directory. */
export class DirectoryFiles implements ImageFiles {
	constructor(
		readonly input: string,
		private readonly root: string,
	) {}

	has(name: string): boolean {
		try {
			return statSync(this.pathOf(name)).isFile();
		} catch {
			return false;
		}
	}

	async readSmall(name: string): Promise<Buffer> {
		const file = this.pathOf(name);
		const info = await stat(file).catch(() => undefined);
		if (!info?.isFile()) throw new InputError(this.input, `${name} is missing`);
		if (info.size > SMALL_FILE_LIMIT) throw new InputError(this.input, `${name} is ${info.size} bytes, too large for a manifest or config`);
		return readFile(file);
	}

	locate(name: string): FileRange {
		if (!this.has(name)) throw new InputError(this.input, `${name} is missing`);
		return {file: this.pathOf(name), start: 0, end: statSync(this.pathOf(name)).size - 1};
	}

	async readLayer(name: string): Promise<LayerReadResult> {
		return readLayer(openRange(this.locate(name)));
	}

	private pathOf(name: string): string {
		const file = path.resolve(this.root, name);
		if (!file.startsWith(path.resolve(this.root) + path.sep)) throw new InputError(this.input, `${name} points outside the layout`);
		return file;
	}
}
