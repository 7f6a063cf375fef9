import prettyBytes from 'pretty-bytes';
import type {Image} from '../model.js';
import {escapeForTerminal} from './escape.js';

/** A short text description of an image: what it is and what each layer and step did. */
export function summaryLines(image: Image): string[] {
	const name = image.repoTags[0] ?? image.input;
	const total = image.layers.reduce((sum, layer) => sum + layer.contentSize, 0);
	const compressed = image.layers.reduce((sum, layer) => sum + layer.compressedSize, 0);
	const lines = [
		`${escapeForTerminal(name)}  ${image.platform.os}/${image.platform.architecture}${image.platform.variant ? '/' + image.platform.variant : ''}`,
		`id ${image.id}${image.manifestDigest ? `  manifest ${image.manifestDigest}` : ''}`,
		`${image.layers.length} layers, ${prettyBytes(total)} of content (${prettyBytes(compressed)} stored)`,
		'',
		'  #      size  instruction',
	];
	image.history.forEach(step => {
		const instruction = escapeForTerminal(shortInstruction(step.createdBy));
		if (step.layerIndex === null) lines.push(`  -         -  ${instruction}`);
		else lines.push(`${String(step.layerIndex).padStart(3)} ${prettyBytes(image.layers[step.layerIndex]!.contentSize).padStart(9)}  ${instruction}`);
	});
	for (const layer of image.layers.filter(l => l.historyIndex === null)) {
		lines.push(`${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)}  (no history)`);
	}
	return lines;
}

/** "/bin/sh -c #(nop) COPY …" → "COPY …"; "/bin/sh -c apt-get …" → "RUN apt-get …". */
export function shortInstruction(createdBy: string): string {
	const text = createdBy.trim();
	const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
	if (nop) return text.slice(nop[0].length).trim();
	const shell = /^\/bin\/sh -c\s+/.exec(text);
	if (shell) return 'RUN ' + text.slice(shell[0].length).trim();
	return text;
}
