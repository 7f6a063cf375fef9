import prettyBytes from 'pretty-bytes';
import wrapAnsi from 'wrap-ansi';
import type {Analysis} from '../analysis/analyse.js';
import {formatPlatform} from '../image/platform.js';
import {escapeForTerminal} from '../report/escape.js';
import {shortInstruction} from '../report/summary.js';
import {columns} from './columns.js';

/** Where Enter on an entry goes: a path in the tree after a layer. */
export interface DetailTarget {
	layer: number;
	path: string;
}

export interface DetailLine {
	text: string;
	tone?: 'bold' | 'dim' | 'yellow';
	/** The entry the line belongs to (a finding's title, instruction and fix are three entries and one stop). */
	entry: number;
}

/** An entry the cursor stops at: its lines, and where it leads. */
export interface DetailStop {
	first: number;
	last: number;
	target: DetailTarget;
}

/** The pane, wrapped as far as it has been read: an image with 8,000 reclaimable files wraps only what is shown. */
export interface DetailPane {
	/** How many entries the cursor stops at. */
	readonly stopCount: number;
	/** A stop's lines (the entries before it are wrapped on the way). */
	stop(index: number): DetailStop | undefined;
	/** Lines [from, to), or fewer at the end. */
	lines(from: number, to: number): DetailLine[];
}

/** One entry as written, before wrapping: a stop when it has a target, or part of the stop before it when it joins it. */
export interface PaneEntry {
	text: string;
	tone?: DetailLine['tone'];
	/** Where its wrapped lines continue. */
	indent?: string;
	target?: DetailTarget;
	/** The entry belongs to the previous stop (a finding's instruction and fix belong to its title). */
	join?: boolean;
}

/**
 * The details pane (Tab to it): the image, every finding with its whole fix
 * and its paths, and every reclaimable file with the layer that stored it,
 * the layer that killed it and why. Every entry is wrapped to the width, so
 * nothing is cut: at 80 columns a long path takes two lines; an entry is
 * wrapped when it is first shown, or when a stop after it is asked for.
 * Entries with a target are the cursor's stops; Enter shows them in the tree.
 */
export function detailPane(analysis: Analysis, width: number): DetailPane {
	const {image, efficiency, waste, findings} = analysis;
	const last = Math.max(0, image.layers.length - 1);
	const storedIn = new Map(waste.files.map(file => [file.path, file.storedIn]));
	const entries: PaneEntry[] = [];
	const add = (text: string, options: Omit<PaneEntry, 'text'> = {}) => entries.push({text, ...options});
	add(`Image ${escapeForTerminal(image.repoTags.join(', ') || image.input)}`, {tone: 'bold'});
	add(`${escapeForTerminal(formatPlatform(image.platform))} · ${image.layers.length} layers · ${prettyBytes(waste.storedBytes)} of content`);
	add(`reclaimable ${prettyBytes(waste.reclaimableBytes)} (${waste.storedBytes === 0 ? 0 : ((waste.reclaimableBytes / waste.storedBytes) * 100).toFixed(1)} % of the content)`, {tone: waste.reclaimableBytes > 0 ? 'yellow' : undefined});
	add(`dive's figures: efficiency ${(efficiency.score * 100).toFixed(2)} % · wasted ${prettyBytes(efficiency.wastedBytes)} (every copy counted)`, {tone: 'dim'});
	add('');
	add(`Findings (${findings.length})`, {tone: 'bold'});
	for (const finding of findings) {
		const layerOf = (path: string) => storedIn.get(path) ?? finding.layer ?? last;
		const first = finding.paths[0];
		const mark = finding.severity === 'high' ? '!!' : finding.severity === 'medium' ? '! ' : '· ';
		// A finding opens to its layer's instruction and its whole fix, one stop; its paths follow, a stop each.
		const target = first ? {layer: layerOf(first.path), path: first.path} : {layer: finding.layer ?? last, path: '/'};
		add(`${mark} ${escapeForTerminal(finding.title)}${finding.bytes > 0 ? ` (${prettyBytes(finding.bytes)})` : ''}`, {indent: '   ', target});
		if (finding.instruction !== null) add(`   layer ${finding.layer}: ${escapeForTerminal(shortInstruction(finding.instruction))}`, {tone: 'dim', indent: '   ', join: true});
		add(`   fix: ${escapeForTerminal(finding.fix)}`, {indent: '   ', join: true});
		for (const item of finding.paths) add(`     ${prettyBytes(item.bytes)}  ${escapeForTerminal(item.path)}`, {indent: '       ', target: {layer: layerOf(item.path), path: item.path}});
	}
	add('');
	add(`Reclaimable files (${waste.files.length}, ${prettyBytes(waste.reclaimableBytes)})`, {tone: 'bold'});
	for (const dead of waste.files) {
		add(`${prettyBytes(dead.size)}  ${escapeForTerminal(dead.path)} · stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`, {indent: '  ', target: {layer: dead.storedIn, path: dead.path}});
	}

	return linePane(entries, width);
}

/** Entries as a pane, each wrapped to `width` when first shown or when a stop after it is asked for. */
export function linePane(entries: readonly PaneEntry[], width: number): DetailPane {
	/** Stops as ranges of entries. */
	const stops: Array<{first: number; last: number; target: DetailTarget}> = [];
	entries.forEach((entry, index) => {
		if (entry.join && stops.length > 0 && stops.at(-1)!.last === index - 1) stops.at(-1)!.last = index;
		else if (entry.target) stops.push({first: index, last: index, target: entry.target});
	});
	const lines: DetailLine[] = [];
	/** By entry, as far as wrapped: its first line. */
	const firstLine: number[] = [];
	const wrapUpTo = (entry: number, lineCount = Number.POSITIVE_INFINITY) => {
		while (firstLine.length <= entry && firstLine.length < entries.length && lines.length < lineCount) {
			const index = firstLine.length;
			const {text, tone, indent = ''} = entries[index]!;
			firstLine.push(lines.length);
			// Most lines fit as they are: wrapping measures every character.
			const room = Math.max(8, width - indent.length);
			const fits = columns(text) <= room && text.trim() === text;
			const wrapped = text === '' || fits ? [text] : wrapAnsi(text, room, {hard: true, trim: true}).split('\n');
			for (const [at, part] of wrapped.entries()) lines.push({text: (at === 0 ? '' : indent) + part, tone, entry: index});
		}
	};
	const endOf = (entry: number) => (entry + 1 < firstLine.length ? firstLine[entry + 1]! : lines.length) - 1;
	return {
		stopCount: stops.length,
		stop(index) {
			const stop = stops[index];
			if (!stop) return undefined;
			wrapUpTo(stop.last);
			return {first: firstLine[stop.first]!, last: endOf(stop.last), target: stop.target};
		},
		lines(from, to) {
			wrapUpTo(entries.length - 1, to);
			return lines.slice(from, to);
		},
	};
}
