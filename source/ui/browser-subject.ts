import prettyBytes from 'pretty-bytes';
import type {Analysis} from '../analysis/analyse.js';
import type {DeadContent} from '../analysis/layer-history.js';
import {escapeForTerminal} from '../report/escape.js';
import type {Style} from '../report/style.js';
import type {ChangeCounts, TreeView} from '../tree/tree-view.js';
import {detailPane, type DetailPane} from './details-pane.js';
import {deadIndex, imageDetailLines, layerDetailLines, layerLines} from './format.js';
import {browserPackages, type BrowserPackages} from './packages-pane.js';
import type {Row, ViewMode} from './visible-rows.js';

/**
 * What the browser shows beside the file tree: the list of steps on the left
 * (an image's layers, or the two images of a comparison), what the selected
 * step is, an overview, the details pane, and the words for the file pane's
 * title. The file pane itself reads only the TreeView; this is the rest.
 */
export interface BrowserSubject {
	readonly tree: TreeView;
	/** The left list's title: "Layers (6)", "Images (2)". */
	readonly listTitle: string;
	/** Lines the left list would take, all shown (it gets at most 45 % of the column). */
	readonly listLength: number;
	listLines(selected: number, width: number, height: number, focused: boolean, style: Style): string[];
	/** Below the list while another pane has focus: the selected step. */
	stepLines(step: number, width: number, style: Style, counts: ChangeCounts): string[];
	/** Below the step: the whole subject, as much as fits. */
	overviewLines(width: number, height: number, style: Style): string[];
	/** The details pane (Tab to it), wrapped to `width`. */
	details(width: number): DetailPane;
	/** The file pane's title: what the tree shows at a step, in a view. */
	describe(step: number, view: ViewMode): string;
	/** "w": the n-th largest dead file, where it is stored, and the status line naming it; none for a comparison. */
	waste?(index: number): {step: number; path: string; notice: string} | undefined;
	/** A size column of its own instead of the row's one size (a comparison's A → B and change), for the file pane's width: its header and each row's text. */
	sizeColumn?(width: number): {header: string; text(row: Pick<Row, 'id' | 'isDir'>): string};
	/** What "w" says when `waste` has nothing (the default: no waste in the image). */
	noWaste?: string;
	/** A row's dead version, marked in the tree. */
	dead?(row: Pick<Row, 'path' | 'state' | 'status'>): DeadContent | undefined;
	/** Bytes by package, for the packages list (p) and the selected file's owner; none for a comparison. */
	readonly packages?: BrowserPackages;
}

/** One image: its layers are the steps (browsed through its layer trees, unless another tree is given). */
export function imageSubject(analysis: Analysis, given?: TreeView): BrowserSubject {
	const tree = given ?? analysis.trees;
	const {image} = analysis;
	const dead = deadIndex(analysis);
	return {
		tree,
		listTitle: `Layers (${image.layers.length})`,
		listLength: image.history.length + image.layers.length,
		listLines: (selected, width, height, focused, style) => layerLines(analysis, selected, width, height, focused, style),
		stepLines: (step, width, style, counts) => layerDetailLines(analysis, step, width, style, counts),
		overviewLines: (width, height, style) => imageDetailLines(analysis, width, height, style),
		details: width => detailPane(analysis, width),
		describe: (step, view) => (view === 'layer' ? `changes in layer ${step}` : `filesystem after layer ${step}`),
		waste(index) {
			const files = analysis.waste.files;
			const file = files[index];
			return file && {step: file.storedIn, path: file.path, notice: `w: ${index + 1} of ${files.length} · ${escapeForTerminal(file.path)} · ${prettyBytes(file.size)} stored in layer ${file.storedIn}, ${file.cause} in layer ${file.killedBy}`};
		},
		dead,
		// The analysis' own trees share the final filesystem's path ids; another tree is mapped by path.
		packages: browserPackages(analysis, tree, given === undefined),
	};
}
