import {TYPE_DIR, TYPE_FILE, TYPE_HARDLINK, typeOfCode, type EntryTable} from '../entry-table.js';
import {MAX_PATH_DEPTH, MAX_SYMLINKS_PER_LOOKUP} from '../limits.js';
import type {EntryType, LayerChangeset} from '../model.js';
import {PathTable, type PathTableState} from './path-table.js';
import {ApplyError} from './apply-error.js';

/**
 * The filesystem a runtime would see after stacking layers, built by applying
 * each layer's changeset in order, following the OCI changeset rules.
 *
 * Compact: a path is an id of a PathTable; what it holds is two numbers,
 * `own` (the entry that placed it) and `attr` (the entry whose attributes
 * it shows: itself, or for a hard link the entry its target showed when
 * linked). An entry is named by a ref, one number per entry of every layer
 * applied (refs of layer k follow those of layer k-1). Attributes are read
 * from the layers' EntryTables when asked. Children are linked lists of ids
 * in insertion order, as a Map's iteration order was.
 */

/** A path as a view made on demand: a layer entry's attributes under its name, plus where it came from. */
export interface FsNode {
	/** The path id in the filesystem's path table. */
	id: number;
	name: string;
	type: EntryType;
	mode: number;
	uid: number;
	gid: number;
	/** Content bytes (a hard link's are its target's); 0 for everything but files and hard links. */
	size: number;
	mtime: number;
	linkTarget: string | undefined;
	digest: string | undefined;
	devMajor: number | undefined;
	devMinor: number | undefined;
	/** The layer that last set this path. -1 for directories only implied by deeper paths. */
	layer: number;
	/** The entry (ref) that placed the path; -1 for implied directories. */
	ref: number;
	/** For files and hard links: the ref of the stored file whose bytes this shows (its own, or a hard link's target's as it was when linked). */
	content: number | undefined;
}

/** Why a path disappears while a layer is applied. */
export type RemovalCause =
	| 'whiteout'
	| 'opaque'
	/** Another entry took the path; the event's replacement says what. */
	| 'replaced'
	/** An ancestor was replaced (a directory became a file, say). */
	| 'parent-replaced';

export const REMOVAL_CAUSES: RemovalCause[] = ['whiteout', 'opaque', 'replaced', 'parent-replaced'];

/**
 * What a layer does to each path, in the order it happens, told as it
 * happens (no event objects). Paths are ids of where the change really lands
 * (after symlinked parents are resolved); states are (own, attr) ref pairs,
 * IMPLIED for an implied directory. A removed directory is told once per
 * node of its subtree, children first.
 */
export interface FsObserver {
	removed(path: number, own: number, attr: number, cause: RemovalCause, replacementOwn: number, replacementAttr: number): void;
	/** `previousOwn` is ABSENT when the path was empty; for a directory merged over, its attributes before. */
	placed(path: number, own: number, attr: number, previousOwn: number, previousAttr: number): void;
	implied(path: number): void;
}

/** A layer cannot be applied the way a runtime would (apply-error.ts). */
export {ApplyError};

/** The state of an empty path, and of a directory only implied by deeper paths. */
export const ABSENT = -2;
export const IMPLIED = -1;

/** Symlinks followed so far in one lookup: shared by every level, so links that fan out cannot multiply the work. */
interface LookupBudget {
	hops: number;
}

const SLASH = 0x2f;
const DOT = 0x2e;
const encoder = new TextEncoder();

/** A stack's arrays (FileSystem.exportState); its layers' entry tables are not in it. */
export interface FileSystemState {
	paths: PathTableState;
	own: Int32Array<ArrayBuffer>;
	attr: Int32Array<ArrayBuffer>;
	firstChild: Int32Array<ArrayBuffer>;
	lastChild: Int32Array<ArrayBuffer>;
	nextSibling: Int32Array<ArrayBuffer>;
	prevSibling: Int32Array<ArrayBuffer>;
	/** Per layer applied, how many entries it had: the refs' layout. */
	entryCounts: number[];
}

export class FileSystem {
	readonly paths = new PathTable();
	private own = new Int32Array(64).fill(ABSENT);
	private attr = new Int32Array(64).fill(ABSENT);
	private firstChild = new Int32Array(64).fill(-1);
	private lastChild = new Int32Array(64).fill(-1);
	private nextSibling = new Int32Array(64).fill(-1);
	private prevSibling = new Int32Array(64).fill(-1);
	/** Per applied layer: its entries, its index, its first ref. */
	private readonly tables: EntryTable[] = [];
	private readonly layerIndexes: number[] = [];
	private readonly bases: number[] = [];
	private nextRef = 0;
	private observer: FsObserver | undefined;
	/** Removals of one step, told after the step (a replacement is only known once a hard link is resolved). */
	private removals: number[] = [];
	/**
	 * The last entry's parent path (bytes[start..end) of its table) and the
	 * directory it led to. Tar entries come directory by directory, so most
	 * entries have the last one's parent; walking there again would find the
	 * same directory as long as no directory or symlink was removed (only
	 * their removal or replacement changes where a walk leads; adding paths
	 * never does), so any such removal forgets it.
	 */
	private lastParentBytes: Uint8Array | undefined;
	private lastParentStart = 0;
	private lastParentEnd = 0;
	private lastParent = -1;

	constructor() {
		this.own[0] = IMPLIED;
		this.attr[0] = IMPLIED;
	}

	/**
	 * A filesystem that stands where this one does and is stacked on apart
	 * from it: two images that share their first layers stack those once.
	 * The layers' entry tables are shared (they are never written); every
	 * array the stack writes is copied.
	 */
	clone(): FileSystem {
		const copy = new FileSystem();
		(copy as {paths: PathTable}).paths = this.paths.clone();
		copy.own = this.own.slice();
		copy.attr = this.attr.slice();
		copy.firstChild = this.firstChild.slice();
		copy.lastChild = this.lastChild.slice();
		copy.nextSibling = this.nextSibling.slice();
		copy.prevSibling = this.prevSibling.slice();
		copy.tables.push(...this.tables);
		copy.layerIndexes.push(...this.layerIndexes);
		copy.bases.push(...this.bases);
		copy.nextRef = this.nextRef;
		return copy;
	}

	/** What the stack holds, as arrays, for the layers applied so far (a kept stack, see stack-state.ts). */
	exportState(): FileSystemState {
		return {paths: this.paths.exportState(), own: this.own, attr: this.attr, firstChild: this.firstChild, lastChild: this.lastChild, nextSibling: this.nextSibling, prevSibling: this.prevSibling, entryCounts: this.tables.map(table => table.length)};
	}

	/**
	 * The stack an exported state stands for, over the very layers it was
	 * made of (their entry tables are where its refs point), or null when the
	 * state cannot be theirs: another number of layers or of entries in one,
	 * an array of another length, a ref or a link out of range.
	 */
	static fromState(state: FileSystemState, layers: ReadonlyArray<LayerChangeset & {index: number}>): FileSystem | null {
		const paths = PathTable.fromState(state.paths);
		const arrays = [state.own, state.attr, state.firstChild, state.lastChild, state.nextSibling, state.prevSibling];
		if (!paths || !arrays.every(array => array instanceof Int32Array && array.length === state.own.length) || state.own.length < paths.size) return null;
		if (!Array.isArray(state.entryCounts) || state.entryCounts.length !== layers.length || layers.some((layer, index) => layer.entries.length !== state.entryCounts[index])) return null;
		const refs = layers.reduce((sum, layer) => sum + layer.entries.length, 0);
		const [size, count] = [state.own.length, paths.size];
		const {own, attr, firstChild: first, lastChild: last, nextSibling: next, prevSibling: prev} = state;
		const inRange = (link: number) => link >= -1 && link < count;
		for (let id = 0; id < size; id++) {
			// Room for ids not yet made is as a new stack leaves it: nothing placed, nothing linked.
			if (id >= count) {
				if (own[id] !== ABSENT || attr[id] !== ABSENT || first[id] !== -1 || last[id] !== -1 || next[id] !== -1 || prev[id] !== -1) return null;
				continue;
			}
			if (own[id]! < ABSENT || own[id]! >= refs || attr[id]! < ABSENT || attr[id]! >= refs) return null;
			if (!inRange(first[id]!) || !inRange(last[id]!) || !inRange(next[id]!) || !inRange(prev[id]!)) return null;
		}
		// Each directory's children, walked as the stack walks them: its own children, each linked back to the one before, ending at its last;
		// no path in two lists, so no walk goes round a cycle (a path taken out of its list keeps stale links, which no walk follows).
		let visited = 0;
		for (let parent = 0; parent < count; parent++) {
			let before = -1;
			for (let child = first[parent]!; child !== -1; child = next[child]!) {
				if (++visited > count || paths.parentOf(child) !== parent || prev[child] !== before) return null;
				before = child;
			}
			if (last[parent] !== before) return null;
		}
		const fs = new FileSystem();
		(fs as {paths: PathTable}).paths = paths;
		[fs.own, fs.attr, fs.firstChild, fs.lastChild, fs.nextSibling, fs.prevSibling] = arrays;
		for (const layer of layers) {
			fs.tables.push(layer.entries);
			fs.layerIndexes.push(layer.index);
			fs.bases.push(fs.nextRef);
			fs.nextRef += layer.entries.length;
		}
		return fs;
	}

	/** Refs handed out so far: every entry of every applied layer has one below this. */
	get refCount(): number {
		return this.nextRef;
	}

	/**
	 * Applies one layer: its whiteouts and opaque markers hide lower content
	 * first, then its entries land in tar order. With an observer, every
	 * change is also told to it.
	 */
	apply(changes: LayerChangeset, layerIndex: number, observer?: FsObserver): void {
		this.observer = observer;
		const base = this.nextRef;
		this.tables.push(changes.entries);
		this.layerIndexes.push(layerIndex);
		this.bases.push(base);
		this.nextRef += changes.entries.length;
		try {
			for (const path of changes.whiteouts) this.whiteout(path);
			for (const path of changes.opaqueDirs) {
				const bytes = encoder.encode(path);
				const dir = this.makeDirs(bytes, 0, bytes.length, () => path);
				for (let child = this.firstChild[dir]!; child !== -1; ) {
					const next = this.nextSibling[child]!;
					this.removeSubtree(child, 'opaque');
					child = next;
				}
				this.firstChild[dir] = this.lastChild[dir] = -1;
				this.flushRemovals(ABSENT, ABSENT);
			}
			const entries = changes.entries;
			for (let i = 0; i < entries.length; i++) this.put(entries, i, base + i);
		} catch (error) {
			// Say which layer a runtime would refuse.
			if (error instanceof ApplyError) throw new ApplyError(`layer ${layerIndex}: ${error.message}`);
			throw error;
		} finally {
			this.observer = undefined;
			this.removals = [];
		}
	}

	// --- reading ----------------------------------------------------------

	get root(): FsNode {
		return this.node(0);
	}

	/** The path id at an absolute path, following symlinks in parent components only. */
	lookupId(path: string): number | undefined {
		const bytes = encoder.encode(path);
		const slash = lastSlash(bytes, 0, bytes.length);
		if (slash === -1 || isRootPath(bytes)) return 0;
		const parent = this.walk([0], bytes, 0, slash, false, {hops: 0}, () => path);
		if (!parent) return undefined;
		const id = this.childNamed(parent.at(-1)!, bytes, slash + 1, bytes.length);
		return id === -1 ? undefined : id;
	}

	/** The directory an absolute path leads to, every symlink on the way followed (its last component's too), or undefined. */
	directoryId(path: string): number | undefined {
		const bytes = encoder.encode(path);
		try {
			return this.walk([0], bytes, 0, bytes.length, false, {hops: 0}, () => path)?.at(-1);
		} catch (error) {
			if (error instanceof ApplyError) return undefined; // a symlink loop leads nowhere
			throw error;
		}
	}

	/** The node at an absolute path, following symlinks in parent components only. */
	lookup(path: string): FsNode | undefined {
		const id = this.lookupId(path);
		return id === undefined ? undefined : this.node(id);
	}

	exists(id: number): boolean {
		return this.own[id] !== ABSENT;
	}

	/** The children of a directory, in the order they were placed. */
	*childIds(id: number): Generator<number> {
		for (let child = this.firstChild[id]!; child !== -1; child = this.nextSibling[child]!) yield child;
	}

	/** The children of a directory in name order (UTF-16 code units, as JavaScript compares strings). */
	sortedChildIds(id: number): number[] {
		const children: number[] = [];
		for (let child = this.firstChild[id]!; child !== -1; child = this.nextSibling[child]!) children.push(child);
		// By name, as strings order (the path table compares most names by their bytes, without decoding them).
		const paths = this.paths;
		return children.length < 2 ? children : children.sort((a, b) => paths.compareNames(a, b));
	}

	pathOf(id: number): string {
		return this.paths.pathOf(id);
	}

	/** A path's node as a view (made on demand). */
	node(id: number): FsNode {
		return this.state(id, this.own[id]!, this.attr[id]!);
	}

	/** The view of a state (own, attr) of a path, current or remembered. */
	state(id: number, own: number, attr: number): FsNode {
		const type = this.typeOfState(own, attr);
		if (own === IMPLIED || own === ABSENT) {
			return {id, name: this.paths.nameOf(id), type, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, linkTarget: undefined, digest: undefined, devMajor: undefined, devMinor: undefined, layer: -1, ref: -1, content: undefined};
		}
		// A hard link shows its own link target; a link to a symlink or device is that symlink or device.
		const linkFrom = type === 'hardlink' ? own : attr;
		return {
			id,
			name: this.paths.nameOf(id),
			type,
			mode: this.tableOf(attr).modeOf(this.indexOf(attr)),
			uid: this.tableOf(attr).uidOf(this.indexOf(attr)),
			gid: this.tableOf(attr).gidOf(this.indexOf(attr)),
			size: this.tableOf(attr).sizeOf(this.indexOf(attr)),
			mtime: this.tableOf(attr).mtimeOf(this.indexOf(attr)),
			linkTarget: this.tableOf(linkFrom).linkTargetOf(this.indexOf(linkFrom)),
			digest: this.tableOf(attr).digestOf(this.indexOf(attr)),
			devMajor: this.tableOf(linkFrom).devMajorOf(this.indexOf(linkFrom)),
			devMinor: this.tableOf(linkFrom).devMinorOf(this.indexOf(linkFrom)),
			layer: this.layerOfRef(own),
			ref: own,
			content: id !== 0 && this.typeCodeOfRef(attr) === TYPE_FILE ? attr : undefined,
		};
	}

	/** A state as a change records it: attributes, content digest and link target, the layer that set it. */
	nodeState(own: number, attr: number): {type: EntryType; mode: number; uid: number; gid: number; size: number; digest?: string; linkTarget?: string; layer: number} {
		if (own < 0) return {type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, layer: -1};
		const table = this.tableOf(attr);
		const index = this.indexOf(attr);
		const state: ReturnType<FileSystem['nodeState']> = {type: this.typeOfState(own, attr), mode: table.modeOf(index), uid: table.uidOf(index), gid: table.gidOf(index), size: table.sizeOf(index), layer: this.layerOfRef(own)};
		if (table.hasDigest(index)) state.digest = table.digestOf(index);
		const linkTarget = this.linkTargetOfState(own, attr);
		if (linkTarget !== undefined) state.linkTarget = linkTarget;
		return state;
	}

	// The state accessors the analysis reads without making views.

	typeOfState(own: number, attr: number): EntryType {
		if (own < 0) return 'dir';
		if (own === attr) return this.tableOf(own).typeOf(this.indexOf(own));
		const target = this.tableOf(attr).typeCode(this.indexOf(attr));
		return target === TYPE_FILE ? 'hardlink' : typeOfCode(target);
	}

	typeOf(id: number): EntryType {
		return this.typeOfState(this.own[id]!, this.attr[id]!);
	}

	/** The stored file a state shows (a file's own ref, a hard link's target's), or -1. */
	contentOfState(id: number, attr: number): number {
		return id !== 0 && attr >= 0 && this.typeCodeOfRef(attr) === TYPE_FILE ? attr : -1;
	}

	/** Content bytes a state shows: a file's or hard link's size (0 for anything else, and for implied directories). */
	sizeOfState(attr: number): number {
		return attr < 0 ? 0 : this.tableOf(attr).sizeOf(this.indexOf(attr));
	}

	sizeOf(id: number): number {
		return this.sizeOfState(this.attr[id]!);
	}

	/** The layer that last set the path (-1: implied). */
	layerOf(id: number): number {
		return this.layerOfRef(this.own[id]!);
	}

	layerOfRef(ref: number): number {
		return ref < 0 ? -1 : this.layerIndexes[this.applied(ref)]!;
	}

	ownOf(id: number): number {
		return this.own[id]!;
	}

	attrOf(id: number): number {
		return this.attr[id]!;
	}

	/** Mode, owner, content and link target as a change compares them. */
	modeOfState(attr: number): number {
		return attr < 0 ? 0o755 : this.tableOf(attr).modeOf(this.indexOf(attr));
	}

	uidOfState(attr: number): number {
		return attr < 0 ? 0 : this.tableOf(attr).uidOf(this.indexOf(attr));
	}

	gidOfState(attr: number): number {
		return attr < 0 ? 0 : this.tableOf(attr).gidOf(this.indexOf(attr));
	}

	/** Whether two states show the same digest (or both none): compares bytes. */
	sameDigest(attrA: number, attrB: number): boolean {
		return this.sameDigestIn(attrA, this, attrB);
	}

	/** As sameDigest, against a state of another filesystem (two images compared). */
	sameDigestIn(attr: number, other: FileSystem, otherAttr: number): boolean {
		if (attr < 0 || otherAttr < 0) return (attr < 0 || !this.tableOf(attr).hasDigest(this.indexOf(attr))) && (otherAttr < 0 || !other.tableOf(otherAttr).hasDigest(other.indexOf(otherAttr)));
		return this.tableOf(attr).sameDigest(this.indexOf(attr), other.tableOf(otherAttr), other.indexOf(otherAttr));
	}

	digestOfState(attr: number): string | undefined {
		return attr < 0 ? undefined : this.tableOf(attr).digestOf(this.indexOf(attr));
	}

	linkTargetOfState(own: number, attr: number): string | undefined {
		if (own < 0) return undefined;
		const from = this.typeOfState(own, attr) === 'hardlink' ? own : attr;
		return this.tableOf(from).linkTargetOf(this.indexOf(from));
	}

	/** Whether two states have the same link target (compares bytes). */
	sameLinkTarget(ownA: number, attrA: number, ownB: number, attrB: number): boolean {
		return this.sameLinkTargetIn(ownA, attrA, this, ownB, attrB);
	}

	/** As sameLinkTarget, against a state of another filesystem (two images compared). */
	sameLinkTargetIn(own: number, attr: number, other: FileSystem, otherOwn: number, otherAttr: number): boolean {
		const a = this.linkSource(own, attr);
		const b = other.linkSource(otherOwn, otherAttr);
		if (a < 0 || b < 0) return a < 0 && b < 0;
		const [x, xs, xe] = this.tableOf(a).linkRange(this.indexOf(a));
		const [y, ys, ye] = other.tableOf(b).linkRange(other.indexOf(b));
		if (xe - xs !== ye - ys) return false;
		for (let i = 0; i < xe - xs; i++) if (x[xs + i] !== y[ys + i]) return false;
		return true;
	}

	/** Entry refs: which layer table, which index. */
	tableOf(ref: number): EntryTable {
		return this.tables[this.applied(ref)]!;
	}

	indexOf(ref: number): number {
		return ref - this.bases[this.applied(ref)]!;
	}

	private linkSource(own: number, attr: number): number {
		if (own < 0) return -1;
		const from = this.typeOfState(own, attr) === 'hardlink' ? own : attr;
		return this.tableOf(from).hasLink(this.indexOf(from)) ? from : -1;
	}

	private typeCodeOfRef(ref: number): number {
		return this.tableOf(ref).typeCode(this.indexOf(ref));
	}

	/** Which apply() a ref belongs to: the last whose first ref is at or below it. */
	private applied(ref: number): number {
		const bases = this.bases;
		let low = 0;
		let high = bases.length - 1;
		// Most refs asked for are recent: try the last layer first.
		if (ref >= bases[high]!) return high;
		while (low < high) {
			const middle = (low + high + 1) >> 1;
			if (bases[middle]! <= ref) low = middle;
			else high = middle - 1;
		}
		return low;
	}

	// --- changing ---------------------------------------------------------

	private whiteout(path: string): void {
		const bytes = encoder.encode(path);
		const slash = lastSlash(bytes, 0, bytes.length);
		if (slash === -1 || isRootPath(bytes)) return;
		const parent = this.existingParentDir(bytes, slash, () => path);
		if (parent === -1) return;
		const id = this.childNamed(parent, bytes, slash + 1, bytes.length);
		if (id === -1) return;
		this.removeSubtree(id, 'whiteout');
		this.unlink(id);
		this.flushRemovals(ABSENT, ABSENT);
	}

	private put(entries: EntryTable, index: number, ref: number): void {
		const [bytes, start, end] = entries.pathRange(index);
		const describe = () => entries.pathOf(index);
		if (end - start <= 1) {
			// "./" itself: the root's attributes, never its identity.
			this.own[0] = this.attr[0] = ref;
			return;
		}
		const slash = lastSlash(bytes, start, end);
		const parent = this.parentDir(bytes, start, slash, describe);
		const id = this.paths.intern(parent, bytes, slash + 1, end);
		this.ensure(id);
		const type = entries.typeCode(index);
		const existingOwn = this.own[id]!;
		const existingAttr = this.attr[id]!;
		if (existingOwn !== ABSENT && type === TYPE_DIR && this.typeOfState(existingOwn, existingAttr) === 'dir') {
			// A directory over a directory merges: lower children stay.
			this.own[id] = this.attr[id] = ref;
			this.observer?.placed(id, ref, ref, existingOwn, existingAttr);
			return;
		}
		if (existingOwn !== ABSENT) {
			this.removeSubtree(id, 'replaced');
			this.unlink(id);
		}
		let attr = ref;
		// As extraction does: the old path is gone before the link is made, so a link into it finds nothing.
		if (type === TYPE_HARDLINK) attr = this.link(entries, index);
		this.flushRemovals(ref, attr);
		this.own[id] = ref;
		this.attr[id] = attr;
		this.append(parent, id);
		this.observer?.placed(id, ref, attr, existingOwn, existingAttr);
	}

	/** A hard link shares its target's inode as it is now: later rewrites of the target do not reach it. Returns the ref of what it shows. */
	private link(entries: EntryTable, index: number): number {
		const targetPath = entries.linkTargetOf(index)!;
		const target = this.lookupId(targetPath);
		const path = entries.pathOf(index);
		if (target === undefined) throw new ApplyError(`hard link ${path} points to ${targetPath}, which does not exist`);
		if (this.typeOf(target) === 'dir') throw new ApplyError(`hard link ${path} points to the directory ${targetPath}`);
		return this.attr[target]!;
	}

	/** The child of a directory by name, if it exists now. */
	private childNamed(dir: number, bytes: Uint8Array, start: number, end: number): number {
		const id = this.paths.find(dir, bytes, start, end);
		return id !== -1 && id < this.own.length && this.own[id] !== ABSENT && this.paths.parentOf(id) === dir ? id : -1;
	}

	/** makeDirs for an entry's parent path, remembered for the next entry (see lastParent). */
	private parentDir(bytes: Uint8Array, start: number, end: number, forPath: () => string): number {
		if (this.isLastParent(bytes, start, end)) return this.lastParent;
		return this.rememberParent(bytes, start, end, this.makeDirs(bytes, start, end, forPath));
	}

	/**
	 * The directory a whiteout's parent path bytes[0..end) leads to without
	 * making any, or -1. The last entry's parent serves (it exists, and a walk
	 * to it makes nothing); this walk is not remembered, since it does not
	 * check depth as a walk that may make directories does.
	 */
	private existingParentDir(bytes: Uint8Array, end: number, forPath: () => string): number {
		if (this.isLastParent(bytes, 0, end)) return this.lastParent;
		return this.walk([0], bytes, 0, end, false, {hops: 0}, forPath)?.at(-1) ?? -1;
	}

	private isLastParent(bytes: Uint8Array, start: number, end: number): boolean {
		const last = this.lastParentBytes;
		if (last === undefined || end - start !== this.lastParentEnd - this.lastParentStart) return false;
		for (let i = 0, from = this.lastParentStart; i < end - start; i++) if (bytes[start + i] !== last[from + i]) return false;
		return true;
	}

	private rememberParent(bytes: Uint8Array, start: number, end: number, dir: number): number {
		this.lastParentBytes = bytes;
		this.lastParentStart = start;
		this.lastParentEnd = Math.max(start, end);
		this.lastParent = dir;
		return dir;
	}

	/** Walks to a directory, creating implied directories on the way (mkdir -p, through symlinks); returns its id. */
	private makeDirs(bytes: Uint8Array, start: number, end: number, forPath: () => string): number {
		return this.walk([0], bytes, start, end, true, {hops: 0}, forPath)!.at(-1)!;
	}

	/**
	 * Walks from a directory (given as its ancestry, root first) through the
	 * path components of bytes[start..end), resolving symlinks scoped to the
	 * image root as containerd and umoci do: ".." never climbs above "/".
	 * Returns the ancestry of the directory reached. At most 40 symlinks are
	 * followed in all, however they nest (as the kernel counts), and no
	 * directory is made deeper than MAX_PATH_DEPTH.
	 */
	private walk(ancestry: number[], bytes: Uint8Array, start: number, end: number, create: boolean, budget: LookupBudget, forPath: () => string): number[] | undefined {
		const stack = ancestry;
		for (let from = start; from <= end; ) {
			let to = from;
			while (to < end && bytes[to] !== SLASH) to++;
			const partStart = from;
			from = to + 1;
			const length = to - partStart;
			if (length === 0 || (length === 1 && bytes[partStart] === DOT)) continue;
			const dir = stack.at(-1)!;
			if (length === 2 && bytes[partStart] === DOT && bytes[partStart + 1] === DOT) {
				if (stack.length > 1) stack.pop();
				continue;
			}
			let child = this.childNamed(dir, bytes, partStart, to);
			if (child === -1) {
				if (!create) return undefined;
				child = this.paths.intern(dir, bytes, partStart, to);
				this.ensure(child);
				this.own[child] = this.attr[child] = IMPLIED;
				this.append(dir, child);
				this.observer?.implied(child);
			}
			const type = this.typeOf(child);
			if (type === 'symlink') {
				if (++budget.hops > MAX_SYMLINKS_PER_LOOKUP) throw new ApplyError(`too many levels of symbolic links under ${forPath()} (more than ${MAX_SYMLINKS_PER_LOOKUP} followed)`);
				const attr = this.attr[child]!;
				const [target, targetStart, targetEnd] = this.tableOf(attr).linkRange(this.indexOf(attr));
				const absolute = targetEnd > targetStart && target[targetStart] === SLASH;
				const resolved = this.walk(absolute ? [0] : [...stack], target, targetStart, targetEnd, create, budget, forPath);
				if (!resolved) return undefined;
				// Continue from the resolved directory, with its own ancestry for later "..".
				stack.splice(0, stack.length, ...resolved);
				continue;
			}
			if (type !== 'dir') {
				if (!create) return undefined;
				throw new ApplyError(`cannot place ${forPath()}: a parent is a ${type}, not a directory`);
			}
			if (create && stack.length > MAX_PATH_DEPTH) throw new ApplyError(`cannot place ${forPath()}: directories nest more than ${MAX_PATH_DEPTH} deep`);
			stack.push(child);
		}
		return stack;
	}

	/**
	 * Empties a path and everything below it, noting each removal (children
	 * before their directory) to be told by flushRemovals. Iterative, so any
	 * depth fits. The caller unlinks the top from its parent.
	 */
	private removeSubtree(top: number, cause: RemovalCause): void {
		// A walk goes only through directories and symlinks: removing anything else cannot change where one leads.
		const topType = this.typeOf(top);
		if (topType === 'dir' || topType === 'symlink') this.lastParentBytes = undefined;
		const below = cause === 'replaced' ? 'parent-replaced' : cause;
		const causeCode = REMOVAL_CAUSES.indexOf(cause);
		const belowCode = REMOVAL_CAUSES.indexOf(below);
		// Each directory is visited twice: once to push its children, once (after them) to remove itself.
		const stack: number[] = [top];
		const expanded: boolean[] = [false];
		while (stack.length > 0) {
			const id = stack.at(-1)!;
			if (this.typeOf(id) === 'dir' && !expanded.at(-1)) {
				expanded[expanded.length - 1] = true;
				const children = [...this.childIds(id)];
				for (let i = children.length - 1; i >= 0; i--) {
					stack.push(children[i]!);
					expanded.push(false);
				}
				continue;
			}
			stack.pop();
			expanded.pop();
			if (this.observer) this.removals.push(id, this.own[id]!, this.attr[id]!, id === top ? causeCode : belowCode);
			this.own[id] = this.attr[id] = ABSENT;
			this.firstChild[id] = this.lastChild[id] = -1;
		}
	}

	/** Tells the removals noted; a replaced path's replacement is (own, attr). */
	private flushRemovals(replacementOwn: number, replacementAttr: number): void {
		const removals = this.removals;
		if (removals.length === 0) return;
		const observer = this.observer!;
		for (let i = 0; i < removals.length; i += 4) {
			const cause = REMOVAL_CAUSES[removals[i + 3]!]!;
			const replaced = cause === 'replaced';
			observer.removed(removals[i]!, removals[i + 1]!, removals[i + 2]!, cause, replaced ? replacementOwn : ABSENT, replaced ? replacementAttr : ABSENT);
		}
		this.removals = [];
	}

	private append(parent: number, id: number): void {
		const last = this.lastChild[parent]!;
		this.prevSibling[id] = last;
		this.nextSibling[id] = -1;
		if (last === -1) this.firstChild[parent] = id;
		else this.nextSibling[last] = id;
		this.lastChild[parent] = id;
	}

	private unlink(id: number): void {
		const parent = this.paths.parentOf(id);
		const prev = this.prevSibling[id]!;
		const next = this.nextSibling[id]!;
		if (prev === -1) this.firstChild[parent] = next;
		else this.nextSibling[prev] = next;
		if (next === -1) this.lastChild[parent] = prev;
		else this.prevSibling[next] = prev;
		this.prevSibling[id] = this.nextSibling[id] = -1;
	}

	/** Makes the per-path columns reach `id`. */
	private ensure(id: number): void {
		if (id < this.own.length) return;
		const size = Math.max(this.own.length * 2, id + 1);
		const grow = (array: Int32Array, fill: number) => {
			const grown = new Int32Array(size).fill(fill);
			grown.set(array);
			return grown;
		};
		this.own = grow(this.own, ABSENT);
		this.attr = grow(this.attr, ABSENT);
		this.firstChild = grow(this.firstChild, -1);
		this.lastChild = grow(this.lastChild, -1);
		this.nextSibling = grow(this.nextSibling, -1);
		this.prevSibling = grow(this.prevSibling, -1);
	}
}

function lastSlash(bytes: Uint8Array, start: number, end: number): number {
	for (let i = end - 1; i >= start; i--) if (bytes[i] === SLASH) return i;
	return -1;
}

function isRootPath(bytes: Uint8Array): boolean {
	for (const byte of bytes) if (byte !== SLASH) return false;
	return true;
}

/** Visits every path below the root depth-first, children in name order, with its absolute path. Iterative: any depth fits. */
export function* walkTree(fs: FileSystem): Generator<[string, FsNode]> {
	for (const [path, id] of walkIds(fs)) yield [path, fs.node(id)];
}

/** As walkTree, with path ids rather than views. */
export function* walkIds(fs: FileSystem, from = 0, prefix = ''): Generator<[string, number]> {
	if (fs.typeOf(from) !== 'dir' && from !== 0) return;
	// One frame per open directory: its children sorted by name and how far through them the walk is.
	const stack: Array<{path: string; children: number[]; next: number}> = [{path: prefix, children: fs.sortedChildIds(from), next: 0}];
	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		if (frame.next === frame.children.length) {
			stack.pop();
			continue;
		}
		const id = frame.children[frame.next++]!;
		const path = `${frame.path}/${fs.paths.nameOf(id)}`;
		yield [path, id];
		if (fs.typeOf(id) === 'dir') stack.push({path, children: fs.sortedChildIds(id), next: 0});
	}
}


