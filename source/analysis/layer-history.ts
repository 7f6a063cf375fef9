import type {EntryType, Layer} from '../model.js';
import {ABSENT, FileSystem, type FileSystemState, type FsObserver, type RemovalCause} from '../tree/filesystem.js';
import {grown} from '../typed-arrays.js';

/** A path's state at one moment; directories carry their own size (0), not their contents'. */
export interface NodeState {
	type: EntryType;
	mode: number;
	uid: number;
	gid: number;
	size: number;
	digest?: string;
	linkTarget?: string;
	/** The layer that last set the path (-1: a directory implied by deeper paths). */
	layer: number;
}

export type ChangeStatus = 'added' | 'modified' | 'removed' | 'unmodified';

/** What one layer did to one path, compared with the stack below it. */
export interface PathChange {
	path: string;
	status: ChangeStatus;
	/** Modified, but only in mode or owner: the content and type are the same. */
	metadataOnly: boolean;
	before: NodeState | null;
	after: NodeState | null;
}

export type WasteCause = 'removed' | 'overwritten' | 'duplicate' | 'replaced';

/** Bytes a layer stored that are not in the final filesystem, and who made them so. */
export interface DeadContent {
	path: string;
	size: number;
	digest: string | undefined;
	storedIn: number;
	killedBy: number;
	cause: WasteCause;
}

const STATUSES: ChangeStatus[] = ['added', 'modified', 'removed', 'unmodified'];
const ADDED = 0;
const MODIFIED = 1;
const REMOVED = 2;
const UNMODIFIED = 3;
const METADATA_ONLY = 4;

/**
 * One layer's changes as columns: per change a path id, a status, and the
 * states before and after as (own, attr) ref pairs of the filesystem (ABSENT
 * when the path did not exist). PathChange objects are made on demand.
 */
export class ChangeList implements Iterable<PathChange> {
	constructor(
		private readonly fs: FileSystem,
		private readonly pathIds: Int32Array,
		/** Status code, | METADATA_ONLY. */
		private readonly codes: Uint8Array,
		/** Four refs per change: before own, before attr, after own, after attr. */
		private readonly states: Int32Array,
	) {}

	get length(): number {
		return this.pathIds.length;
	}

	/** The same changes read through another filesystem whose refs are this one's (a clone of it). */
	on(fs: FileSystem): ChangeList {
		return new ChangeList(fs, this.pathIds, this.codes, this.states);
	}

	/** The columns themselves (a kept history, see HistoryState). */
	columns(): ChangeColumns {
		return {pathIds: this.pathIds, codes: this.codes, states: this.states};
	}

	pathId(index: number): number {
		return this.pathIds[index]!;
	}

	pathOf(index: number): string {
		return this.fs.pathOf(this.pathIds[index]!);
	}

	status(index: number): ChangeStatus {
		return STATUSES[this.codes[index]! & 3]!;
	}

	metadataOnly(index: number): boolean {
		return (this.codes[index]! & METADATA_ONLY) !== 0;
	}

	before(index: number): NodeState | null {
		return this.stateAt(index, 0);
	}

	after(index: number): NodeState | null {
		return this.stateAt(index, 2);
	}

	/** The state after the change as the filesystem's (own, attr) refs (ABSENT: gone), for readers of the columns (the browser's tree index). */
	afterOwn(index: number): number {
		return this.states[index * 4 + 2]!;
	}

	afterAttr(index: number): number {
		return this.states[index * 4 + 3]!;
	}

	at(index: number): PathChange {
		return this.change(index, this.pathOf(index));
	}

	/** Every change in order; paths are built from their directory's, remembered for the walk (a layer's changes share directories). */
	*[Symbol.iterator](): Iterator<PathChange> {
		for (const [i, path] of this.paths()) yield this.change(i, path);
	}

	/** [index, path] of every change in order (of those `only` keeps), paths built as the iterator builds them. */
	*paths(only?: (index: number) => boolean): Generator<[number, string]> {
		const dirs = new Map<number, string>();
		const paths = this.fs.paths;
		// Up to the nearest directory already known, then down again: iterative, any depth fits.
		const dirPath = (id: number): string => {
			const missing: number[] = [];
			let known: string | undefined;
			for (; id !== 0 && (known = dirs.get(id)) === undefined; id = paths.parentOf(id)) missing.push(id);
			let path = id === 0 ? '' : known!;
			for (let i = missing.length - 1; i >= 0; i--) dirs.set(missing[i]!, (path = `${path}/${paths.nameOf(missing[i]!)}`));
			return path;
		};
		for (let i = 0; i < this.length; i++) {
			if (only && !only(i)) continue;
			const id = this.pathIds[i]!;
			yield [i, id === 0 ? '/' : `${dirPath(paths.parentOf(id))}/${paths.nameOf(id)}`];
		}
	}

	private change(index: number, path: string): PathChange {
		return {path, status: this.status(index), metadataOnly: this.metadataOnly(index), before: this.before(index), after: this.after(index)};
	}

	private stateAt(index: number, which: number): NodeState | null {
		const own = this.states[index * 4 + which]!;
		const attr = this.states[index * 4 + which + 1]!;
		if (own === ABSENT) return null;
		return this.fs.nodeState(own, attr);
	}
}

/** A ChangeList's columns. */
export interface ChangeColumns {
	pathIds: Int32Array;
	codes: Uint8Array;
	states: Int32Array;
}

/** What LayerHistoryBuilder knows after its layers (exportState), without the layers' entry tables. */
export interface HistoryState {
	fs: FileSystemState;
	references: Int32Array<ArrayBuffer>;
	stored: Uint8Array<ArrayBuffer>;
	deaths: DeadContent[];
	deathPaths: Int32Array;
	changes: ChangeColumns[];
	storedBytes: number;
}

export interface LayerHistory {
	/** Per layer, its changes, in the order the layer touched the paths. */
	changes: ChangeList[];
	deaths: DeadContent[];
	/** Per death (same order): the path id it died at, so a reader can place it without its path string. */
	deathPathIds: Int32Array;
	final: FileSystem;
	/** Content bytes stored by all layers (every file entry, hard links excepted). */
	storedBytes: number;
	/** Content bytes of the final filesystem, each stored file once however many links show it. */
	liveBytes: number;
}

/**
 * Stacks the layers once, in order, and records what each did: the per-path
 * changes against the stack below, and every stored file whose bytes stop
 * being visible (the moment its last path goes), with the cause. Layers are
 * added one at a time, so stacking can run while later layers are still read.
 * Per stored file it keeps two numbers (paths showing it, whether counted),
 * per path touched in a layer a few: no object per file.
 */
export class LayerHistoryBuilder implements FsObserver {
	readonly fs: FileSystem = new FileSystem();
	/** Per content ref: how many paths show it now. */
	private references = new Int32Array(64);
	/** Per content ref: 1 once its bytes are counted as stored. */
	private stored = new Uint8Array(64);
	private deaths: DeadContent[] = [];
	private deathPaths: number[] = [];
	/** Paths of the directories the layer's deaths were in, by id (a path id's path never changes). */
	private readonly dirPaths = new Map<number, string>();
	private changes: ChangeList[] = [];
	private storedBytes = 0;
	private layer = 0;

	// The layer being applied: the paths it touches in first-touch order, their state before, whether gone at the end.
	private touched = new Int32Array(64);
	private touchedBefore = new Int32Array(128);
	private touchedRemoved = new Uint8Array(64);
	private touchedCount = 0;
	/** Per path id: 1 + the layer that last touched it, and where in `touched` it sits. */
	private touchStamp = new Int32Array(64);
	private touchSlot = new Int32Array(64);

	/**
	 * The history so far on a copy of the stack: another image whose first layers are these (a diff's two, over
	 * their shared base) goes on from it. The records made so far are not changed later, so both share them.
	 */
	clone(): LayerHistoryBuilder {
		const copy = new LayerHistoryBuilder();
		(copy as {fs: FileSystem}).fs = this.fs.clone();
		copy.references = this.references.slice();
		copy.stored = this.stored.slice();
		copy.deaths = this.deaths.slice();
		copy.deathPaths = this.deathPaths.slice();
		copy.changes = this.changes.map(changes => changes.on(copy.fs));
		copy.storedBytes = this.storedBytes;
		copy.layer = this.layer;
		// The per-layer scratch (touched, touchStamp, …) starts empty: its stamps name layers from the next one on.
		return copy;
	}

	/** The history after the layers added so far, as arrays and records (the per-layer scratch is not in it: it starts empty for every layer). */
	exportState(): HistoryState {
		return {
			fs: this.fs.exportState(),
			references: this.references,
			stored: this.stored,
			deaths: this.deaths,
			deathPaths: Int32Array.from(this.deathPaths),
			changes: this.changes.map(changes => changes.columns()),
			storedBytes: this.storedBytes,
		};
	}

	/**
	 * The builder as exportState left it, over the very layers it had added
	 * (their entry tables are where its refs point), or null when the state
	 * cannot be theirs: the stack's own checks (FileSystem.fromState), and
	 * every change's path and refs within the stack, every death placed.
	 */
	static fromState(state: HistoryState, layers: readonly Layer[]): LayerHistoryBuilder | null {
		const fs = FileSystem.fromState(state.fs, layers);
		if (!fs || !(state.references instanceof Int32Array) || !(state.stored instanceof Uint8Array) || state.references.length !== state.stored.length) return null;
		if (!Array.isArray(state.deaths) || !(state.deathPaths instanceof Int32Array) || state.deaths.length !== state.deathPaths.length) return null;
		if (!Array.isArray(state.changes) || state.changes.length !== layers.length || typeof state.storedBytes !== 'number') return null;
		const [paths, refs] = [fs.paths.size, fs.refCount];
		const isLayer = (index: number) => Number.isInteger(index) && index >= 0 && index < layers.length;
		// Indexed loops: a typed array's iterator is several times slower before the code is optimised, and this runs once per run.
		const deathPaths = state.deathPaths;
		for (let i = 0; i < deathPaths.length; i++) if (deathPaths[i]! < 0 || deathPaths[i]! >= paths) return null;
		for (const death of state.deaths) if (typeof death !== 'object' || death === null || !isLayer(death.storedIn) || !isLayer(death.killedBy)) return null;
		for (const {pathIds, codes, states} of state.changes) {
			if (!(pathIds instanceof Int32Array) || !(codes instanceof Uint8Array) || !(states instanceof Int32Array) || codes.length !== pathIds.length || states.length !== pathIds.length * 4) return null;
			for (let i = 0; i < pathIds.length; i++) if (pathIds[i]! < 0 || pathIds[i]! >= paths) return null;
			for (let i = 0; i < states.length; i++) if (states[i]! < ABSENT || states[i]! >= refs) return null;
			for (let i = 0; i < codes.length; i++) if (codes[i]! > (UNMODIFIED | METADATA_ONLY)) return null;
		}
		const builder = new LayerHistoryBuilder();
		(builder as {fs: FileSystem}).fs = fs;
		builder.references = state.references;
		builder.stored = state.stored;
		builder.deaths = state.deaths;
		builder.deathPaths = Array.from({length: deathPaths.length}, (_, i) => deathPaths[i]!);
		builder.changes = state.changes.map(({pathIds, codes, states}) => new ChangeList(fs, pathIds, codes, states));
		builder.storedBytes = state.storedBytes;
		builder.layer = layers.length - 1;
		return builder;
	}

	/** Applies the next layer; `beforeLayer` sees the stack below it first. */
	add(layer: Layer, beforeLayer?: (layer: Layer, below: FileSystem) => void): void {
		if (layer.index !== this.changes.length) throw new Error(`layer ${layer.index} added out of order`);
		beforeLayer?.(layer, this.fs);
		this.layer = layer.index;
		this.touchedCount = 0;
		this.fs.apply(layer, layer.index, this);
		this.dirPaths.clear();
		this.changes.push(this.coalesce());
	}

	finish(): LayerHistory {
		let liveBytes = 0;
		const fs = this.fs;
		for (let ref = 0; ref < Math.min(this.references.length, fs.refCount); ref++) if (this.references[ref]! > 0) liveBytes += fs.sizeOfState(ref);
		return {changes: this.changes, deaths: this.deaths, deathPathIds: Int32Array.from(this.deathPaths), final: fs, storedBytes: this.storedBytes, liveBytes};
	}

	// FsObserver: told by the filesystem as the layer is applied.

	placed(path: number, own: number, attr: number, previousOwn: number, previousAttr: number): void {
		this.touch(path, previousOwn, previousAttr, false);
		const content = this.fs.contentOfState(path, attr);
		if (content < 0) return;
		this.ensureRefs(content);
		if (!this.stored[content]) {
			this.stored[content] = 1;
			this.storedBytes += this.fs.sizeOfState(content);
		}
		this.references[content]!++;
	}

	removed(path: number, own: number, attr: number, cause: RemovalCause, replacementOwn: number, replacementAttr: number): void {
		this.touch(path, own, attr, true);
		const content = this.fs.contentOfState(path, attr);
		if (content < 0) return;
		this.ensureRefs(content);
		const left = --this.references[content]!;
		if (left !== 0) return;
		const fs = this.fs;
		this.deathPaths.push(path);
		this.deaths.push({
			path: this.deadPath(path),
			size: fs.sizeOfState(content),
			digest: fs.digestOfState(content),
			storedIn: fs.layerOfRef(content),
			killedBy: this.layer,
			cause: this.wasteCause(cause, content, replacementOwn, replacementAttr),
		});
	}

	/** A dead path's name, built on its directory's path as the layer's other deaths there left it. */
	private deadPath(path: number): string {
		const paths = this.fs.paths;
		const parent = paths.parentOf(path);
		return `${this.directoryPath(parent)}/${paths.nameOf(path)}`;
	}

	/** A directory's path ("" for the root), remembered for the layer: its deaths mostly share directories. */
	private directoryPath(dir: number): string {
		const paths = this.fs.paths;
		// Up to the nearest directory already known, then down again: iterative, any depth fits.
		const missing: number[] = [];
		let at = dir;
		let known: string | undefined;
		while (at !== 0 && (known = this.dirPaths.get(at)) === undefined) {
			missing.push(at);
			at = paths.parentOf(at);
		}
		let path = at === 0 ? '' : known!;
		for (let i = missing.length - 1; i >= 0; i--) {
			path = `${path}/${paths.nameOf(missing[i]!)}`;
			this.dirPaths.set(missing[i]!, path);
		}
		return path;
	}

	implied(path: number): void {
		this.touch(path, ABSENT, ABSENT, false);
	}

	private wasteCause(cause: RemovalCause, content: number, replacementOwn: number, replacementAttr: number): WasteCause {
		if (cause !== 'replaced' || replacementOwn === ABSENT) return 'removed';
		const type = this.fs.typeOfState(replacementOwn, replacementAttr);
		if (type !== 'file' && type !== 'hardlink') return 'replaced';
		return this.fs.sameDigest(replacementAttr, content) ? 'duplicate' : 'overwritten';
	}

	/** Notes that the layer touched a path: its first touch keeps the state before; every touch says whether it is gone. */
	private touch(path: number, beforeOwn: number, beforeAttr: number, removed: boolean): void {
		this.ensurePaths(path);
		let slot: number;
		if (this.touchStamp[path] === this.layer + 1) {
			slot = this.touchSlot[path]!;
		} else {
			slot = this.touchedCount++;
			if (slot === this.touched.length) this.growTouched();
			this.touchStamp[path] = this.layer + 1;
			this.touchSlot[path] = slot;
			this.touched[slot] = path;
			this.touchedBefore[slot * 2] = beforeOwn;
			this.touchedBefore[slot * 2 + 1] = beforeAttr;
		}
		this.touchedRemoved[slot] = removed ? 1 : 0;
	}

	/** Folds the layer's touches into one change per path, in first-touch order: the state before the layer against the state after it. */
	private coalesce(): ChangeList {
		const fs = this.fs;
		const count = this.touchedCount;
		const pathIds = new Int32Array(count);
		const codes = new Uint8Array(count);
		const states = new Int32Array(count * 4);
		let kept = 0;
		for (let slot = 0; slot < count; slot++) {
			const path = this.touched[slot]!;
			const beforeOwn = this.touchedBefore[slot * 2]!;
			const beforeAttr = this.touchedBefore[slot * 2 + 1]!;
			// A path not gone at the end holds what its last touch left: its state now.
			const afterOwn = this.touchedRemoved[slot] ? ABSENT : fs.ownOf(path);
			const afterAttr = this.touchedRemoved[slot] ? ABSENT : fs.attrOf(path);
			if (beforeOwn === ABSENT && afterOwn === ABSENT) continue; // created and gone within the layer
			pathIds[kept] = path;
			codes[kept] = this.describe(beforeOwn, beforeAttr, afterOwn, afterAttr);
			states.set([beforeOwn, beforeAttr, afterOwn, afterAttr], kept * 4);
			kept++;
		}
		return new ChangeList(fs, pathIds.slice(0, kept), codes.slice(0, kept), states.slice(0, kept * 4));
	}

	private describe(beforeOwn: number, beforeAttr: number, afterOwn: number, afterAttr: number): number {
		if (beforeOwn === ABSENT) return ADDED;
		if (afterOwn === ABSENT) return REMOVED;
		const fs = this.fs;
		const sameContent =
			kindOf(fs.typeOfState(beforeOwn, beforeAttr)) === kindOf(fs.typeOfState(afterOwn, afterAttr)) &&
			fs.sameDigest(beforeAttr, afterAttr) &&
			fs.sameLinkTarget(beforeOwn, beforeAttr, afterOwn, afterAttr);
		const sameMetadata = fs.modeOfState(beforeAttr) === fs.modeOfState(afterAttr) && fs.uidOfState(beforeAttr) === fs.uidOfState(afterAttr) && fs.gidOfState(beforeAttr) === fs.gidOfState(afterAttr);
		if (sameContent && sameMetadata) return UNMODIFIED;
		return MODIFIED | (sameContent ? METADATA_ONLY : 0);
	}

	private ensureRefs(ref: number): void {
		if (ref < this.references.length) return;
		const size = Math.max(this.references.length * 2, this.fs.refCount, ref + 1);
		this.references = grown(this.references, size);
		this.stored = grown(this.stored, size);
	}


	private ensurePaths(path: number): void {
		if (path < this.touchStamp.length) return;
		const size = Math.max(this.touchStamp.length * 2, path + 1);
		this.touchStamp = grown(this.touchStamp, size);
		this.touchSlot = grown(this.touchSlot, size);
	}


	private growTouched(): void {
		const size = this.touched.length * 2;
		this.touched = grown(this.touched, size);
		this.touchedBefore = grown(this.touchedBefore, size * 2);
		this.touchedRemoved = grown(this.touchedRemoved, size);
	}

}

/**
 * Whether the layers `from`… of `image` only add, which is what a report kept for the layers below can go
 * on over (extendPackages, extendWaste): no whiteout or opaque directory, and every change a path that was
 * not there, or a directory declared again that stays one. `added` sees each added path (its id, its type
 * in the final filesystem, its layer) and may refuse it.
 */
export function onlyAdds(image: {layers: readonly Layer[]}, history: LayerHistory, from: number, added: (id: number, type: EntryType, layer: number) => boolean): boolean {
	const fs = history.final;
	for (let index = from; index < image.layers.length; index++) {
		const layer = image.layers[index]!;
		if (layer.whiteouts.length > 0 || layer.opaqueDirs.length > 0) return false;
		const changes = history.changes[index]!;
		for (let i = 0; i < changes.length; i++) {
			const id = changes.pathId(i);
			const type = fs.typeOf(id);
			if (changes.status(i) !== 'added') {
				// A directory that stays one (a build's WORKDIR declared again, its mode changed): directories own and hold nothing.
				if (type === 'dir' && changes.before(i)?.type === 'dir') continue;
				return false;
			}
			if (!added(id, type, index)) return false;
		}
	}
	return true;
}

export function buildLayerHistory(layers: Layer[]): LayerHistory {
	const builder = new LayerHistoryBuilder();
	for (const layer of layers) builder.add(layer);
	return builder.finish();
}

/** A hard link is a file with another name: comparing them, only the bytes count. */
/** What a change compares as the type: a hard link is the file it shows. */
export function kindOf(type: EntryType): EntryType {
	return type === 'hardlink' ? 'file' : type;
}

