import type {FinalFiles} from '../analysis/final-files.js';
import {kindOf} from '../analysis/layer-history.js';
import type {EntryType} from '../model.js';
import type {FileSystem, FsNode} from '../tree/filesystem.js';
import type {SharedStack} from './final-stacks.js';

export type DiffStatus = 'added' | 'removed' | 'modified';

const STATUSES: DiffStatus[] = ['added', 'removed', 'modified'];
const ADDED = 0;
const REMOVED = 1;
const MODIFIED = 2;
/** Set beside MODIFIED: only mode or owner changed. */
const METADATA_ONLY = 4;

/**
 * The paths that differ between two filesystems, in tree order (depth
 * first, names in order), as columns: per differing path a status byte and
 * its path id on each side (-1 where absent), about ten bytes a path.
 * Nodes and paths are made when asked for, from the filesystems.
 */
export class FileDiff {
	/** Index of the other half of an unambiguous move (an added file that is a removed one under a new path). */
	private readonly moves = new Map<number, number>();
	readonly a: FileSystem;
	readonly b: FileSystem;

	constructor(
		/** Each side's paths in walk order: what every later pass over both sides reads, instead of walking them again. */
		readonly orderA: FinalFiles,
		readonly orderB: FinalFiles,
		private readonly codes: Uint8Array,
		private readonly aIds: Int32Array,
		private readonly bIds: Int32Array,
	) {
		this.a = orderA.fs;
		this.b = orderB.fs;
		this.markMoves();
	}

	get length(): number {
		return this.codes.length;
	}

	status(index: number): DiffStatus {
		return STATUSES[this.codes[index]! & 3]!;
	}

	/** Modified only in mode or owner: the type, content and link target are the same. */
	metadataOnly(index: number): boolean {
		return (this.codes[index]! & METADATA_ONLY) !== 0;
	}

	/** The differing path's id in A's filesystem and in B's (-1 where it is absent). */
	idInA(index: number): number {
		return this.aIds[index]!;
	}

	idInB(index: number): number {
		return this.bIds[index]!;
	}

	path(index: number): string {
		const inB = this.bIds[index]!;
		return inB === -1 ? this.a.pathOf(this.aIds[index]!) : this.b.pathOf(inB);
	}

	before(index: number): FsNode | null {
		const id = this.aIds[index]!;
		return id === -1 ? null : this.a.node(id);
	}

	after(index: number): FsNode | null {
		const id = this.bIds[index]!;
		return id === -1 ? null : this.b.node(id);
	}

	/** The type on each side (null where absent), without making a node. */
	types(index: number): {before: EntryType | null; after: EntryType | null} {
		const a = this.aIds[index]!;
		const b = this.bIds[index]!;
		return {before: a === -1 ? null : this.a.typeOf(a), after: b === -1 ? null : this.b.typeOf(b)};
	}

	/** Content bytes on each side: a file's (or hard link's) size, 0 for everything else and where absent. */
	sizes(index: number): {before: number; after: number} {
		const a = this.aIds[index]!;
		const b = this.bIds[index]!;
		return {before: a === -1 ? 0 : this.a.sizeOf(a), after: b === -1 ? 0 : this.b.sizeOf(b)};
	}

	/** For an added file that was moved: the index of its removed original; for a removed one, of its new path. */
	movedWith(index: number): number | undefined {
		return this.moves.get(index);
	}

	/**
	 * A move is unambiguous when exactly one removed file and exactly one added
	 * file hold some content (same digest, not empty): then the added file is
	 * the removed one under a new path. Two candidates on either side, and it
	 * is left as a removal and an addition.
	 */
	private markMoves(): void {
		const removed = new Map<string, number>();
		const added = new Map<string, number>();
		const note = (map: Map<string, number>, digest: string, index: number) => map.set(digest, map.has(digest) ? -1 : index);
		for (let index = 0; index < this.length; index++) {
			const code = this.codes[index]! & 3;
			if (code === MODIFIED) continue;
			const node = code === REMOVED ? this.before(index)! : this.after(index)!;
			if (node.type !== 'file' || node.size === 0 || node.digest === undefined) continue;
			note(code === REMOVED ? removed : added, node.digest, index);
		}
		for (const [digest, from] of removed) {
			const to = added.get(digest);
			if (from === -1 || to === undefined || to === -1) continue;
			this.moves.set(from, to);
			this.moves.set(to, from);
		}
	}
}

/**
 * Walks both filesystems at once, in the same order (each side's FinalFiles:
 * its paths depth first, names in order): one pass over each, comparing
 * common paths through the entry tables, without a node per path.
 * "Modified" is what the analysis calls modified when a layer rewrites a
 * path: another type (a hard link counts as a file), content digest, link
 * target, mode or owner; never mtime (as a layer's change is described).
 */
export function diffFilesystems(orderA: FinalFiles, orderB: FinalFiles, shared?: SharedStack): FileDiff {
	if (shared) return diffFromSharedStack(orderA, orderB, shared);
	const [a, b] = [orderA.fs, orderB.fs];
	const {push, finish} = differences();
	const left = orderA.paths();
	const right = orderB.paths();
	let l = left.next();
	let r = right.next();
	while (!l.done || !r.done) {
		const order = l.done ? 1 : r.done ? -1 : compareTreeOrder(l.value[0], r.value[0]);
		if (order < 0) {
			push(REMOVED, l.value![1], -1);
			l = left.next();
		} else if (order > 0) {
			push(ADDED, -1, r.value![1]);
			r = right.next();
		} else {
			const code = compareStates(a, l.value![1], b, r.value![1]);
			if (code !== SAME) push(code, l.value![1], r.value![1]);
			l = left.next();
			r = right.next();
		}
	}
	return finish(orderA, orderB);
}

const SAME = -1;

/** The differing paths as a walk finds them: a status code and each side's path id (-1: not on that side). */
function differences(): {push: (code: number, inA: number, inB: number) => void; finish: (orderA: FinalFiles, orderB: FinalFiles) => FileDiff} {
	const codes: number[] = [];
	const aIds: number[] = [];
	const bIds: number[] = [];
	return {
		push(code, inA, inB) {
			codes.push(code);
			aIds.push(inA);
			bIds.push(inB);
		},
		finish: (orderA, orderB) => new FileDiff(orderA, orderB, Uint8Array.from(codes), Int32Array.from(aIds), Int32Array.from(bIds)),
	};
}

/**
 * diffFilesystems for two filesystems stacked on one shared stack
 * (compare/final-stacks.ts): the same walk over positions, but a directory
 * at the same shared id on both sides that neither side's own layers
 * touched is passed over whole (its subtrees are the shared stack's on both
 * sides), and a path is spelled only where the two walks must be ordered
 * by name (ids from the shared table name one path on both sides; others
 * may not). On a next build (one new layer over 105,000 paths) it visits
 * the new layer's paths and their directories, not every path.
 */
function diffFromSharedStack(orderA: FinalFiles, orderB: FinalFiles, {below, touchedA, touchedB}: SharedStack): FileDiff {
	const [a, b] = [orderA.fs, orderB.fs];
	const {push, finish} = differences();
	let [l, r] = [0, 0];
	while (l < orderA.length || r < orderB.length) {
		const idA = l < orderA.length ? orderA.ids[l]! : -1;
		const idB = r < orderB.length ? orderB.ids[r]! : -1;
		const order = l === orderA.length ? 1 : r === orderB.length ? -1 : idA === idB && idA < below ? 0 : compareTreeOrder(a.pathOf(idA), b.pathOf(idB));
		if (order < 0) {
			push(REMOVED, idA, -1);
			l++;
		} else if (order > 0) {
			push(ADDED, -1, idB);
			r++;
		} else if (idA === idB && idA < below && !touchedA.has(idA) && !touchedB.has(idA)) {
			// As the shared stack left it on both sides, with all below it.
			l = orderA.endOf(l);
			r = orderB.endOf(r);
		} else {
			const code = compareStates(a, idA, b, idB);
			if (code !== SAME) push(code, idA, idB);
			l++;
			r++;
		}
	}
	return finish(orderA, orderB);
}

/**
 * A path on both sides: SAME, MODIFIED, or MODIFIED | METADATA_ONLY, by the
 * rule a layer's change is described with (layer-history.ts): the type (a
 * hard link is the file it shows), the content digest and the link target
 * decide the content; mode and owner the metadata. Read from the entry
 * tables, without a node.
 */
function compareStates(a: FileSystem, aId: number, b: FileSystem, bId: number): number {
	const [ownA, attrA, ownB, attrB] = [a.ownOf(aId), a.attrOf(aId), b.ownOf(bId), b.attrOf(bId)];
	const sameContent = kindOf(a.typeOfState(ownA, attrA)) === kindOf(b.typeOfState(ownB, attrB)) && a.sameDigestIn(attrA, b, attrB) && a.sameLinkTargetIn(ownA, attrA, b, ownB, attrB);
	const sameMetadata = a.modeOfState(attrA) === b.modeOfState(attrB) && a.uidOfState(attrA) === b.uidOfState(attrB) && a.gidOfState(attrA) === b.gidOfState(attrB);
	if (sameContent && sameMetadata) return SAME;
	return MODIFIED | (sameContent ? METADATA_ONLY : 0);
}

/**
 * The order walkIds visits paths in: a parent before its children, and
 * siblings by name (compared as JavaScript strings, as the walk sorts
 * them). Plain string order differs: "/a-b" sorts before "/a/c", but the
 * walk visits "/a/c" (inside "/a") first.
 */
export function compareTreeOrder(x: string, y: string): number {
	if (x === y) return 0;
	const shorter = Math.min(x.length, y.length);
	let i = 0;
	while (i < shorter && x.charCodeAt(i) === y.charCodeAt(i)) i++;
	// The component the two paths part in starts after the last slash they share.
	const start = x.lastIndexOf('/', i - 1) + 1;
	const xName = componentAt(x, start);
	const yName = componentAt(y, start);
	if (xName !== yName) return xName < yName ? -1 : 1;
	// Same component: one path goes on below it, and the parent comes first.
	return x.length - y.length;
}

function componentAt(path: string, start: number): string {
	const end = path.indexOf('/', start);
	return path.slice(start, end === -1 ? path.length : end);
}


