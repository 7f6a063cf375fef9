import type {EntryType, Layer} from '../model.js';
import {FileSystem, type FsEvent, type FsNode, type RemovalCause} from '../tree/filesystem.js';

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

export interface LayerHistory {
	/** Per layer, its changes, in the order the layer touched the paths. */
	changes: PathChange[][];
	deaths: DeadContent[];
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
 */
export class LayerHistoryBuilder {
	readonly fs = new FileSystem();
	private readonly references = new Map<FsNode, number>();
	private readonly storedIn = new Map<FsNode, number>();
	private readonly deaths: DeadContent[] = [];
	private readonly changes: PathChange[][] = [];
	private storedBytes = 0;

	/** Applies the next layer; `beforeLayer` sees the stack below it first. */
	add(layer: Layer, beforeLayer?: (layer: Layer, below: FileSystem) => void): void {
		if (layer.index !== this.changes.length) throw new Error(`layer ${layer.index} added out of order`);
		beforeLayer?.(layer, this.fs);
		const events: FsEvent[] = [];
		this.fs.apply(layer, layer.index, events);
		for (const event of events) {
			const content = event.node.content;
			if (!content) continue;
			if (event.kind === 'placed') {
				if (!this.storedIn.has(content)) {
					this.storedIn.set(content, layer.index);
					this.storedBytes += content.size;
				}
				this.references.set(content, (this.references.get(content) ?? 0) + 1);
			} else if (event.kind === 'removed') {
				const left = this.references.get(content)! - 1;
				this.references.set(content, left);
				if (left === 0) {
					this.deaths.push({
						path: event.path,
						size: content.size,
						digest: content.digest,
						storedIn: this.storedIn.get(content)!,
						killedBy: layer.index,
						cause: wasteCause(event.cause, content, event.replacement),
					});
				}
			}
		}
		this.changes.push(coalesce(events));
	}

	finish(): LayerHistory {
		let liveBytes = 0;
		for (const [content, count] of this.references) if (count > 0) liveBytes += content.size;
		return {changes: this.changes, deaths: this.deaths, final: this.fs, storedBytes: this.storedBytes, liveBytes};
	}
}

export function buildLayerHistory(layers: Layer[]): LayerHistory {
	const builder = new LayerHistoryBuilder();
	for (const layer of layers) builder.add(layer);
	return builder.finish();
}

function wasteCause(cause: RemovalCause, content: FsNode, replacement: FsNode | undefined): WasteCause {
	if (cause !== 'replaced' || !replacement) return 'removed';
	if (replacement.type !== 'file' && replacement.type !== 'hardlink') return 'replaced';
	return replacement.digest === content.digest ? 'duplicate' : 'overwritten';
}

/** Folds a layer's events into one change per path, in the order the layer first touched them: the state before the layer against the state after it. */
function coalesce(events: FsEvent[]): PathChange[] {
	const byPath = new Map<string, {before: NodeState | null; after: FsNode | null}>();
	for (const event of events) {
		let seen = byPath.get(event.path);
		if (!seen) {
			const before = event.kind === 'removed' ? event.node : event.kind === 'placed' ? event.previous : undefined;
			seen = {before: before ? snapshot(before) : null, after: null};
			byPath.set(event.path, seen);
		}
		seen.after = event.kind === 'removed' ? null : event.node;
	}
	const result: PathChange[] = [];
	for (const [path, {before, after: node}] of byPath) {
		const after = node ? snapshot(node) : null;
		if (!before && !after) continue; // created and gone within the layer
		result.push(describeChange(path, before, after));
	}
	return result;
}

export function describeChange(path: string, before: NodeState | null, after: NodeState | null): PathChange {
	if (!before) return {path, status: 'added', metadataOnly: false, before, after};
	if (!after) return {path, status: 'removed', metadataOnly: false, before, after};
	const sameContent = kindOf(before.type) === kindOf(after.type) && before.digest === after.digest && before.linkTarget === after.linkTarget;
	const sameMetadata = before.mode === after.mode && before.uid === after.uid && before.gid === after.gid;
	if (sameContent && sameMetadata) return {path, status: 'unmodified', metadataOnly: false, before, after};
	return {path, status: 'modified', metadataOnly: sameContent, before, after};
}

/** A hard link is a file with another name: comparing them, only the bytes count. */
function kindOf(type: EntryType): EntryType {
	return type === 'hardlink' ? 'file' : type;
}

/** Only directories change in place (a directory entry merges over one); any other node is never mutated and is its own record. */
function snapshot(node: FsNode): NodeState {
	if (node.type !== 'dir') return node;
	const state: NodeState = {type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, size: node.size, layer: node.layer};
	if (node.digest !== undefined) state.digest = node.digest;
	if (node.linkTarget !== undefined) state.linkTarget = node.linkTarget;
	return state;
}
