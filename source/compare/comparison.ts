import type {Analysis, AnalysisFacts} from '../analysis/analyse.js';
import type {Finding} from '../analysis/findings/index.js';
import type {Image, ImageFacts} from '../model.js';
import {FinalFiles} from '../analysis/final-files.js';
import {FileSystem} from '../tree/filesystem.js';
import {ComparisonTree} from './comparison-tree.js';
import {diffConfigs, type ConfigChange} from './config-diff.js';
import {directoryChanges, type DirectoryChange} from './directory-changes.js';
import {diffFilesystems, type FileDiff} from './file-diff.js';
import {alignLayers, type LayerAlignment} from './layer-alignment.js';
import type {SharedStack} from './final-stacks.js';
import {diffPackages, type PackageDiff} from './package-diff.js';
import {packagesAfter} from '../packages/attribute.js';

export interface DiffCounts {
	added: number;
	removed: number;
	modified: number;
	metadataOnly: number;
	moved: number;
}

export interface Metric {
	name: MetricName;
	before: number;
	after: number;
	delta: number;
}

export const METRIC_NAMES = ['contentBytes', 'storedBytes', 'compressedBytes', 'reclaimableBytes', 'diveEfficiency', 'layers', 'paths'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * Everything every mode reads about two images (or two layers of one),
 * computed once: the text summary, the JSON and Markdown reports and the
 * CI gate only format it.
 */
export interface Comparison {
	a: ImageFacts;
	b: ImageFacts;
	/** Set when two layers of one image are compared: the filesystem after `from` against the one after `to`. */
	range: {from: number; to: number} | null;
	layers: LayerAlignment;
	files: FileDiff;
	/** How many paths differ, by status; `moved` counts pairs (an added and a removed file each). */
	counts: DiffCounts;
	/**
	 * Indexes into `files` of everything but directories, largest change in bytes first (then in tree order);
	 * a move once, at its new path.
	 */
	largestFiles: Int32Array;
	directories: DirectoryChange[];
	/** Content bytes of the two filesystems (a hard link's bytes counted once, where they are stored). */
	bytes: {a: number; b: number; delta: number};
	config: ConfigChange[];
	/** The packages each final filesystem ships, matched: added, removed, upgraded and the rest, with their bytes. */
	packages: PackageDiff;
	metrics: Metric[];
	findings: {new: Finding[]; fixed: Finding[]};
	/** The two filesystems as the browser reads trees (step 0: A, step 1: B): made on first use, only the browser needs it. */
	readonly tree: ComparisonTree;
}

/** What a comparison reads of each image: the analysis' facts (the cache's, on a hit) and the final filesystem. */
export interface ComparedImage extends AnalysisFacts {
	finalFiles: FinalFiles;
}

/** A against B: the final filesystems, the layers, the configs, the analyses' figures and findings (`shared`: the filesystems were stacked on one shared stack, see final-stacks.ts). */
export function compareImages(a: ComparedImage, b: ComparedImage, shared?: SharedStack): Comparison {
	const files = diffFilesystems(a.finalFiles, b.finalFiles, shared);
	const metric = (name: MetricName, of: (analysis: ComparedImage) => number): Metric => {
		const before = of(a);
		const after = of(b);
		return {name, before, after, delta: after - before};
	};
	const metrics = [
		metric('contentBytes', analysis => analysis.waste.finalBytes),
		metric('storedBytes', analysis => analysis.waste.storedBytes),
		metric('compressedBytes', analysis => analysis.image.layers.reduce((sum, layer) => sum + layer.compressedSize, 0)),
		metric('reclaimableBytes', analysis => analysis.waste.reclaimableBytes),
		metric('diveEfficiency', analysis => analysis.efficiency.score),
		metric('layers', analysis => analysis.image.layers.length),
		metric('paths', analysis => analysis.finalFiles.length),
	];
	const [contentA, contentB] = [a.waste.finalBytes, b.waste.finalBytes];
	return withTree({
		a: a.image,
		b: b.image,
		range: null,
		layers: alignLayers(a.image, b.image),
		...fileFacts(files),
		directories: directoryChanges(files),
		bytes: {a: contentA, b: contentB, delta: contentB - contentA},
		config: diffConfigs(a.image, b.image),
		packages: diffPackages(a.packages, b.packages),
		metrics,
		findings: {new: findingsOnlyIn(b.findings, a.findings), fixed: findingsOnlyIn(a.findings, b.findings)},
	});
}

/**
 * What layers from+1 … to did together: the filesystem after layer `from`
 * against the one after layer `to` (from may be -1: the empty filesystem).
 * The config and the findings are the image's own on both sides, so only
 * the files, the layers, the bytes and the packages differ.
 */
export function compareLayers(analysis: Analysis, from: number, to: number): Comparison {
	const image = analysis.image;
	const before = filesystemAfter(image, from);
	const after = filesystemAfter(image, to);
	const files = diffFilesystems(new FinalFiles(before), new FinalFiles(after));
	const [bytesA, bytesB] = [contentBytes(before), contentBytes(after)];
	const layers = alignLayers(image, image);
	return withTree({
		a: image,
		b: image,
		range: {from, to},
		layers: {
			shared: from + 1,
			a: layers.a.slice(0, from + 1),
			b: layers.b.slice(0, to + 1).map(layer => (layer.index > from ? {...layer, status: 'only' as const, otherIndex: null} : layer)),
		},
		...fileFacts(files),
		directories: directoryChanges(files),
		bytes: {a: bytesA, b: bytesB, delta: bytesB - bytesA},
		config: [],
		// The analysis has the last layer's packages; any other side is attributed here, from its layers alone.
		packages: diffPackages(packagesAfter(image, from), to === image.layers.length - 1 ? analysis.packages : packagesAfter(image, to)),
		metrics: [
			{name: 'contentBytes', before: bytesA, after: bytesB, delta: bytesB - bytesA},
			{name: 'layers', before: from + 1, after: to + 1, delta: to - from},
		],
		findings: {new: [], fixed: []},
	});
}

function withTree(facts: Omit<Comparison, 'tree'>): Comparison {
	let tree: ComparisonTree | undefined;
	return Object.defineProperty(facts, 'tree', {get: () => (tree ??= new ComparisonTree(facts.files)), enumerable: false}) as Comparison;
}

/** The facts every output reads off the file list: counted and ranked once. */
function fileFacts(files: FileDiff): {files: FileDiff; counts: DiffCounts; largestFiles: Int32Array} {
	const counts: DiffCounts = {added: 0, removed: 0, modified: 0, metadataOnly: 0, moved: 0};
	const ranked: number[] = [];
	const delta = new Float64Array(files.length);
	for (let index = 0; index < files.length; index++) {
		counts[files.status(index)]++;
		if (files.metadataOnly(index)) counts.metadataOnly++;
		if (files.status(index) === 'added' && files.movedWith(index) !== undefined) counts.moved++;
		const types = files.types(index);
		if ((types.before ?? 'dir') === 'dir' && (types.after ?? 'dir') === 'dir') continue;
		// A move is one change, listed at its new path: same content, so no bytes came or went.
		const moved = files.movedWith(index) !== undefined;
		if (moved && files.status(index) === 'removed') continue;
		const {before, after} = files.sizes(index);
		delta[index] = moved ? 0 : Math.abs(after - before);
		ranked.push(index);
	}
	ranked.sort((x, y) => delta[y]! - delta[x]! || x - y);
	return {files, counts, largestFiles: Int32Array.from(ranked)};
}

function filesystemAfter(image: Image, layer: number): FileSystem {
	const fs = new FileSystem();
	for (const each of image.layers.slice(0, layer + 1)) fs.apply(each, each.index);
	return fs;
}

/** Bytes of the distinct stored contents the filesystem's files and hard links show. */
function contentBytes(fs: FileSystem): number {
	const seen = new Set<number>();
	let bytes = 0;
	const stack = [0];
	while (stack.length > 0) {
		for (const id of fs.childIds(stack.pop()!)) {
			const node = fs.node(id);
			if (node.type === 'dir') stack.push(id);
			else if ((node.type === 'file' || node.type === 'hardlink') && node.content !== undefined && !seen.has(node.content)) {
				seen.add(node.content);
				bytes += node.size;
			}
		}
	}
	return bytes;
}

/**
 * Findings of `side` the other side has not: a finding is the same one
 * when its rule and its paths are (its layer number and bytes may move
 * between builds).
 */
function findingsOnlyIn(side: Finding[], other: Finding[]): Finding[] {
	const key = (finding: Finding) => JSON.stringify([finding.id, finding.paths.map(item => item.path)]);
	const known = new Set(other.map(key));
	return side.filter(finding => !known.has(key(finding)));
}
