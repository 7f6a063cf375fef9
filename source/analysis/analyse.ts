import type {Image} from '../model.js';
import {diveEfficiency, type DiveEfficiency} from './dive-efficiency.js';
import {buildLayerHistory, type LayerHistory} from './layer-history.js';
import {findFindings, type Finding} from './findings/index.js';
import {wasteReport, type WasteReport} from './waste.js';

/** Everything every mode reads about an image, computed once. */
export interface Analysis {
	image: Image;
	history: LayerHistory;
	efficiency: DiveEfficiency;
	waste: WasteReport;
	findings: Finding[];
}

export function analyseImage(image: Image): Analysis {
	const history = buildLayerHistory(image.layers);
	const waste = wasteReport(image, history);
	return {image, history, efficiency: diveEfficiency(image.layers), waste, findings: findFindings(image, history, waste)};
}
