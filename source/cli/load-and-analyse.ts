import {AnalysisBuilder, type Analysis} from '../analysis/analyse.js';
import {InputError} from '../errors.js';
import {loadImage, type LoadOptions} from '../image/load.js';
import {ApplyError} from '../tree/filesystem.js';

/**
 * The one analysis every mode starts from. Layers are stacked as they
 * arrive, so the analysis runs while later layers are still being read.
 */
export async function loadAndAnalyse(input: string, options: LoadOptions = {}): Promise<Analysis> {
	const builder = new AnalysisBuilder();
	try {
		const image = await loadImage(input, {
			...options,
			onLayer(layer) {
				builder.add(layer);
				options.onLayer?.(layer);
			},
		});
		return builder.finish(image);
	} catch (error) {
		// A layer a runtime would refuse to apply is bad input like any other.
		if (error instanceof ApplyError) throw new InputError(input, error.message);
		throw error;
	}
}
