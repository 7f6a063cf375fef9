import type {Image, ImageFacts, Layer} from '../model.js';
import {FinalFiles, type FinalWalk} from './final-files.js';
import {DiveTally, weighLayerWhiteouts, type DiveEfficiency, type DiveState} from './dive-efficiency.js';
import {contentFindings, nameFindings, sortFindings, type Finding} from './findings/index.js';
import {LayerHistoryBuilder, type ChangeList, type HistoryState, type LayerHistory} from './layer-history.js';
import {LayerTrees} from './layer-trees.js';
import {extendWaste, keepWaste, wasteKept, type KeptWaste, type WasteReport} from './waste.js';
import {attributeKept, extendPackages, type KeptPackages, type PackageReport, type PackageTotals} from '../packages/attribute.js';

/** How many paths a layer added, modified (of which in metadata only), removed and left as they were. */
export interface LayerChangeCounts {
	added: number;
	modified: number;
	metadataOnly: number;
	removed: number;
	unmodified: number;
}

/**
 * What the reports read (the text summary, both JSON forms, the CI gate
 * but for forbidden paths): the analysis without its trees. It is a
 * function of the image's config and its layers' bytes alone, so the
 * analysis cache keeps it (see source/cache/analysis-cache.ts); the findings
 * about the image's name are made again for each run.
 */
export interface AnalysisFacts {
	/** Without the layers' changesets when the facts came from the cache: the reports read none. */
	image: ImageFacts;
	efficiency: DiveEfficiency;
	waste: WasteReport;
	packages: PackageTotals;
	/** Every finding, the name's and the content's, most severe and largest first. */
	findings: Finding[];
	/** The findings about what the image holds: what the analysis cache keeps. */
	contentFindings: Finding[];
	/** By layer. */
	layerChanges: LayerChangeCounts[];
	/** The final filesystem, when the analysis was made in this run (the forbidden-paths rule reads it); never from the cache. */
	finalFiles?: FinalFiles;
}

/** Everything every mode reads about an image, computed once. */
export interface Analysis extends AnalysisFacts {
	image: Image;
	history: LayerHistory;
	/** Every path of the final filesystem, depth first in name order. */
	finalFiles: FinalFiles;
	/** Every layer's tree and changes, for browsing: built on first use (only the browser needs it). */
	readonly trees: LayerTrees;
	efficiency: DiveEfficiency;
	/** Bytes by package, from the package databases the layers carry. */
	packages: PackageReport;
}

/** What a builder knows after its layers (exportState): the stacking's history and dive's tallies. Its layers' entry tables are not in it. */
export interface BuilderState {
	history: HistoryState;
	dive: DiveState;
	/** The packages after exactly these layers, when an analysis of them was finished (not for a state taken mid-stacking): a next build that only adds files goes on from them (extendPackages). */
	packages?: KeptPackages;
	/** The same of the waste (extendWaste). */
	waste?: KeptWaste;
	/** The final filesystem's walk: a next build copies the runs of the directories its layers did not touch. */
	walk?: FinalWalk;
}

/**
 * Builds the analysis as layers arrive. Layers may come in any order (they
 * are read in parallel); each is stacked as soon as all layers below it are
 * in, so most of the work is done by the time the last layer is read.
 */
export class AnalysisBuilder {
	private history = new LayerHistoryBuilder();
	// dive's paths are interned in the filesystem's own table: most are the same paths, and a path costs once.
	private dive = new DiveTally(this.history.fs.paths);
	private readonly waiting = new Map<number, Layer>();
	private next = 0;
	/** Copies asked for (sharedAt), by the number of layers stacked below them. */
	private readonly copies: Array<{layers: number; take: (copy: (() => AnalysisBuilder) | null) => void}> = [];

	/** A kept state of the first `layers` layers, taken up once they have arrived (resuming). */
	private resume: {layers: number; state: BuilderState} | undefined;
	private resumed = 0;
	/** The paths of the state taken up, and the entries of the layers stacked here (on it, or from nothing). */
	private resumedPaths = 0;
	private stackedEntries = 0;
	/** The kept packages of the state taken up, and those finish made (for the state exported after it). */
	private resumedPackages: KeptPackages | undefined;
	private finishedPackages: KeptPackages | undefined;
	private resumedWaste: KeptWaste | undefined;
	/** Made into a KeptWaste only when a state is exported. */
	private finishedWaste: {report: WasteReport; copyKeys: BigUint64Array; history: LayerHistory} | undefined;
	/** The kept walk, with how many paths the table had when it was made. */
	private resumedWalk: {walk: FinalFiles; paths: number} | undefined;
	private finishedWalk: FinalFiles | undefined;
	/**
	 * Given the kept state taken up, completed with the walk and reports it lacked (a state kept mid-stacking,
	 * below an image's top layer, has none), to be kept again in its place; set before the layers come. Without
	 * it, such a state is taken up as it is, and the passes are made in full at the end.
	 */
	onCompleted: ((layers: number, state: BuilderState) => void) | undefined;

	/**
	 * A builder that goes on from a kept state of its image's first `layers`
	 * layers (builder-cache.ts keeps them by ChainID): taken up once those
	 * layers have arrived (their entry tables are where its refs point), in
	 * place of stacking them. A state that cannot be theirs is dropped, and
	 * they are stacked as by any builder.
	 */
	static resuming(layers: number, state: BuilderState): AnalysisBuilder {
		const builder = new AnalysisBuilder();
		builder.resume = {layers, state};
		return builder;
	}

	/** How many layers are stacked. */
	get stacked(): number {
		return this.next;
	}

	/** How many layers a kept state stood for (0: every layer was stacked here). */
	get resumedLayers(): number {
		return this.resumed;
	}

	/**
	 * Whether the state after the layers stacked so far saves a next build enough to be kept: one stacked from
	 * nothing does; one that went on from a kept state, only when the layers stacked on it hold at least an eighth
	 * as many entries as that state has paths. A build on top of this one then goes on from the state this one
	 * went on from and stacks those layers again (an eighth of a stacking at most), and a build that adds one small
	 * layer does not write a state the size of the whole stack (30 MB for 150,000 paths) for each run.
	 */
	get worthKeeping(): boolean {
		return this.resumed === 0 || this.stackedEntries * 8 >= this.resumedPaths;
	}

	/**
	 * The state of the layers stacked so far (`stacked` of them): what resuming takes. Its typed arrays are
	 * the builder's own, which stacking more layers changes: encode and write it before that, or after finish.
	 */
	exportState(): BuilderState {
		const state: BuilderState = {history: this.history.exportState(), dive: this.dive.exportState()};
		if (this.finishedPackages) state.packages = this.finishedPackages;
		if (this.finishedWaste) state.waste = keepWaste(this.finishedWaste.report, this.finishedWaste.history, this.finishedWaste.copyKeys);
		if (this.finishedWalk) state.walk = this.finishedWalk.exportWalk();
		return state;
	}

	/** Calls `take` with the state when exactly `layers` layers are stacked (as copyAt does: null when past them, or the image has fewer). */
	stateAt(layers: number, take: (state: BuilderState | null) => void): void {
		this.copyAt(layers, copy => take(copy && this.exportState()));
	}

	/** Takes up the kept state once every layer it stands for is here. */
	private takeUpState(): void {
		const {layers, state} = this.resume!;
		for (let index = 0; index < layers; index++) if (!this.waiting.has(index)) return;
		// Taken up or dropped, once: the layers are stacked from where it leaves them.
		this.resume = undefined;
		const below = Array.from({length: layers}, (_, index) => this.waiting.get(index)!);
		const history = LayerHistoryBuilder.fromState(state.history, below);
		const dive = history && DiveTally.fromState(state.dive, history.fs.paths);
		if (!history || !dive) return;
		this.history = history;
		this.dive = dive;
		for (let index = 0; index < layers; index++) this.waiting.delete(index);
		this.next = this.resumed = layers;
		this.resumedPaths = history.fs.paths.size;
		// Kept reports go on only when they are of exactly this stacking: one owner per path, one per death, one dead file per death.
		const paths = history.fs.paths.size;
		const deaths = state.history.deaths.length;
		const packages = state.packages?.report;
		this.resumedPackages = packages && packages.owners.length === paths && packages.deathOwners.length === deaths && packages.unownedByLayer.length === layers ? state.packages : undefined;
		this.resumedWaste = state.waste && state.waste.fileOrder.length === deaths && state.waste.byLayer.length === layers ? state.waste : undefined;
		const walk = state.walk && FinalFiles.fromWalk(history.fs, state.walk);
		this.resumedWalk = walk ? {walk, paths: history.fs.paths.size} : undefined;
		if (this.onCompleted && (!this.resumedPackages || !this.resumedWaste || !this.resumedWalk)) this.complete(below);
	}

	/**
	 * Makes the walk and reports the state taken up lacks, of its layers alone, as finish makes them, and hands
	 * the state with them to onCompleted. The next build over that state (a rebuilt top layer) then goes on from
	 * them; this one does too, so its passes at the end are the extensions rather than the full ones.
	 */
	private complete(below: Layer[]): void {
		const history = this.history.finish();
		const image = {layers: below};
		const finalFiles = this.resumedWalk?.walk ?? new FinalFiles(history.final);
		this.resumedWalk = {walk: finalFiles, paths: history.final.paths.size};
		if (!this.resumedWaste) {
			const {report, copyKeys} = wasteKept(image, history, finalFiles);
			this.resumedWaste = keepWaste(report, history, copyKeys);
		}
		this.resumedPackages ??= attributeKept(image, history, finalFiles);
		const state = this.exportState();
		state.walk = finalFiles.exportWalk();
		state.waste = this.resumedWaste;
		state.packages = this.resumedPackages;
		this.onCompleted!(below.length, state);
	}

	add(layer: Layer): void {
		// Stacked already: the builder was copied from another image's with these layers (copyAt).
		if (layer.index < this.next) return;
		this.waiting.set(layer.index, layer);
		if (this.resume) {
			// Nothing is stacked while a kept state may yet stand for these layers.
			this.takeUpState();
			if (this.resume) return;
			this.giveCopies();
		}
		for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
			this.waiting.delete(this.next);
			// One stacking serves everything; dive's whiteouts are weighed against the stack on the way.
			this.history.add(ready, (current, below) => this.dive.add(current, weighLayerWhiteouts(current, below)));
			this.stackedEntries += ready.entries.length;
			this.next++;
			this.giveCopies();
		}
	}

	/**
	 * Calls `take` when exactly `layers` layers are stacked (at once if they are), with a function that copies
	 * this builder as it stands then (to be called there and then, if at all), or with null if it is past them or
	 * the image has fewer: another image whose first layers are these (a diff's two images over a shared base)
	 * is analysed on from the copy, and those layers are stacked once for both.
	 */
	copyAt(layers: number, take: (copy: (() => AnalysisBuilder) | null) => void): void {
		this.copies.push({layers, take});
		this.giveCopies();
	}

	private giveCopies(): void {
		for (let at = this.copies.length - 1; at >= 0; at--) {
			const {layers, take} = this.copies[at]!;
			if (layers > this.next) continue;
			this.copies.splice(at, 1);
			take(layers === this.next ? () => this.copy() : null);
		}
	}

	private copy(): AnalysisBuilder {
		const copy = new AnalysisBuilder();
		copy.history = this.history.clone();
		copy.dive = this.dive.clone(copy.history.fs.paths);
		copy.next = this.next;
		return copy;
	}

	finish(image: Image): Analysis {
		for (const layer of image.layers) if (layer.index >= this.next && !this.waiting.has(layer.index)) this.add(layer);
		if (this.next !== image.layers.length) throw new Error(`analysis is missing layer ${this.next}`);
		// Copies of more layers than the image has: none will come.
		for (const {take} of this.copies.splice(0)) take(null);
		const history = this.history.finish();
		const keptWalk = this.resumedWalk;
		const finalFiles = keptWalk ? new FinalFiles(history.final, {order: keptWalk.walk, unchanged: untouchedBelow(history, this.resumed, keptWalk.paths)}) : new FinalFiles(history.final);
		this.finishedWalk = finalFiles;
		const keptWaste = (this.resumedWaste && extendWaste(this.resumedWaste, image, history, this.resumed)) || wasteKept(image, history, finalFiles);
		this.finishedWaste = {...keptWaste, history};
		const waste = keptWaste.report;
		// The findings read the packages: attributed once, before them; a next build that only added files goes on from the kept ones.
		const kept = (this.resumedPackages && extendPackages(this.resumedPackages, image, history, this.resumed)) || attributeKept(image, history, finalFiles);
		this.finishedPackages = kept;
		const packages = kept.report;
		const found = contentFindings({image, history, waste, finalFiles, packages});
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
			findings: sortFindings([...found, ...nameFindings(image)]),
			contentFindings: found,
			layerChanges: history.changes.map(countChanges),
		};
	}
}

function countChanges(changes: ChangeList): LayerChangeCounts {
	const counts = {added: 0, modified: 0, metadataOnly: 0, removed: 0, unmodified: 0};
	for (let i = 0; i < changes.length; i++) {
		counts[changes.status(i)]++;
		if (changes.metadataOnly(i)) counts.metadataOnly++;
	}
	return counts;
}

export function analyseImage(image: Image): Analysis {
	return new AnalysisBuilder().finish(image);
}

/**
 * Whether a path of the first `size` ids is as the layers below `from` left it, with everything below it:
 * no change of the layers from `from` on is at it or below it (a change touches its path and every directory
 * above it).
 */
function untouchedBelow(history: LayerHistory, from: number, size: number): (id: number) => boolean {
	const paths = history.final.paths;
	const touched = new Uint8Array(paths.size);
	for (let layer = from; layer < history.changes.length; layer++) {
		const changes = history.changes[layer]!;
		for (let i = 0; i < changes.length; i++) for (let id = changes.pathId(i); id > 0 && touched[id] === 0; id = paths.parentOf(id)) touched[id] = 1;
	}
	return id => id < size && touched[id] === 0;
}
