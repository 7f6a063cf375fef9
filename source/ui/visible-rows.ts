import type {Analysis} from '../analysis/analyse.js';
import type {ChangeStatus, NodeState} from '../analysis/layer-history.js';

export type TreeView = 'layer' | 'aggregated';

export interface TreeOptions {
	layer: number;
	view: TreeView;
	/** Directories whose folding differs from the default. */
	collapsed: ReadonlySet<number>;
	/** Every directory starts folded (big trees) instead of open. */
	foldAll: boolean;
	filter: string;
	hidden: Readonly<Record<ChangeStatus, boolean>>;
	sort: 'name' | 'size';
}

/** One line of the file tree; formatting waits until the row is on screen. */
export interface Row {
	id: number;
	path: string;
	depth: number;
	/** Tree guides for the ancestors and this row: "│   ├── ". */
	guide: string;
	name: string;
	state: NodeState;
	status: ChangeStatus;
	metadataOnly: boolean;
	size: number;
	isDir: boolean;
	collapsed: boolean;
}

/** A filter is a regular expression when it compiles, else a plain substring; both ignore case. */
export function filterMatcher(filter: string): ((path: string) => boolean) | undefined {
	if (filter === '') return undefined;
	try {
		const pattern = new RegExp(filter, 'i');
		return path => pattern.test(path);
	} catch {
		const needle = filter.toLowerCase();
		return path => path.toLowerCase().includes(needle);
	}
}

/**
 * Flattens the tree the file pane shows into rows, once per change of layer,
 * view, folding, filter, hidden statuses or sort; scrolling slices the result.
 * Filters and hidden statuses work on the layer's whole flat tree (built once
 * per layer, ahead of time by `prepareFlatRows`) in two linear passes.
 */
export function visibleRows(analysis: Analysis, options: TreeOptions): Row[] {
	const matcher = filterMatcher(options.filter);
	if (matcher || Object.values(options.hidden).some(Boolean)) return filterFlat(flatRows(analysis, options), options, matcher);
	return walkRows(analysis, options);
}

const flatCache = new WeakMap<Analysis, {key: string; rows: Row[]}>();

/** Every row of the layer's tree, all folders open: what filtering scans. One layer's worth is kept. */
function flatRows(analysis: Analysis, options: TreeOptions): Row[] {
	const key = `${options.layer} ${options.view} ${options.sort}`;
	const cached = flatCache.get(analysis);
	if (cached?.key === key) return cached.rows;
	const rows = walkRows(analysis, {...options, filter: '', hidden: {added: false, modified: false, removed: false, unmodified: false}, collapsed: new Set(), foldAll: false});
	flatCache.set(analysis, {key, rows});
	return rows;
}

/** Builds the flat tree for a layer before anyone types a filter, so the first keystroke is as quick as the rest. */
export function prepareFlatRows(analysis: Analysis, options: Pick<TreeOptions, 'layer' | 'view' | 'sort'>): void {
	flatRows(analysis, {...options, collapsed: new Set(), foldAll: false, filter: '', hidden: {added: false, modified: false, removed: false, unmodified: false}});
}

/**
 * Keeps the rows that pass the filter and hidden statuses, with the
 * directories leading to them, and redraws the tree guides for what is left.
 * While filtering, folded directories open to show their matches.
 */
function filterFlat(flat: readonly Row[], options: TreeOptions, matcher: ((path: string) => boolean) | undefined): Row[] {
	const count = flat.length;
	const keep = new Uint8Array(count);
	const last = new Uint8Array(count);
	// Backwards, children come before their directory: whether any child stays, and which is the last one.
	const keptBelow: boolean[] = [];
	const seenSibling: boolean[] = [];
	for (let index = count - 1; index >= 0; index--) {
		const row = flat[index]!;
		const depth = row.depth;
		const own = !options.hidden[row.status] && (!matcher || matcher(row.path));
		let kept = own;
		if (row.isDir) {
			const hasChildren = index + 1 < count && flat[index + 1]!.depth > depth;
			kept = (keptBelow[depth + 1] ?? false) || (own && (matcher !== undefined || !hasChildren));
			keptBelow[depth + 1] = false;
			seenSibling[depth + 1] = false;
		}
		if (kept) {
			keep[index] = 1;
			if (!seenSibling[depth]) last[index] = 1;
			seenSibling[depth] = true;
			keptBelow[depth] = true;
		}
	}
	const rows: Row[] = [];
	const prefixes: string[] = [''];
	let skipBelow = -1;
	for (let index = 0; index < count; index++) {
		if (!keep[index]) continue;
		const row = flat[index]!;
		if (skipBelow !== -1 && row.depth > skipBelow) continue;
		skipBelow = -1;
		const isLast = last[index] === 1;
		const prefix = prefixes[row.depth] ?? '';
		const collapsed = !matcher && row.isDir && options.foldAll !== options.collapsed.has(row.id);
		rows.push({...row, guide: prefix + (isLast ? '└── ' : '├── '), collapsed});
		prefixes[row.depth + 1] = prefix + (isLast ? '    ' : '│   ');
		if (collapsed) skipBelow = row.depth;
	}
	return rows;
}

/** The tree as it is shown without a filter: depth first, folded directories closed. */
function walkRows(analysis: Analysis, options: TreeOptions): Row[] {
	const trees = analysis.trees;
	const rows: Row[] = [];

	const entryOf = (id: number) => {
		const change = trees.changeAt(id, options.layer);
		const removed = change?.status === 'removed';
		const state = removed ? change.before! : trees.stateAt(id, options.layer);
		if (!state) return undefined;
		const size = options.view === 'layer' || removed ? trees.changeSize(id, options.layer) : trees.sizeAt(id, options.layer);
		return {id, state, status: change?.status ?? ('unmodified' as ChangeStatus), metadataOnly: change?.metadataOnly ?? false, size};
	};
	/** A directory's children as this view shows them, each looked up once. */
	const entriesOf = (id: number) => {
		const ids = options.view === 'layer' ? trees.changedChildren(id, options.layer) : trees.allChildren(id);
		const entries = [];
		// In the aggregated view, entryOf drops paths that do not exist after the layer (removed ones it keeps).
		for (const child of ids) {
			const entry = entryOf(child);
			if (entry) entries.push(entry);
		}
		if (options.sort === 'size') entries.sort((a, b) => b.size - a.size);
		return entries;
	};

	const visit = (id: number, depth: number, prefix: string): void => {
		const children = entriesOf(id);
		children.forEach((entry, index) => {
			const last = index === children.length - 1;
			const isDir = entry.state.type === 'dir';
			const collapsed = isDir && options.foldAll !== options.collapsed.has(entry.id);
			rows.push({
				id: entry.id,
				path: trees.pathOf(entry.id),
				depth,
				guide: prefix + (last ? '└── ' : '├── '),
				name: trees.nameOf(entry.id),
				state: entry.state,
				status: entry.status,
				metadataOnly: entry.metadataOnly,
				size: entry.size,
				isDir,
				collapsed,
			});
			// A folded directory costs nothing below it.
			if (isDir && !collapsed) visit(entry.id, depth + 1, prefix + (last ? '    ' : '│   '));
		});
	};
	visit(trees.root, 0, '');
	return rows;
}
