import type {Image} from '../model.js';
import {diveEfficiency, weighLayerWhiteouts, type DiveEfficiency} from './dive-efficiency.js';
import {walkTree} from '../tree/filesystem.js';
import {buildLayerHistory, type LayerHistory} from './layer-history.js';
import {LayerTrees} from './layer-trees.js';
import {findFindings, type Finding} from './findings/index.js';
import {wasteReport, type WasteReport} from './waste.js';

/** Everything every mode reads about an image, computed once. */
export interface Analysis {
	image: Image;
	history: LayerHistory;
	/** Every layer's tree and changes, for browsing: built on first use (only the browser needs it). */
	readonly trees: LayerTrees;
	efficiency: DiveEfficiency;
	waste: WasteReport;
	findings: Finding[];
}

export function analyseImage(image: Image): Analysis {
	// One stacking serves everything; dive's whiteouts are weighed on the way.
	const whiteoutWeights: number[][] = [];
	const history = buildLayerHistory(image.layers, (layer, below) => whiteoutWeights.push(weighLayerWhiteouts(layer, below)));
	const finalFiles = [...walkTree(history.final.root)];
	const waste = wasteReport(image, history, finalFiles);
	let trees: LayerTrees | undefined;
	return {
		image,
		history,
		get trees() {
			trees ??= new LayerTrees(history);
			return trees;
		},
		efficiency: diveEfficiency(image.layers, whiteoutWeights),
		waste,
		findings: findFindings(image, history, waste, finalFiles),
	};
}
