import {parentOf} from '../layer/tar-path.js';
import type {LayerHistory, NodeState, PathChange} from './layer-history.js';

/**
 * Every layer's filesystem and every layer's changes, without a tree per
 * layer: one table of all paths ever seen, and per path the few versions it
 * went through. The state of a path after layer N is its last version at or
 * before N; directory sizes are kept the same way. Memory grows with paths
 * and changes, not with paths × layers.
 */
export class LayerTrees {
	private readonly ids = new Map<string, number>();
	private readonly names: string[] = [];
	private readonly paths: string[] = [];
	private readonly parents: number[] = [];
	/** Lists are made on first use (most paths are files: no children, no sizes of their own): fewer objects, less to collect. */
	private readonly children: Array<number[] | undefined> = [];
	/** Per path: [layer, state after that layer (null: absent)], in layer order. */
	private readonly versions: Array<Array<[number, NodeState | null]> | undefined> = [];
	/** Per directory: [layer, bytes of visible files below after that layer], in layer order. */
	private readonly dirSizes: Array<Array<[number, number]> | undefined> = [];
	private readonly changeIndex: Array<Map<number, PathChange>> = [];
	/** Per layer: the directories on the way to its changes, with the bytes those changes weigh below them. */
	private readonly changedDirs: Array<Map<number, number>> = [];

	constructor(private readonly history: LayerHistory) {
		this.intern('/');
		// Per directory id, what this layer's changes add up to below it; reset after each layer (only the touched entries).
		let sizeDelta = new Float64Array(1024);
		let weightBelow = new Float64Array(1024);
		let touched = new Uint8Array(1024);
		history.changes.forEach((list, layer) => {
			const changes = [...list];
			const index = new Map<number, PathChange>();
			const ids = changes.map(change => this.intern(change.path));
			if (this.names.length > touched.length) {
				const size = Math.max(this.names.length, touched.length * 2);
				[sizeDelta, weightBelow, touched] = [new Float64Array(size), new Float64Array(size), new Uint8Array(size)];
			}
			// The directories on the way to the changes, in the order first reached.
			const dirs: number[] = [];
			changes.forEach((change, at) => {
				const id = ids[at]!;
				index.set(id, change);
				(this.versions[id] ??= []).push([layer, change.after]);
				const delta = contentSize(change.after) - contentSize(change.before);
				const weight = contentSize(change.after ?? change.before);
				for (let parent = this.parents[id]!; parent !== -1; parent = this.parents[parent]!) {
					if (touched[parent] === 0) {
						touched[parent] = 1;
						dirs.push(parent);
					}
					sizeDelta[parent] += delta;
					weightBelow[parent] += weight;
				}
			});
			const changedDirs = new Map<number, number>();
			for (const dir of dirs) {
				changedDirs.set(dir, weightBelow[dir]!);
				if (sizeDelta[dir] !== 0) {
					const sizes = (this.dirSizes[dir] ??= []);
					sizes.push([layer, (sizes.at(-1)?.[1] ?? 0) + sizeDelta[dir]!]);
				}
				sizeDelta[dir] = 0;
				weightBelow[dir] = 0;
				touched[dir] = 0;
			}
			this.changedDirs.push(changedDirs);
			this.changeIndex.push(index);
		});
		for (const list of this.children) list?.sort((a, b) => (this.names[a]! < this.names[b]! ? -1 : this.names[a]! > this.names[b]! ? 1 : 0));
	}

	get layerCount(): number {
		return this.history.changes.length;
	}

	get root(): number {
		return 0;
	}

	idOf(path: string): number | undefined {
		return this.ids.get(path);
	}

	pathOf(id: number): string {
		return this.paths[id]!;
	}

	nameOf(id: number): string {
		return this.names[id]!;
	}

	parentOf(id: number): number {
		return this.parents[id]!;
	}

	/** The path's state after `layer`: null when it does not exist then. The root always exists. */
	stateAt(id: number, layer: number): NodeState | null {
		if (id === 0) return ROOT;
		return lastAtOrBefore(this.versions[id] ?? NONE, layer) ?? null;
	}

	/** What `layer` itself did to the path, if anything. */
	changeAt(id: number, layer: number): PathChange | undefined {
		return this.changeIndex[layer]?.get(id);
	}

	/** Bytes: a file's content, a directory's visible files below it. */
	sizeAt(id: number, layer: number): number {
		const state = this.stateAt(id, layer);
		if (!state) return 0;
		if (state.type !== 'dir') return contentSize(state);
		return lastAtOrBefore(this.dirSizes[id] ?? NONE, layer) ?? 0;
	}

	/** Every path ever seen directly below this one, in name order. */
	allChildren(id: number): readonly number[] {
		return this.children[id] ?? NONE;
	}

	/** The children that exist after `layer`, in name order. */
	childrenAt(id: number, layer: number): number[] {
		return this.allChildren(id).filter(child => this.stateAt(child, layer) !== null);
	}

	/** The children that `layer` changed, or that lead to a change, in name order (removed ones included). */
	changedChildren(id: number, layer: number): number[] {
		const index = this.changeIndex[layer]!;
		const dirs = this.changedDirs[layer]!;
		return this.allChildren(id).filter(child => index.has(child) || dirs.has(child));
	}

	/** Bytes a layer's changes weigh at or below a path: the new size of what it adds or changes, the old size of what it removes. */
	changeSize(id: number, layer: number): number {
		const below = this.changedDirs[layer]!.get(id);
		if (below !== undefined) return below;
		const own = this.changeIndex[layer]!.get(id);
		return own ? contentSize(own.after ?? own.before) : 0;
	}

	/** The id of a path, made (with its unseen ancestors, nearest the root first) on first sight. Iterative: any depth fits. */
	private intern(path: string): number {
		const known = this.ids.get(path);
		if (known !== undefined) return known;
		const unseen = [path];
		let parent = -1;
		for (let above = path; above !== '/'; ) {
			above = parentOf(above);
			const id = this.ids.get(above);
			if (id !== undefined) {
				parent = id;
				break;
			}
			unseen.push(above);
		}
		for (let i = unseen.length - 1; i >= 0; i--) parent = this.add(unseen[i]!, parent);
		return parent;
	}

	private add(path: string, parent: number): number {
		const id = this.names.length;
		this.ids.set(path, id);
		this.paths.push(path);
		this.names.push(path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1));
		this.parents.push(parent);
		this.children.push(undefined);
		this.versions.push(undefined);
		this.dirSizes.push(undefined);
		if (parent !== -1) (this.children[parent] ??= []).push(id);
		return id;
	}
}

const NONE: never[] = [];
const ROOT: NodeState = {type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, layer: -1};

function contentSize(state: NodeState | null | undefined): number {
	return state && (state.type === 'file' || state.type === 'hardlink') ? state.size : 0;
}

/** Versions are in layer order and few per path: scan from the end. */
function lastAtOrBefore<T>(versions: Array<[number, T]>, layer: number): T | undefined {
	for (let i = versions.length - 1; i >= 0; i--) if (versions[i]![0] <= layer) return versions[i]![1];
	return undefined;
}
