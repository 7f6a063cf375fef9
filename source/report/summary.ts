import prettyBytes from 'pretty-bytes';
import type {Analysis} from '../analysis/analyse.js';
import {escapeForTerminal} from './escape.js';

/** A short text description of an image: what it is and what each layer and step did. */
export function summaryLines({image, efficiency, waste, findings}: Analysis): string[] {
	const name = image.repoTags[0] ?? image.input;
	const total = image.layers.reduce((sum, layer) => sum + layer.contentSize, 0);
	const compressed = image.layers.reduce((sum, layer) => sum + layer.compressedSize, 0);
	const lines = [
		`${escapeForTerminal(name)}  ${image.platform.os}/${image.platform.architecture}${image.platform.variant ? '/' + image.platform.variant : ''}`,
		`id ${image.id}${image.manifestDigest ? `  manifest ${image.manifestDigest}` : ''}`,
		`${image.layers.length} layers, ${prettyBytes(total)} of content (${prettyBytes(compressed)} stored)`,
		`reclaimable ${prettyBytes(waste.reclaimableBytes)} (${percent(waste.reclaimableBytes, total)} of the content): ${causes(waste.byCause)}`,
		`dive efficiency ${(efficiency.score * 100).toFixed(2)} %, wasted ${prettyBytes(efficiency.wastedBytes)}, user wasted ${(efficiency.userWastedPercent * 100).toFixed(2)} %`,
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
	if (waste.files.length > 0) {
		lines.push('', 'largest waste');
		for (const dead of waste.files.slice(0, 8)) {
			lines.push(`  ${prettyBytes(dead.size).padStart(9)}  ${escapeForTerminal(dead.path)}  stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`);
		}
	}
	if (findings.length > 0) {
		lines.push('', 'findings');
		for (const finding of findings) {
			const bytes = finding.bytes > 0 ? ` (${prettyBytes(finding.bytes)})` : '';
			lines.push(`  ${finding.severity.padEnd(6)} ${escapeForTerminal(finding.title)}${bytes}`);
			for (const item of finding.paths.slice(0, 3)) lines.push(`           ${escapeForTerminal(item.path)}  ${prettyBytes(item.bytes)}`);
			lines.push(`           fix: ${finding.fix}`);
		}
	}
	return lines;
}

function percent(part: number, whole: number): string {
	return whole === 0 ? '0 %' : `${((part / whole) * 100).toFixed(1)} %`;
}

function causes(byCause: Record<string, number>): string {
	const parts = Object.entries(byCause).filter(([, bytes]) => bytes > 0).map(([cause, bytes]) => `${prettyBytes(bytes)} ${cause}`);
	return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * The Dockerfile line behind a history step, as a person wrote it:
 * "/bin/sh -c #(nop) COPY …" → "COPY …", "/bin/sh -c apt-get …" → "RUN apt-get …",
 * BuildKit's "RUN /bin/sh -c apt-get … # buildkit" → "RUN apt-get …".
 */
export function shortInstruction(createdBy: string): string {
	let text = createdBy.trim().replace(/\s*# buildkit$/, '');
	const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
	if (nop) return text.slice(nop[0].length).trim();
	const shell = /^(?:RUN )?\/bin\/(?:ba)?sh -c\s+/.exec(text);
	if (shell) text = 'RUN ' + text.slice(shell[0].length).trim();
	return text;
}
