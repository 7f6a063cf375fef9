import type {TreeChangeStatus as ChangeStatus, TreeEntryType, TreeNodeState, TreeView} from '../tree/tree-view.js';

/** The file pane's two views: what a layer changed, and the filesystem after it. */
export type ViewMode = 'layer' | 'aggregated';

export interface TreeOptions {
	layer: number;
	view: ViewMode;
	/** Directories whose folding differs from the default. */
	collapsed: ReadonlySet<number>;
	/** Every directory starts folded (big trees) instead of open. */
	foldAll: boolean;
	filter: string;
	/** By path id: 1 for the paths to keep (a package's files), with the directories leading to them; with `filter`, both must match. */
	only?: Uint8Array | null;
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
	state: TreeNodeState;
	status: ChangeStatus;
	metadataOnly: boolean;
	size: number;
	isDir: boolean;
	collapsed: boolean;
}

/** The rows the file pane can show; only the ones on screen are made into objects. */
export interface RowList {
	readonly length: number;
	at(index: number): Row | undefined;
	/** Without making the row (the parent search of ←). */
	depthAt(index: number): number;
	slice(start?: number, end?: number): Row[];
	/** The index of a path's row, or -1. */
	indexOfId(id: number): number;
	/** With a filter: how many paths it matches (before hidden statuses), and whether it was meant as a pattern that does not compile. */
	readonly filter?: FilterResult;
}

export interface FilterResult {
	matches: number;
	/** The filter has regular-expression characters but is no valid regular expression: it was read as plain text. */
	invalidPattern: boolean;
}

/** Rows that exist as objects already: the folded tree, laid out by walking it. */
class RowArray implements RowList {
	constructor(private readonly rows: readonly Row[]) {}

	get length(): number {
		return this.rows.length;
	}

	at(index: number): Row | undefined {
		return this.rows[index];
	}

	depthAt(index: number): number {
		return this.rows[index]!.depth;
	}

	slice(start?: number, end?: number): Row[] {
		return this.rows.slice(start, end);
	}

	indexOfId(id: number): number {
		return this.rows.findIndex(row => row.id === id);
	}
}

/**
 * Lays out the tree the file pane shows, once per change of layer, view,
 * folding, filter, hidden statuses or sort; scrolling reads from the result.
 * A folded tree is walked: only its open directories cost anything. Anything
 * else (a filter, hidden statuses, an unfolded tree) is a linear pass over
 * the layer's whole flat tree, itself one pass over the tree order of every
 * path (built once per tree, ahead of time by `prepareFlatRows`), keeping
 * indexes rather than rows.
 */
export function visibleRows(tree: TreeView, options: TreeOptions): RowList {
	const filtering = options.filter !== '' || Boolean(options.only) || Object.values(options.hidden).some(Boolean);
	if (filtering || !options.foldAll) return keptRows(tree, flatTable(tree, options), options);
	return new RowArray(walkRows(tree, options));
}

const STATUSES: readonly ChangeStatus[] = ['added', 'modified', 'removed', 'unmodified'];

/**
 * Every path ever seen, in the order the tree shows them by name (depth
 * first, each directory before what it holds), built once per tree: a
 * layer's unfolded tree is then one pass over it, and a filter matches paths
 * once for every layer.
 */
interface TreeOrder {
	/** By position: the path's id. */
	ids: Int32Array;
	/** By id: its position (-1 for the root, which is not shown). */
	position: Int32Array;
	/** By position: depth below the root (its children are 0). */
	depth: Uint16Array;
	/** By position: the parent's position (-1: the root). */
	parent: Int32Array;
	/**
	 * By layer, then position: what the path is after that layer (ABSENT, OTHER or DIR), so that laying out a
	 * layer reads memory in order; null when layers × paths would be too big to keep (the paths' states are read then).
	 */
	kinds: Uint8Array | null;
	/** By position, as slices of one string each (see `contiguous`): the paths, and lower-cased for plain-text filters. */
	paths: string[];
	lowerPaths: string[];
	/** The positions a filter matches, ascending, for the last few filters: typing and backspacing revisit them. */
	matches: Map<string, Int32Array>;
}

const orders = new WeakMap<TreeView, TreeOrder>();

function treeOrder(tree: TreeView): TreeOrder {
	const known = orders.get(tree);
	if (known) return known;
	const total = tree.pathCount;
	const ids = new Int32Array(total);
	const depth = new Uint16Array(total);
	const parent = new Int32Array(total);
	const paths: string[] = new Array<string>(total);
	// Depth first without recursion: the stack holds what is still to be listed, next on top, with its parent's position.
	const stack: number[] = [];
	const pushChildren = (id: number, at: number) => {
		const children = tree.children(id);
		for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]!, at);
	};
	pushChildren(tree.root, -1);
	let count = 0;
	let largest = tree.root;
	while (stack.length > 0 && count < total) {
		const above = stack.pop()!;
		const id = stack.pop()!;
		const at = count++;
		ids[at] = id;
		parent[at] = above;
		depth[at] = above === -1 ? 0 : depth[above]! + 1;
		// Each path from its parent's: one concatenation, not a walk to the root.
		paths[at] = `${above === -1 ? '' : paths[above]}/${tree.nameOf(id)}`;
		if (id > largest) largest = id;
		pushChildren(id, at);
	}
	const position = new Int32Array(largest + 1).fill(-1);
	for (let at = 0; at < count; at++) position[ids[at]!] = at;
	const [contiguousPaths, lowerPaths] = contiguousWithLower(paths.slice(0, count));
	const order: TreeOrder = {ids: ids.subarray(0, count), position, depth: depth.subarray(0, count), parent: parent.subarray(0, count), kinds: pathKinds(tree, position, count), paths: contiguousPaths, lowerPaths, matches: new Map()};
	orders.set(tree, order);
	return order;
}

const [ABSENT, OTHER, DIR] = [0, 1, 2];
const KINDS_LIMIT = 64 * 1024 * 1024;

function kindOf(type: TreeEntryType | null): number {
	return type === null ? ABSENT : type === 'dir' ? DIR : OTHER;
}

/** Each layer's row is the one below it with that layer's changes applied. */
function pathKinds(tree: TreeView, position: Int32Array, total: number): Uint8Array | null {
	const layers = tree.stepCount;
	if (layers * total > KINDS_LIMIT) return null;
	const kinds = new Uint8Array(layers * total);
	for (let layer = 0; layer < layers; layer++) {
		if (layer > 0) kinds.copyWithin(layer * total, (layer - 1) * total, layer * total);
		const changed = tree.changedPaths(layer);
		for (let i = 0; i < changed.length; i++) {
			const id = changed[i]!;
			const at = id < position.length ? position[id]! : -1;
			if (at >= 0) kinds[layer * total + at] = kindOf(tree.typeAt(id, layer));
		}
	}
	return kinds;
}

/** A layer's tree with every folder open, as parallel arrays a pass can scan; row objects are made only for rows on screen. */
interface FlatTable {
	layer: number;
	view: ViewMode;
	count: number;
	ids: Int32Array;
	/** Each row's position in the tree order (for filters). */
	position: Int32Array;
	depth: Uint16Array;
	isDir: Uint8Array;
	hasChildren: Uint8Array;
	/** Index into STATUSES. */
	status: Uint8Array;
	deepest: number;
	/** Its rows with nothing filtered, hidden or folded, made once: switching back to a layer with the whole tree open is then free. */
	whole?: RowList;
}

/** The last few layers' tables are kept: switching back and forth between two layers is common. */
const KEPT_TABLES = 4;
const flatCache = new WeakMap<TreeView, Map<string, FlatTable>>();
const CLOSED_NOTHING = {collapsed: new Set<number>(), foldAll: false, filter: '', hidden: {added: false, modified: false, removed: false, unmodified: false}};

function flatTable(tree: TreeView, options: Pick<TreeOptions, 'layer' | 'view' | 'sort'>): FlatTable {
	const key = `${options.layer} ${options.view} ${options.sort}`;
	let cache = flatCache.get(tree);
	if (!cache) flatCache.set(tree, (cache = new Map()));
	const cached = cache.get(key);
	if (cached) {
		// Most recently used last.
		cache.delete(key);
		cache.set(key, cached);
		return cached;
	}
	const order = treeOrder(tree);
	const table = options.view === 'aggregated' && options.sort === 'name' ? orderedTable(tree, order, options.layer) : walkedTable(tree, order, options);
	if (cache.size >= KEPT_TABLES) cache.delete(cache.keys().next().value!);
	cache.set(key, table);
	return table;
}

function emptyTable(layer: number, view: ViewMode, capacity: number): FlatTable {
	return {layer, view, count: 0, ids: new Int32Array(capacity), position: new Int32Array(capacity), depth: new Uint16Array(capacity), isDir: new Uint8Array(capacity), hasChildren: new Uint8Array(capacity), status: new Uint8Array(capacity), deepest: 0};
}

function finishTable(table: FlatTable): FlatTable {
	const count = table.count;
	for (let index = 0; index < count; index++) {
		table.hasChildren[index] = index + 1 < count && table.depth[index + 1]! > table.depth[index]! ? 1 : 0;
		if (table.depth[index]! > table.deepest) table.deepest = table.depth[index]!;
	}
	return table;
}

/**
 * The filesystem after a layer, by name: one pass over the tree order, keeping
 * each path that exists then (or that the layer removes), under a kept directory.
 */
function orderedTable(tree: TreeView, order: TreeOrder, layer: number): FlatTable {
	const total = order.ids.length;
	const table = emptyTable(layer, 'aggregated', total);
	// By position: what the layer did (its changes looked up once, not every path); removed paths show as they were.
	const status = new Uint8Array(total).fill(UNMODIFIED);
	const removedKind = new Map<number, number>();
	const changed = tree.changedPaths(layer);
	for (let i = 0; i < changed.length; i++) {
		const id = changed[i]!;
		const at = id < order.position.length ? order.position[id]! : -1;
		const change = at < 0 ? undefined : tree.changeAt(id, layer);
		if (!change) continue;
		status[at] = STATUSES.indexOf(change.status);
		// A change compares with the step before: what it removes is as it was then.
		if (change.status === 'removed') removedKind.set(at, layer > 0 ? kindOf(tree.typeAt(id, layer - 1)) : ABSENT);
	}
	const kinds = order.kinds?.subarray(layer * total, (layer + 1) * total);
	// By position: a kept directory, whose children may be kept.
	const open = new Uint8Array(total);
	let count = 0;
	for (let at = 0; at < total; at++) {
		const parent = order.parent[at]!;
		if (parent !== -1 && open[parent] === 0) continue;
		const kind = status[at] === REMOVED ? (removedKind.get(at) ?? ABSENT) : kinds ? kinds[at]! : kindOf(tree.typeAt(order.ids[at]!, layer));
		if (kind === ABSENT) continue;
		if (kind === DIR) open[at] = 1;
		table.ids[count] = order.ids[at]!;
		table.position[count] = at;
		table.depth[count] = order.depth[at]!;
		table.isDir[count] = kind === DIR ? 1 : 0;
		table.status[count] = status[at]!;
		count++;
	}
	table.count = count;
	return finishTable(table);
}

const REMOVED = STATUSES.indexOf('removed');
const UNMODIFIED = STATUSES.indexOf('unmodified');

/** Other views and orders (a layer's changes, by size): the tree walked with every folder open. */
function walkedTable(tree: TreeView, order: TreeOrder, options: Pick<TreeOptions, 'layer' | 'view' | 'sort'>): FlatTable {
	const rows = walkRows(tree, {...CLOSED_NOTHING, layer: options.layer, view: options.view, sort: options.sort});
	const table = emptyTable(options.layer, options.view, rows.length);
	rows.forEach((row, index) => {
		table.ids[index] = row.id;
		table.position[index] = order.position[row.id]!;
		table.depth[index] = row.depth;
		table.isDir[index] = row.isDir ? 1 : 0;
		table.status[index] = STATUSES.indexOf(row.status);
	});
	table.count = rows.length;
	return finishTable(table);
}

/** A row of a flat table as an object, for the screen, with its guide and folding (the kept rows' to say). */
function tableRow(tree: TreeView, table: FlatTable, index: number, guide: string, collapsed: boolean): Row {
	const id = table.ids[index]!;
	const entry = entryOf(tree, id, table.layer, table.view)!;
	// The properties in walkRows' order: every row on screen has one shape, and the code that formats rows stays monomorphic.
	return {id, path: tree.pathOf(id), depth: table.depth[index]!, guide, name: tree.nameOf(id), state: entry.state, status: entry.status, metadataOnly: entry.metadataOnly, size: entry.size, isDir: table.isDir[index] === 1, collapsed};
}

/** What a view shows of a path after a layer: undefined when it shows nothing (in the aggregated view, a path that does not exist then). */
function entryOf(tree: TreeView, id: number, layer: number, view: ViewMode) {
	const change = tree.changeAt(id, layer);
	const removed = change?.status === 'removed';
	// A change compares with the step before: a removed path shows as it was then.
	const state = removed ? (layer > 0 ? tree.stateAt(id, layer - 1) : null) : tree.stateAt(id, layer);
	if (!state) return undefined;
	const size = view === 'layer' || removed ? tree.changeSize(id, layer) : tree.sizeAt(id, layer);
	return {id, state, status: change?.status ?? ('unmodified' as ChangeStatus), metadataOnly: change?.metadataOnly ?? false, size};
}

/**
 * Strings as slices of one string: a filter then reads memory in order
 * instead of chasing strings scattered over the heap, a cache miss or more
 * each (on 200,000 paths, a substring scan took 30 ms that way, now 5).
 */
function contiguous(strings: readonly string[], all = strings.join('\n')): string[] {
	let offset = 0;
	return strings.map(string => {
		const slice = all.slice(offset, offset + string.length);
		offset += string.length + 1;
		return slice;
	});
}

/**
 * The strings as contiguous slices, and lower-cased the same way. Lower-casing the joined string once is lower-casing
 * each (the newline put between them is neither cased nor case-ignorable, so no casing rule looks past it, and slices
 * are taken by length, so a newline inside a name is only a character); when a character lower-cases to more or fewer
 * code units ("İ"), the slices would no longer line up, and each is lower-cased on its own.
 */
export function contiguousWithLower(strings: readonly string[]): [paths: string[], lower: string[]] {
	const all = strings.join('\n');
	const paths = contiguous(strings, all);
	const lowerAll = all.toLowerCase();
	return [paths, lowerAll.length === all.length ? contiguous(strings, lowerAll) : contiguous(paths.map(path => path.toLowerCase()))];
}

/** Builds the flat tree for a layer before anyone types a filter, so the first keystroke is as quick as the rest. */
export function prepareFlatRows(tree: TreeView, options: Pick<TreeOptions, 'layer' | 'view' | 'sort'>): void {
	keptRows(tree, flatTable(tree, options), {...CLOSED_NOTHING, ...options});
}

/** Characters that mean themselves in a regular expression: such a filter is a plain substring, whichever way it is read. */
const LITERAL = /^[A-Za-z0-9 /_\-,:;=@#%&~<>!"'`]*$/;
const REMEMBERED_FILTERS = 16;

/**
 * The rows whose own path a filter matches, ascending. A filter is a regular
 * expression when it compiles, else a plain substring; both ignore case.
 * A plain filter that contains an earlier one can only match a subset of
 * its rows, so typing "lib/x86" letter by letter scans less and less.
 */
/** Does a filter with regular-expression characters fail to compile (so it is read as plain text)? */
export function isInvalidPattern(filter: string): boolean {
	if (LITERAL.test(filter)) return false;
	try {
		new RegExp(filter, 'i');
		return false;
	} catch {
		return true;
	}
}

/** The positions in the tree order whose path a filter matches, ascending: the same for every layer. */
function matchingPositions(order: TreeOrder, filter: string): Int32Array {
	const known = order.matches.get(filter);
	if (known) return known;
	let pattern: RegExp | undefined;
	if (!LITERAL.test(filter) && !isInvalidPattern(filter)) pattern = new RegExp(filter, 'i');
	const needle = filter.toLowerCase();
	const total = order.ids.length;
	let candidates: Int32Array | undefined;
	if (!pattern) {
		for (const [earlier, positions] of order.matches) if (LITERAL.test(earlier) && needle.includes(earlier.toLowerCase()) && (!candidates || positions.length < candidates.length)) candidates = positions;
		// Reading the paths in order is quicker than picking most of them.
		if (candidates && candidates.length > total / 4) candidates = undefined;
	}
	const found = new Int32Array(candidates?.length ?? total);
	let count = 0;
	const scanned = candidates ? candidates.length : total;
	if (pattern) {
		for (let at = 0; at < scanned; at++) {
			const position = candidates ? candidates[at]! : at;
			if (pattern.test(order.paths[position]!)) found[count++] = position;
		}
	} else {
		const paths = order.lowerPaths;
		for (let at = 0; at < scanned; at++) {
			const position = candidates ? candidates[at]! : at;
			if (paths[position]!.includes(needle)) found[count++] = position;
		}
	}
	const result = found.slice(0, count);
	if (order.matches.size >= REMEMBERED_FILTERS) order.matches.delete(order.matches.keys().next().value!);
	order.matches.set(filter, result);
	return result;
}

/** By table row: 1 where the filter matches its path. */
function matchingRows(tree: TreeView, table: FlatTable, filter: string): {own: Uint8Array; matches: number} {
	const order = treeOrder(tree);
	const marked = new Uint8Array(order.ids.length);
	for (const position of matchingPositions(order, filter)) marked[position] = 1;
	const own = new Uint8Array(table.count);
	let matches = 0;
	for (let index = 0; index < table.count; index++) {
		if (marked[table.position[index]!] === 1) {
			own[index] = 1;
			matches++;
		}
	}
	return {own, matches};
}

/**
 * Keeps the rows that pass the filter and hidden statuses, with the
 * directories leading to them, and skips what folded directories hide.
 * While filtering, folded directories open to show their matches.
 */
function keptRows(tree: TreeView, table: FlatTable, options: TreeOptions): RowList {
	const count = table.count;
	const only = options.only ?? undefined;
	const filtered = options.filter !== '' || only !== undefined;
	const whole = !filtered && !options.foldAll && options.collapsed.size === 0 && !STATUSES.some(status => options.hidden[status]);
	if (whole && table.whole) return table.whole;
	let own: Uint8Array | undefined;
	let filter: FilterResult | undefined;
	if (options.filter !== '') {
		const matching = matchingRows(tree, table, options.filter);
		own = matching.own;
		filter = {matches: matching.matches, invalidPattern: isInvalidPattern(options.filter)};
	}
	if (only) {
		const kept = own ?? new Uint8Array(count).fill(1);
		let matches = 0;
		for (let index = 0; index < count; index++) {
			const id = table.ids[index]!;
			if (kept[index] === 1 && (id >= only.length || only[id] !== 1)) kept[index] = 0;
			matches += kept[index]!;
		}
		own = kept;
		filter = {matches, invalidPattern: filter?.invalidPattern ?? false};
	}
	const hidden = Uint8Array.from(STATUSES, status => (options.hidden[status] ? 1 : 0));
	const keep = new Uint8Array(count);
	const last = new Uint8Array(count);
	// Backwards, children come before their directory: whether any child stays, and which is the last one.
	const keptBelow = new Uint8Array(table.deepest + 2);
	const seenSibling = new Uint8Array(keptBelow.length);
	for (let index = count - 1; index >= 0; index--) {
		const depth = table.depth[index]!;
		const ownKept = hidden[table.status[index]!] === 0 && (!own || own[index] === 1);
		let kept = ownKept;
		if (table.isDir[index] === 1) {
			kept = keptBelow[depth + 1] === 1 || (ownKept && (filtered || table.hasChildren[index] === 0));
			keptBelow[depth + 1] = 0;
			seenSibling[depth + 1] = 0;
		}
		if (kept) {
			keep[index] = 1;
			if (seenSibling[depth] === 0) last[index] = 1;
			seenSibling[depth] = 1;
			keptBelow[depth] = 1;
		}
	}
	// Forwards: each kept row, its parent among the kept ones, and whether it is folded.
	const flatIndex = new Int32Array(count);
	const parent = new Int32Array(count);
	const folded = new Uint8Array(count);
	const lastKept = new Int32Array(keptBelow.length);
	let kept = 0;
	let skipBelow = -1;
	for (let index = 0; index < count; index++) {
		if (keep[index] === 0) continue;
		const depth = table.depth[index]!;
		if (skipBelow !== -1 && depth > skipBelow) continue;
		skipBelow = -1;
		flatIndex[kept] = index;
		parent[kept] = depth === 0 ? -1 : lastKept[depth - 1]!;
		lastKept[depth] = kept;
		if (!filtered && table.isDir[index] === 1 && options.foldAll !== options.collapsed.has(table.ids[index]!)) {
			folded[kept] = 1;
			skipBelow = depth;
		}
		kept++;
	}
	const rows = new KeptRows(tree, table, flatIndex.subarray(0, kept), parent, folded, last, filter);
	if (whole) table.whole = rows;
	return rows;
}

const MADE_ROWS = 4096;

/** Kept rows as indexes into the flat table; a row object is made when a row is shown. */
class KeptRows implements RowList {
	private readonly made = new Map<number, Row>();

	constructor(
		private readonly tree: TreeView,
		private readonly table: FlatTable,
		private readonly flatIndex: Int32Array,
		private readonly parent: Int32Array,
		private readonly folded: Uint8Array,
		/** By flat index: the last kept row among its siblings. */
		private readonly last: Uint8Array,
		readonly filter?: FilterResult,
	) {}

	get length(): number {
		return this.flatIndex.length;
	}

	at(index: number): Row | undefined {
		if (index < 0 || index >= this.length) return undefined;
		let row = this.made.get(index);
		if (!row) {
			// Kept for the page on screen and a few around it, not for every row ever scrolled past.
			if (this.made.size >= MADE_ROWS) this.made.clear();
			row = tableRow(this.tree, this.table, this.flatIndex[index]!, this.guide(index), this.folded[index] === 1);
			this.made.set(index, row);
		}
		return row;
	}

	depthAt(index: number): number {
		return this.table.depth[this.flatIndex[index]!]!;
	}

	slice(start = 0, end = this.length): Row[] {
		const rows: Row[] = [];
		for (let index = Math.max(0, start); index < Math.min(end, this.length); index++) rows.push(this.at(index)!);
		return rows;
	}

	indexOfId(id: number): number {
		for (let index = 0; index < this.length; index++) if (this.table.ids[this.flatIndex[index]!] === id) return index;
		return -1;
	}

	/** Tree guides for what is left: "│   " under an ancestor with kept siblings below it, "    " under the last one. */
	private guide(index: number): string {
		const isLast = (kept: number) => this.last[this.flatIndex[kept]!] === 1;
		let guide = isLast(index) ? '└── ' : '├── ';
		for (let ancestor = this.parent[index]!; ancestor !== -1; ancestor = this.parent[ancestor]!) guide = (isLast(ancestor) ? '    ' : '│   ') + guide;
		return guide;
	}
}

/** The tree as it is shown without a filter: depth first, folded directories closed. */
function walkRows(tree: TreeView, options: TreeOptions): Row[] {
	const rows: Row[] = [];

	/** A directory's children as this view shows them, each looked up once. */
	const entriesOf = (id: number) => {
		const ids = options.view === 'layer' ? tree.changedChildren(id, options.layer) : tree.children(id);
		const entries = [];
		// In the aggregated view, entryOf drops paths that do not exist after the layer (removed ones it keeps).
		for (let index = 0; index < ids.length; index++) {
			const entry = entryOf(tree, ids[index]!, options.layer, options.view);
			if (entry) entries.push(entry);
		}
		if (options.sort === 'size') entries.sort((a, b) => b.size - a.size);
		return entries;
	};

	// Depth first without recursion (a tree of any depth fits): one frame per open directory.
	const stack: Array<{children: ReturnType<typeof entriesOf>; next: number; depth: number; prefix: string}> = [{children: entriesOf(tree.root), next: 0, depth: 0, prefix: ''}];
	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		if (frame.next === frame.children.length) {
			stack.pop();
			continue;
		}
		const {children, depth, prefix} = frame;
		const index = frame.next++;
		const entry = children[index]!;
		const last = index === children.length - 1;
		const isDir = entry.state.type === 'dir';
		const collapsed = isDir && options.foldAll !== options.collapsed.has(entry.id);
		rows.push({
			id: entry.id,
			path: tree.pathOf(entry.id),
			depth,
			guide: prefix + (last ? '└── ' : '├── '),
			name: tree.nameOf(entry.id),
			state: entry.state,
			status: entry.status,
			metadataOnly: entry.metadataOnly,
			size: entry.size,
			isDir,
			collapsed,
		});
		// A folded directory costs nothing below it.
		if (isDir && !collapsed) stack.push({children: entriesOf(entry.id), next: 0, depth: depth + 1, prefix: prefix + (last ? '    ' : '│   ')});
	}
	return rows;
}

/**
 * Find (`f`, then `n`/`N`): the next or previous path after `fromId`, in the
 * layer's whole tree (folded directories included, no filter), that `query`
 * matches as a filter would; it wraps around. Paths of hidden statuses are
 * skipped, since the jump could not show them.
 */
export function findMatch(tree: TreeView, options: Pick<TreeOptions, 'layer' | 'view' | 'sort' | 'hidden'>, query: string, fromId: number | null, direction: 1 | -1): number | undefined {
	if (query === '') return undefined;
	const table = flatTable(tree, options);
	const hidden = Uint8Array.from(STATUSES, status => (options.hidden[status] ? 1 : 0));
	const {own} = matchingRows(tree, table, query);
	const matching: number[] = [];
	for (let index = 0; index < table.count; index++) if (own[index] === 1 && hidden[table.status[index]!] === 0) matching.push(index);
	if (matching.length === 0) return undefined;
	const from = fromId === null ? -1 : table.ids.subarray(0, table.count).indexOf(fromId);
	let pick: number | undefined;
	if (direction === 1) pick = matching.find(index => index > from) ?? matching[0];
	else {
		for (let at = matching.length - 1; at >= 0 && pick === undefined; at--) if (from === -1 || matching[at]! < from) pick = matching[at];
		pick ??= matching.at(-1);
	}
	return table.ids[pick!]!;
}
