import type {Writable} from 'node:stream';
import {extractedWords, planExtraction, writeExtraction, quote, type ExtractSummary} from '../content/extract.js';
import type {LoadOptions} from '../image/load.js';
import {withFilesystemAt} from './read-back.js';
import type {ExtractMode} from './mode.js';

/**
 * `layerscope extract IMAGE PATH... --to DIR [--layer N]`: the paths, as the
 * filesystem after layer N shows them, written under DIR (content/extract.ts
 * says how safely). stderr gets a line per entry skipped and the summary.
 */
export async function extractCommand(mode: ExtractMode, load: LoadOptions, layer: number | undefined, err: Writable, loaded: () => void = () => {}): Promise<ExtractSummary> {
	return withFilesystemAt(mode.image, load, layer, loaded, async (image, fs, source) => {
		const plan = planExtraction(fs, mode.paths, image.input);
		const summary = await writeExtraction(image, source, fs, plan, mode.to, {force: mode.force, sameOwner: mode.sameOwner, verify: load.verify !== false, onSkipped: line => err.write(`layerscope: ${line}\n`)});
		err.write(`layerscope: ${extractedWords(summary).replace(' written', ` written under ${quote(mode.to)}`)}\n`);
		return summary;
	});
}
