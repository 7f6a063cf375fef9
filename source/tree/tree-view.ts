/**
 * What the browser reads a tree through: paths that go through a sequence of
 * steps, each step a whole filesystem and a change against the one before.
 * One image's layers implement it (`LayerTrees`: step N is the filesystem
 * after layer N, its change what layer N did); a comparison of two images
 * can implement it with two steps (image A, then image B, whose change is
 * the diff). Nothing that reads a TreeView knows which it is.
 *
 * Paths are small integer ids, stable for the tree's life; a path that
 * exists at no step is never listed. A step's change compares the state at
 * the step before with the state at this step (step 0: with nothing).
 */
export interface TreeView {
	/** The root's id: always a directory, at every step, never listed as a row. */
	readonly root: number;
	/** How many steps (layers) there are. */
	readonly stepCount: number;
	/** Every path listed below the root (each path ever seen, at any step). */
	readonly pathCount: number;

	/** The id of an absolute path ("/a/b"), or undefined when it exists at no step. */
	idOf(path: string): number | undefined;
	pathOf(id: number): string;
	nameOf(id: number): string;
	/** The parent's id; -1 for the root. */
	parentOf(id: number): number;
	/** Every path ever seen directly below this one, in name order (by UTF-16 code units, as strings compare). */
	children(id: number): ArrayLike<number>;

	/** The path's state at a step; null when it does not exist then. */
	stateAt(id: number, step: number): TreeNodeState | null;
	/** The path's type at a step, null when absent: what `stateAt` says, without making an object. */
	typeAt(id: number, step: number): TreeEntryType | null;
	/** Bytes at a step: a file's content, a directory's visible files below it. */
	sizeAt(id: number, step: number): number;

	/** What the step changed at the path itself, or undefined when it did not touch it. */
	changeAt(id: number, step: number): TreeChange | undefined;
	/** The ids the step touched (any order). */
	changedPaths(step: number): ArrayLike<number>;
	/** The children the step touched or that lead to something it touched, in name order (removed ones included). */
	changedChildren(id: number, step: number): ArrayLike<number>;
	/** Bytes the step's changes weigh at or below a path: the new size of what it adds or changes, the old size of what it removes. */
	changeSize(id: number, step: number): number;
	/** How many paths the step added, modified (content), changed in mode or owner only, and removed. */
	changeCounts(step: number): ChangeCounts;
}

export type TreeEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
export type TreeChangeStatus = 'added' | 'modified' | 'removed' | 'unmodified';

/** A path's state at one step: what the file pane shows of it. */
export interface TreeNodeState {
	type: TreeEntryType;
	mode: number;
	uid: number;
	gid: number;
	/** Content bytes of a file or hard link (a directory's own size is 0). */
	size: number;
	linkTarget?: string;
	/** The layer that last set the path (-1: a directory only implied by deeper paths). */
	layer: number;
}

export interface TreeChange {
	status: TreeChangeStatus;
	/** Modified in mode or owner only: the content and type are the same. */
	metadataOnly: boolean;
}

export interface ChangeCounts {
	added: number;
	modified: number;
	metadataOnly: number;
	removed: number;
}
