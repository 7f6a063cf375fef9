import prettyBytes from 'pretty-bytes';
import type {AnalysisFacts} from '../analysis/analyse.js';
import type {Severity} from '../analysis/findings/index.js';
import {formatPlatform} from '../image/platform.js';
import {escapeForTerminal} from './escape.js';
import type {Style} from './style.js';

const TOP_WASTE = 8;

/** The text summary: what the image is, each layer with its instruction, the largest waste and the findings. */
export function summaryLines({image, efficiency, waste, findings}: AnalysisFacts, style: Style): string[] {
	const name = image.repoTags[0] ?? image.input;
	const compressed = image.layers.reduce((sum, layer) => sum + layer.compressedSize, 0);
	const heading = (text: string) => style('bold', text);
	const lines = [
		`${heading(escapeForTerminal(name))}  ${escapeForTerminal(formatPlatform(image.platform))}`,
		style('dim', `id ${escapeForTerminal(image.id)}${image.manifestDigest ? `  manifest ${escapeForTerminal(image.manifestDigest)}` : ''}`),
		`${image.layers.length} layers, ${prettyBytes(waste.storedBytes)} of content (${prettyBytes(compressed)} stored)`,
		`reclaimable ${style(waste.reclaimableBytes > 0 ? 'yellow' : 'green', prettyBytes(waste.reclaimableBytes))} (${percent(waste.reclaimableBytes, waste.storedBytes)} of the content): ${causes(waste.byCause)}`,
		// dive's figures count every copy a layer holds (a chmod-ed file twice), so they run above reclaimable: labelled as dive's.
		`dive's figures: efficiency ${(efficiency.score * 100).toFixed(2)} %, wasted ${prettyBytes(efficiency.wastedBytes)} (every copy counted), user wasted ${(efficiency.userWastedPercent * 100).toFixed(2)} % of the bytes added over the base`,
		'',
		heading('  #      size  reclaimable  instruction'),
	];
	for (const step of image.history) {
		const instruction = escapeForTerminal(shortInstruction(step.createdBy));
		if (step.layerIndex === null) {
			lines.push(style('dim', `  -         -            -  ${instruction}`));
			continue;
		}
		const layer = image.layers[step.layerIndex]!;
		const dead = waste.byLayer[layer.index]!.storedDeadBytes;
		lines.push(`${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)}  ${(dead > 0 ? style('yellow', prettyBytes(dead).padStart(11)) : ''.padStart(11))}  ${instruction}`);
	}
	for (const layer of image.layers.filter(l => l.historyIndex === null)) {
		lines.push(`${String(layer.index).padStart(3)} ${prettyBytes(layer.contentSize).padStart(9)}               (no history)`);
	}
	if (waste.files.length > 0) {
		lines.push('', heading('largest waste'));
		for (const dead of waste.files.slice(0, TOP_WASTE)) {
			lines.push(`  ${prettyBytes(dead.size).padStart(9)}  ${escapeForTerminal(dead.path)}  ${style('dim', `stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`)}`);
		}
		if (waste.files.length > TOP_WASTE) lines.push(style('dim', `  … and ${waste.files.length - TOP_WASTE} more`));
	}
	if (findings.length > 0) {
		lines.push('', heading('findings'));
		for (const finding of findings) {
			const bytes = finding.bytes > 0 ? ` (${prettyBytes(finding.bytes)})` : '';
			lines.push(`  ${severityLabel(finding.severity, style)} ${escapeForTerminal(finding.title)}${bytes}`);
			for (const item of finding.paths.slice(0, 3)) lines.push(style('dim', `           ${escapeForTerminal(item.path)}  ${prettyBytes(item.bytes)}`));
			lines.push(`           fix: ${escapeForTerminal(finding.fix)}`);
		}
	}
	return lines;
}

function severityLabel(severity: Severity, style: Style): string {
	const text = severity.padEnd(6);
	return severity === 'high' ? style(['bold', 'red'], text) : severity === 'medium' ? style('yellow', text) : style('cyan', text);
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
