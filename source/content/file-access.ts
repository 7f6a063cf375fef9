import type {Analysis} from '../analysis/analyse.js';
import {InputError} from '../errors.js';
import type {EntryType, Layer} from '../model.js';
import type {TreeNodeState, TreeView} from '../tree/tree-view.js';
import {filesystemAt} from '../tree/filesystem-at.js';
import {planExtraction, writeExtraction, type ExtractSummary} from './extract.js';
import {compareFile, factsOf, normalPath, type FileChange, type FileVersion, type VersionSide} from './file-change.js';
import {notAFile, resolvePath, type FoundFile, type PathLookup} from './find-file.js';
import type {KeptBlobs} from '../image/load.js';
import {layerSource, type LayerSource} from './layer-source.js';
import {classifyContent, readContent} from './read-content.js';

/** How far a read back is into the layer's tar (a compressed layer is decompressed from its start): bytes so far, of the tar's size. */
export type ReadProgress = (bytes: number, total: number) => void;

/** A file opened for the viewer: its first part, and what it is. */
export interface OpenedFile {
	/** The path the bytes were found at (symlinks resolved). */
	path: string;
	/** The layer whose tar holds the bytes. */
	layer: number;
	size: number;
	bytes: Buffer;
	/** Only the first `bytes.length` of `size` bytes were read (the viewer's limit). */
	truncated: boolean;
	kind: 'text' | 'binary';
}

/**
 * The files behind a browser's tree, read back: what a step of the tree
 * shows at a path. One image's steps are its layers; a comparison's are its
 * two images. The browser asks through this alone, whichever it browses.
 */
export interface FileAccess {
	/** Why no file can be read here, when none can (a stream read once, with nowhere to keep it). */
	readonly unavailable?: string;
	/** What a step is called in the viewer's title: "layer 3", "image B". */
	stepName(step: number): string;
	/** The file at `path` as step `step` shows it, its first `limit` bytes; an InputError says why it cannot be shown. */
	open(step: number, path: string, limit: number, onProgress?: ReadProgress): Promise<OpenedFile>;
	/** What step `step` changed at `path` (against the step before), and the two sides' names. */
	change(step: number, path: string): Promise<{change: FileChange; labels: {before: string; after: string}}>;
	/** Writes the file or directory at `path`, as step `step` shows it, into `dir` under its own name (extract's rules; nothing is overwritten). */
	extract(step: number, path: string, dir: string): Promise<ExtractSummary>;
	close(): Promise<void>;
}

/** One image's files: also the path as a layer left it, with where its bytes can be read (a comparison pairs two of them). */
export interface ImageFileAccess extends FileAccess {
	versionSide(step: number, path: string): VersionSide;
}

/** One image's files, by layer, read again from the blobs its load kept; or, when they cannot be read twice (a stream), none, with the reason. */
export function imageFileAccess(analysis: Analysis, kept: KeptBlobs, options: {verify: boolean}): ImageFileAccess | FileAccess {
	const {image} = analysis;
	let source: LayerSource;
	try {
		source = layerSource(image, kept);
	} catch (error) {
		if (!(error instanceof InputError)) throw error;
		void kept.files.close?.();
		return unavailableAccess(error.problem);
	}
	const versionSide = (step: number, path: string): VersionSide => ({image, source, version: step < 0 ? null : versionInTree(analysis, step, path)});
	return {
		stepName: step => `layer ${step}`,
		async open(step, path, limit, onProgress) {
			const found = foundAt(analysis.trees, step, path, image.input, (id, at) => analysis.trees.storedAt(id, at));
			const content = await readContent(image, onProgress ? counted(source, onProgress) : source, found, {limit, verify: options.verify});
			return {path: found.path, layer: found.layer, ...content, kind: classifyContent(content.bytes, content.truncated)};
		},
		versionSide,
		async change(step, path) {
			const change = await compareFile(versionSide(step - 1, path), versionSide(step, path), {verify: options.verify});
			return {change, labels: {before: step > 0 ? `after layer ${step - 1}` : 'before layer 0', after: `layer ${step}`}};
		},
		async extract(step, path, dir) {
			// Stacked again for this one write: extract reads a filesystem, and x is pressed rarely.
			const fs = filesystemAt(image, step);
			const plan = planExtraction(fs, [path], image.input, 'name');
			return writeExtraction(image, source, fs, plan, dir, {force: false, sameOwner: false, verify: options.verify, placement: 'name'});
		},
		close: () => source.close(),
	};
}

/** The source, telling how far each read is into its layer's tar. */
function counted(source: LayerSource, onProgress: ReadProgress): LayerSource {
	return {
		async *uncompressed(layer, from = 0, length) {
			let at = from;
			for await (const chunk of source.uncompressed(layer, from, length)) {
				at += chunk.length;
				onProgress(at, layer.size);
				yield chunk;
			}
		},
		verifiedInThisRun: layer => source.verifiedInThisRun(layer),
		// A chunked layer's file is read through its TOC, not the tar: nothing to count, and the TOC must stay in reach.
		...(source.chunkToc ? {chunkToc: (layer: Layer) => source.chunkToc!(layer)} : {}),
		...(source.blob ? {blob: (layer: Layer) => source.blob!(layer)} : {}),
		close: () => source.close(),
	};
}

/**
 * A comparison's files: its step 0 is image A (as layer `steps[0]` of it left it), its step 1 image B (after
 * layer `steps[1]`); two layers of one image are the same image twice. `d` on step 1 is B's path against A's.
 */
export function comparisonFileAccess(a: ImageFileAccess | FileAccess, b: ImageFileAccess | FileAccess, steps: readonly [number, number], names: readonly [string, string], options: {verify: boolean}): FileAccess {
	const sides = [a, b] as const;
	const reason = a.unavailable ?? b.unavailable;
	if (reason) return {...unavailableAccess(reason), close: () => closeBoth(a, b)};
	const pair = sides as readonly [ImageFileAccess, ImageFileAccess];
	return {
		stepName: step => names[step] ?? `step ${step}`,
		open: (step, path, limit, onProgress) => pair[step]!.open(steps[step]!, path, limit, onProgress),
		async change(step, path) {
			// Step 0, image A, against nothing; step 1, B, against A.
			const before = pair[0].versionSide(step > 0 ? steps[0] : -1, path);
			const change = await compareFile(before, pair[step]!.versionSide(steps[step]!, path), {verify: options.verify});
			return {change, labels: {before: step > 0 ? names[0] : 'nothing', after: names[step]!}};
		},
		extract: (step, path, dir) => pair[step]!.extract(steps[step]!, path, dir),
		close: () => closeBoth(a, b),
	};
}

async function closeBoth(a: FileAccess, b: FileAccess): Promise<void> {
	await a.close();
	if (b !== a) await b.close();
}

/**
 * A path as a layer of the analysis left it, from the browser's tree (no filesystem stacked again): the facts a
 * change compares and where its bytes are. The tree keeps no device numbers: a device's change of numbers alone
 * is not seen here (diff-file sees it).
 */
function versionInTree(analysis: Analysis, step: number, path: string): FileVersion | null {
	const trees = analysis.trees;
	const at = normalPath(path);
	const id = trees.idOf(at);
	const state = id === undefined ? null : (trees.stateAt(id, step) as (TreeNodeState & {digest?: string}) | null);
	if (id === undefined || !state) return null;
	const stored = trees.storedAt(id, step);
	return {facts: factsOf(at, state), stored: stored ? {...stored, path: at} : null, entry: -1};
}

export function unavailableAccess(reason: string): FileAccess {
	return {
		unavailable: reason,
		stepName: step => `step ${step}`,
		open: () => Promise.reject(new Error(reason)),
		change: () => Promise.reject(new Error(reason)),
		extract: () => Promise.reject(new Error(reason)),
		close: async () => {},
	};
}

/** The stored file a path shows at a step of a tree, symlinks resolved as `cat` resolves them; refused as `cat` refuses. */
export function foundAt(tree: TreeView, step: number, path: string, input: string, stored: (id: number, step: number) => Omit<FoundFile, 'path'> | undefined): FoundFile {
	const lookup: PathLookup = {
		lookupId: wanted => tree.idOf(wanted),
		exists: id => tree.typeAt(id, step) !== null,
		typeOf: id => (tree.typeAt(id, step) ?? 'dir') as EntryType,
		node: id => ({linkTarget: tree.stateAt(id, step)?.linkTarget}),
	};
	const {id, path: resolved} = resolvePath(lookup, path, input);
	const found = stored(id, step);
	if (!found) throw notAFile(input, path, lookup.typeOf(id));
	return {...found, path: resolved};
}
