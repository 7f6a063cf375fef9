import type {AnalysisFacts} from '../analysis/analyse.js';
import type {Finding} from '../analysis/findings/index.js';
import type {DeadContent, WasteCause} from '../analysis/layer-history.js';
import type {Image, ImageFacts} from '../model.js';
import type {PackageRecord} from '../packages/attribute.js';

/** Bump on any change a consumer could notice; report.schema.json describes this version. */
export const SCHEMA_VERSION = 1;

const TOP_FILES = 100;

export interface JsonReport {
	schemaVersion: number;
	tool: {name: 'layerscope'; version: string};
	image: Pick<Image, 'input' | 'source' | 'format' | 'repoTags' | 'id' | 'manifestDigest' | 'platform' | 'created' | 'config'>;
	history: Array<{index: number; instruction: string; created: string | null; comment: string | null; emptyLayer: boolean; layerIndex: number | null}>;
	layers: Array<{
		index: number;
		digest: string | null;
		diffId: string;
		mediaType: string | null;
		compression: string;
		compressedSize: number;
		size: number;
		contentSize: number;
		instruction: string | null;
		historyIndex: number | null;
		changes: {added: number; modified: number; metadataOnly: number; removed: number; unmodified: number};
		reclaimable: {storedBytes: number; killedBytes: number};
	}>;
	efficiency: {score: number; wastedBytes: number; userWastedPercent: number; sizeBytes: number; userSizeBytes: number; inefficientFiles: Array<{path: string; count: number; cumulativeBytes: number}>};
	waste: {
		reclaimableBytes: number;
		storedBytes: number;
		finalBytes: number;
		byCause: Record<WasteCause, number>;
		byLayer: Array<{layer: number; storedBytes: number; killedBytes: number}>;
		topFiles: DeadContent[];
		copies: Array<{digest: string; size: number; paths: string[]; extraBytes: number}>;
	};
	findings: Finding[];
	/** Added within schema version 1: bytes by package. */
	packages: PackageRecord[];
	unownedBytes: number;
	unownedByLayer: number[];
	packageNotes: string[];
}

export type ImageIdentity = Pick<Image, 'input' | 'source' | 'format' | 'repoTags' | 'id' | 'manifestDigest' | 'platform'>;

/** Which image a report is about: what was named, how it was read, its tags, its ID and manifest digest, its platform (the comparison's report names both sides so). */
export function imageIdentity(image: ImageFacts): ImageIdentity {
	return {input: image.input, source: image.source, format: image.format, repoTags: image.repoTags, id: image.id, manifestDigest: image.manifestDigest, platform: image.platform};
}

/** The name a person knows an image by: its first tag, or what was named on the command line. */
export function imageName(image: Pick<Image, 'repoTags' | 'input'>): string {
	return image.repoTags[0] ?? image.input;
}

/** The versioned report: everything the analysis found, in a shape that only changes with SCHEMA_VERSION. */
export function jsonReport(analysis: AnalysisFacts, version: string): JsonReport {
	const {image, efficiency, waste, findings} = analysis;
	return {
		schemaVersion: SCHEMA_VERSION,
		tool: {name: 'layerscope', version},
		image: {...imageIdentity(image), created: image.created, config: image.config},
		history: image.history.map((step, index) => ({index, instruction: step.createdBy, created: step.created, comment: step.comment, emptyLayer: step.emptyLayer, layerIndex: step.layerIndex})),
		layers: image.layers.map(layer => {
			const dead = waste.byLayer[layer.index]!;
			return {
				index: layer.index,
				digest: layer.digest,
				diffId: layer.diffId,
				mediaType: layer.mediaType,
				compression: layer.compression,
				compressedSize: layer.compressedSize,
				size: layer.size,
				contentSize: layer.contentSize,
				instruction: layer.historyIndex === null ? null : image.history[layer.historyIndex]!.createdBy,
				historyIndex: layer.historyIndex,
				changes: analysis.layerChanges[layer.index]!,
				reclaimable: {storedBytes: dead.storedDeadBytes, killedBytes: dead.killedBytes},
			};
		}),
		efficiency: {
			score: efficiency.score,
			wastedBytes: efficiency.wastedBytes,
			userWastedPercent: efficiency.userWastedPercent,
			sizeBytes: efficiency.sizeBytes,
			userSizeBytes: efficiency.userSizeBytes,
			inefficientFiles: efficiency.inefficientFiles,
		},
		waste: {
			reclaimableBytes: waste.reclaimableBytes,
			storedBytes: waste.storedBytes,
			finalBytes: waste.finalBytes,
			byCause: waste.byCause,
			byLayer: waste.byLayer.map(layer => ({layer: layer.layer, storedBytes: layer.storedDeadBytes, killedBytes: layer.killedBytes})),
			topFiles: waste.files.slice(0, TOP_FILES),
			copies: waste.copies,
		},
		findings,
		packages: analysis.packages.packages,
		unownedBytes: analysis.packages.unownedBytes,
		unownedByLayer: analysis.packages.unownedByLayer,
		packageNotes: analysis.packages.notes,
	};
}

/** dive's own export (`dive --json`), for tools that already read it. */
export function diveJsonReport(analysis: AnalysisFacts): unknown {
	const {image, efficiency} = analysis;
	return {
		layer: image.layers.map(layer => ({
			index: layer.index,
			digestId: layer.diffId,
			sizeBytes: layer.contentSize,
			command: layer.historyIndex === null ? '' : image.history[layer.historyIndex]!.createdBy,
		})),
		image: {
			sizeBytes: efficiency.sizeBytes,
			inefficientBytes: efficiency.wastedBytes,
			efficiencyScore: efficiency.score,
			inefficientFiles: efficiency.inefficientFiles.map(file => ({count: file.count, sizeBytes: file.cumulativeBytes, file: file.path})),
		},
	};
}
