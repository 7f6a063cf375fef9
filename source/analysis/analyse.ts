import type {Image, Layer} from '../model.js';
import {FinalFiles} from './final-files.js';
import {DiveTally, weighLayerWhiteouts, type DiveEfficiency} from './dive-efficiency.js';
import {findFindings, type Finding} from './findings/index.js';
import {LayerHistoryBuilder, type LayerHistory} from './layer-history.js';
import {LayerTrees} from './layer-trees.js';
import {wasteReport, type WasteReport} from './waste.js';
import {attributePackages, type PackageReport} from '../packages/attribute.js';

/** Everything every mode reads about an image, computed once. */
export interface Analysis {
	image: Image;
	history: LayerHistory;
	/** Every path of the final filesystem, depth first in name order. */
	finalFiles: FinalFiles;
	/** Every layer's tree and changes, for browsing: built on first use (only the browser needs it). */
	readonly trees: LayerTrees;
	efficiency: DiveEfficiency;
	waste: WasteReport;
	/** Bytes by package, from the package databases the layers carry. */
	packages: PackageReport;
	findings: Finding[];
}

/**
 * Builds the analysis as layers arrive. Layers may come in any order (they
 * are read in parallel); each is stacked as soon as all layers below it are
 * in, so most of the work is done by the time the last layer is read.
 */
export class AnalysisBuilder {
	private readonly history = new LayerHistoryBuilder();
	// dive's paths are interned in the filesystem's own table: most are the same paths, and a path costs once.
	private readonly dive = new DiveTally(this.history.fs.paths);
	private readonly waiting = new Map<number, Layer>();
	private next = 0;

	add(layer: Layer): void {
		this.waiting.set(layer.index, layer);
		for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
			this.waiting.delete(this.next);
			// One stacking serves everything; dive's whiteouts are weighed against the stack on the way.
			this.history.add(ready, (current, below) => this.dive.add(current, weighLayerWhiteouts(current, below)));
			this.next++;
		}
	}

	finish(image: Image): Analysis {
		for (const layer of image.layers) if (layer.index >= this.next && !this.waiting.has(layer.index)) this.add(layer);
		if (this.next !== image.layers.length) throw new Error(`analysis is missing layer ${this.next}`);
		const history = this.history.finish();
		const finalFiles = new FinalFiles(history.final);
		const waste = wasteReport(image, history, finalFiles);
		// The findings read the packages: attributed once, before them.
		const packages = attributePackages(image, history, finalFiles);
		let trees: LayerTrees | undefined;
		return {
			image,
			history,
			finalFiles,
			get trees() {
				trees ??= new LayerTrees(history);
				return trees;
			},
			efficiency: this.dive.result(),
			waste,
			packages,
			findings: findFindings(image, history, waste, finalFiles, packages),
		};
	}
}

export function analyseImage(image: Image): Analysis {
	return new AnalysisBuilder().finish(image);
}
