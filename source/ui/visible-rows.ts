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
 */
export function visibleRows(analysis: Analysis, options: TreeOptions): Row[] {
	const trees = analysis.trees;
	const matcher = filterMatcher(options.filter);
	const anyHidden = Object.values(options.hidden).some(Boolean);
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

	/** Adds the subtree's rows; says whether it had children and whether any survived the filter and hidden statuses. */
	const visit = (id: number, depth: number, prefix: string): 'empty' | 'hidden' | 'shown' => {
		const children = entriesOf(id);
		let any = false;
		children.forEach((entry, index) => {
			const last = index === children.length - 1;
			const isDir = entry.state.type === 'dir';
			const row: Row = {
				id: entry.id,
				depth,
				guide: prefix + (last ? '└── ' : '├── '),
				name: trees.nameOf(entry.id),
				state: entry.state,
				status: entry.status,
				metadataOnly: entry.metadataOnly,
				size: entry.size,
				isDir,
				collapsed: isDir && options.foldAll !== options.collapsed.has(entry.id),
			};
			const at = rows.length;
			rows.push(row);
			let keep: boolean;
			const own = !options.hidden[entry.status] && (!matcher || matcher(trees.pathOf(entry.id)));
			if (isDir && row.collapsed && !matcher && !anyHidden) {
				// A folded directory needs nothing from below it unless a filter or hidden status must look inside.
				keep = true;
			} else if (isDir) {
				const below = visit(entry.id, depth + 1, prefix + (last ? '    ' : '│   '));
				// A directory stays when something below it does, or when it is itself a match (or empty and shown).
				keep = below === 'shown' || (own && (matcher !== undefined || below === 'empty'));
				if (row.collapsed) rows.length = at + 1;
			} else {
				keep = own;
			}
			if (!keep) rows.length = at;
			any ||= keep;
		});
		return children.length === 0 ? 'empty' : any ? 'shown' : 'hidden';
	};
	visit(trees.root, 0, '');
	return rows;
}
