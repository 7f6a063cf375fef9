import {walkIds, type FileSystem, type FsNode} from '../tree/filesystem.js';

/**
 * Every path of the final filesystem, depth first in name order, kept as
 * path ids (4 bytes a path). Iterating gives [path, node] pairs made on the
 * way (paths grow from their parent's, nodes are views), so several readers
 * can walk it without the list holding a string or an object per file.
 */
export class FinalFiles implements Iterable<[string, FsNode]> {
	/** Path ids in walk order. */
	readonly ids: Int32Array;

	constructor(readonly fs: FileSystem) {
		const ids: number[] = [];
		for (const [, id] of walkIds(fs)) ids.push(id);
		this.ids = Int32Array.from(ids);
	}

	get length(): number {
		return this.ids.length;
	}

	/** [path, path id] in walk order: no node is made. */
	*paths(): Generator<[string, number]> {
		const fs = this.fs;
		// The open directories down to the current path: their ids and paths.
		const dirs: number[] = [0];
		const dirPaths: string[] = [''];
		for (const id of this.ids) {
			const parent = fs.paths.parentOf(id);
			while (dirs.at(-1) !== parent) {
				dirs.pop();
				dirPaths.pop();
			}
			const path = `${dirPaths.at(-1)!}/${fs.paths.nameOf(id)}`;
			yield [path, id];
			if (fs.typeOf(id) === 'dir') {
				dirs.push(id);
				dirPaths.push(path);
			}
		}
	}

	*[Symbol.iterator](): Iterator<[string, FsNode]> {
		for (const [path, id] of this.paths()) yield [path, this.fs.node(id)];
	}
}
