import {joinPath} from '../layer/tar-path.js';
import {MAX_PATH_DEPTH, MAX_SYMLINKS_PER_LOOKUP} from '../limits.js';
import type {LayerChangeset, LayerEntry} from '../model.js';

/**
 * The filesystem a runtime would see after stacking layers, built by applying
 * each layer's changeset in order, following the OCI changeset rules.
 */
/** A path of the stacked filesystem: a layer entry's attributes under its name, plus where it came from. */
export interface FsNode extends Omit<LayerEntry, 'path'> {
	name: string;
	/** The layer that last set this path. -1 for directories only implied by deeper paths. */
	layer: number;
	/** For files and hard links: the file node whose stored bytes this shows (itself, or a hard link's target as it was when linked). A hard link's size is its target's. */
	content?: FsNode;
	children: Map<string, FsNode> | null;
}

/** Why a path disappears while a layer is applied. */
export type RemovalCause =
	| 'whiteout'
	| 'opaque'
	/** Another entry took the path; `replacement` on the event says what. */
	| 'replaced'
	/** An ancestor was replaced (a directory became a file, say). */
	| 'parent-replaced';

/**
 * One thing a layer did to one path, in the order it happened. Paths are
 * where the change really lands (after symlinked parents are resolved).
 * A removed directory yields one event per node of its subtree.
 */
export type FsEvent =
	| {kind: 'removed'; path: string; node: FsNode; cause: RemovalCause; replacement?: FsNode}
	/** `previous` is a snapshot of a directory's attributes when a directory entry merges over it. */
	| {kind: 'placed'; path: string; node: FsNode; previous: FsNode | undefined}
	| {kind: 'implied'; path: string; node: FsNode};

/** A layer cannot be applied the way a runtime would (it would refuse it too). */
export class ApplyError extends Error {}

/** Symlinks followed so far in one lookup: shared by every level, so links that fan out cannot multiply the work. */
interface LookupBudget {
	hops: number;
}

function impliedDir(name: string): FsNode {
	return {name, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, linkTarget: undefined, digest: undefined, devMajor: undefined, devMinor: undefined, layer: -1, content: undefined, children: new Map()};
}

function splitPath(path: string): string[] {
	return path === '/' ? [] : path.slice(1).split('/');
}

export class FileSystem {
	readonly root: FsNode = impliedDir('');

	private events: FsEvent[] | undefined;

	/**
	 * Applies one layer: its whiteouts and opaque markers hide lower content
	 * first, then its entries land in tar order. With `events`, every change
	 * is also reported there.
	 */
	apply(changes: LayerChangeset, layerIndex: number, events?: FsEvent[]): void {
		this.events = events;
		try {
			this.applyChanges(changes, layerIndex);
		} catch (error) {
			// Say which layer a runtime would refuse.
			if (error instanceof ApplyError) throw new ApplyError(`layer ${layerIndex}: ${error.message}`);
			throw error;
		} finally {
			this.events = undefined;
		}
	}

	private applyChanges(changes: LayerChangeset, layerIndex: number): void {
		for (const path of changes.whiteouts) this.whiteout(path);
		for (const path of changes.opaqueDirs) {
			const [dir, dirPath] = this.makeDirs(splitPath(path), path);
			for (const [name, child] of dir.children!) this.reportRemoval(joinPath(dirPath, name), child, 'opaque');
			dir.children = new Map();
		}
		for (const entry of changes.entries) this.put(entry, layerIndex);
	}

	/** Reports a removed subtree, children before their directory; iterative, so any depth fits. */
	private reportRemoval(path: string, node: FsNode, cause: RemovalCause, replacement?: FsNode): void {
		const events = this.events;
		if (!events) return;
		const below = cause === 'replaced' ? 'parent-replaced' : cause;
		// Each directory is visited twice: once to push its children, once (after them) to report itself.
		const stack: Array<{path: string; node: FsNode; expanded: boolean}> = [{path, node, expanded: false}];
		while (stack.length > 0) {
			const top = stack.at(-1)!;
			if (top.node.children && !top.expanded) {
				top.expanded = true;
				const children = [...top.node.children];
				for (let i = children.length - 1; i >= 0; i--) stack.push({path: joinPath(top.path, children[i]![0]), node: children[i]![1], expanded: false});
				continue;
			}
			stack.pop();
			if (top.node !== node) events.push({kind: 'removed', path: top.path, node: top.node, cause: below});
		}
		events.push(replacement ? {kind: 'removed', path, node, cause, replacement} : {kind: 'removed', path, node, cause});
	}

	/** The node at an absolute path, following symlinks in parent components only. */
	lookup(path: string): FsNode | undefined {
		const parts = splitPath(path);
		if (parts.length === 0) return this.root;
		const parent = this.walk([this.root], parts.slice(0, -1), false, {hops: 0}, path)?.at(-1);
		return parent?.children?.get(parts.at(-1)!);
	}

	private whiteout(path: string): void {
		const parts = splitPath(path);
		const ancestry = this.walk([this.root], parts.slice(0, -1), false, {hops: 0}, path);
		const parent = ancestry?.at(-1);
		const name = parts.at(-1)!;
		const node = parent?.children?.get(name);
		if (!node) return;
		this.reportRemoval(joinPath(pathOf(ancestry!), name), node, 'whiteout');
		parent!.children!.delete(name);
	}

	private put(entry: LayerEntry, layer: number): void {
		const parts = splitPath(entry.path);
		if (parts.length === 0) {
			// "./" itself: the root's attributes, never its identity.
			setAttributes(this.root, entry, layer);
			return;
		}
		const name = parts.at(-1)!;
		const [parent, parentPath] = this.makeDirs(parts.slice(0, -1), entry.path);
		const path = joinPath(parentPath, name);
		const existing = parent.children!.get(name);
		if (entry.type === 'dir' && existing?.type === 'dir') {
			// A directory over a directory merges: lower children stay.
			const previous = this.events ? {...existing} : undefined;
			setAttributes(existing, entry, layer);
			this.events?.push({kind: 'placed', path, node: existing, previous});
			return;
		}
		const node = nodeOf(name, entry, layer);
		if (entry.type === 'file') node.content = node;
		if (existing) {
			this.reportRemoval(path, existing, 'replaced', node);
			parent.children!.delete(name);
		}
		// As extraction does: the old path is gone before the link is made, so a link into it finds nothing.
		if (entry.type === 'hardlink') this.link(node, entry);
		parent.children!.set(name, node);
		this.events?.push({kind: 'placed', path, node, previous: existing});
	}

	/** A hard link shares its target's inode as it is now: later rewrites of the target do not reach it. */
	private link(node: FsNode, entry: LayerEntry): void {
		const target = this.lookup(entry.linkTarget!);
		if (!target) throw new ApplyError(`hard link ${entry.path} points to ${entry.linkTarget}, which does not exist`);
		if (target.type === 'dir') throw new ApplyError(`hard link ${entry.path} points to the directory ${entry.linkTarget}`);
		node.mode = target.mode;
		node.uid = target.uid;
		node.gid = target.gid;
		node.mtime = target.mtime;
		node.size = target.size;
		node.digest = target.digest;
		node.content = target.content;
		if (target.type !== 'file' && target.type !== 'hardlink') {
			// A link to a symlink or device is that symlink or device.
			node.type = target.type;
			node.linkTarget = target.linkTarget;
			node.devMajor = target.devMajor;
			node.devMinor = target.devMinor;
		}
	}

	/** Set by walk() when it followed a symlink: the real path then differs from the one asked for. */
	private crossedSymlink = false;

	/** Walks to a directory, creating implied directories on the way (mkdir -p, through symlinks); returns it and its real path. */
	private makeDirs(parts: string[], forPath: string): [FsNode, string] {
		this.crossedSymlink = false;
		const ancestry = this.walk([this.root], parts, true, {hops: 0}, forPath)!;
		// Most paths cross no symlink: their real parent path is the one asked for, no need to rebuild it.
		return [ancestry.at(-1)!, this.crossedSymlink ? pathOf(ancestry) : '/' + parts.join('/')];
	}

	/**
	 * Walks from a directory (given as its ancestry, root first) through path
	 * components, resolving symlinks scoped to the image root as containerd
	 * and umoci do: ".." never climbs above "/". Returns the ancestry of the
	 * directory reached. At most 40 symlinks are followed in all, however
	 * they nest (as the kernel counts), and no directory is made deeper than
	 * MAX_PATH_DEPTH.
	 */
	private walk(ancestry: FsNode[], parts: string[], create: boolean, budget: LookupBudget, forPath: string): FsNode[] | undefined {
		const stack = [...ancestry];
		// The real path of the directory reached, kept as it changes: rebuilding it per component would cost depth² on deep trees.
		let here: string | undefined;
		for (const part of parts) {
			if (part === '' || part === '.') continue;
			const dir = stack.at(-1)!;
			if (part === '..') {
				if (stack.length > 1) stack.pop();
				here = undefined;
				continue;
			}
			let child = dir.children!.get(part);
			if (!child) {
				if (!create) return undefined;
				child = impliedDir(part);
				dir.children!.set(part, child);
				if (this.events) {
					here ??= pathOf(stack);
					this.events.push({kind: 'implied', path: joinPath(here, part), node: child});
				}
			}
			if (child.type === 'symlink') {
				if (++budget.hops > MAX_SYMLINKS_PER_LOOKUP) throw new ApplyError(`too many levels of symbolic links under ${forPath} (more than ${MAX_SYMLINKS_PER_LOOKUP} followed)`);
				const target = child.linkTarget ?? '';
				const from = target.startsWith('/') ? [this.root] : stack;
				const resolved = this.walk(from, target.split('/'), create, budget, forPath);
				if (!resolved) return undefined;
				this.crossedSymlink = true;
				// Continue from the resolved directory, with its own ancestry for later "..".
				stack.splice(0, stack.length, ...resolved);
				here = undefined;
				continue;
			}
			if (child.type !== 'dir') {
				if (!create) return undefined;
				throw new ApplyError(`cannot place ${forPath}: a parent is a ${child.type}, not a directory`);
			}
			if (create && stack.length > MAX_PATH_DEPTH) throw new ApplyError(`cannot place ${forPath}: directories nest more than ${MAX_PATH_DEPTH} deep`);
			if (here !== undefined) here = joinPath(here, part);
			stack.push(child);
		}
		return stack;
	}
}

/** The real path of the last directory of an ancestry (root first). */
function pathOf(ancestry: FsNode[]): string {
	return ancestry.length <= 1 ? '/' : '/' + ancestry.slice(1).map(node => node.name).join('/');
}

/**
 * One object literal with every field, so every node has the same shape
 * (V8 keeps such objects small and their property reads fast); absent
 * optional fields are undefined.
 */
function nodeOf(name: string, entry: LayerEntry, layer: number): FsNode {
	return {
		name,
		type: entry.type,
		mode: entry.mode,
		uid: entry.uid,
		gid: entry.gid,
		size: entry.size,
		mtime: entry.mtime,
		linkTarget: entry.linkTarget,
		digest: entry.digest,
		devMajor: entry.devMajor,
		devMinor: entry.devMinor,
		layer,
		content: undefined,
		children: entry.type === 'dir' ? new Map() : null,
	};
}

/** A directory entry over a directory: new attributes, same node (its children stay). */
function setAttributes(node: FsNode, entry: LayerEntry, layer: number): void {
	node.type = entry.type;
	node.mode = entry.mode;
	node.uid = entry.uid;
	node.gid = entry.gid;
	node.size = entry.size;
	node.mtime = entry.mtime;
	node.linkTarget = entry.linkTarget;
	node.digest = entry.digest;
	node.devMajor = entry.devMajor;
	node.devMinor = entry.devMinor;
	node.layer = layer;
}

/** Visits every node below the root depth-first, children in name order, with its absolute path. Iterative: any depth fits. */
export function* walkTree(root: FsNode, prefix = ''): Generator<[string, FsNode]> {
	if (!root.children) return;
	// One frame per open directory: its sorted names and how far through them the walk is.
	const stack: Array<{dir: FsNode; path: string; names: string[]; next: number}> = [{dir: root, path: prefix, names: [...root.children.keys()].sort(compareNames), next: 0}];
	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		if (frame.next === frame.names.length) {
			stack.pop();
			continue;
		}
		const name = frame.names[frame.next++]!;
		const node = frame.dir.children!.get(name)!;
		const path = `${frame.path}/${name}`;
		yield [path, node];
		if (node.children) stack.push({dir: node, path, names: [...node.children.keys()].sort(compareNames), next: 0});
	}
}

function compareNames(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
