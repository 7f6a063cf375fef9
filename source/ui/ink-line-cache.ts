/**
 * Ink 6.8 composes every frame from nothing: each line of each frame is
 * split into styled characters again (ANSI tokens, then graphemes by
 * Intl.Segmenter), written cell by cell into a fresh screen buffer, and each
 * row of that buffer is turned back into a string with its ANSI codes. A
 * cursor move changes two lines of 45, yet the other 43 are done again: most
 * of a key press's time. This keeps Ink's work across frames, bounded in
 * size: its per-line results (the same line gives the same characters; Ink
 * only reads them), and the string each line becomes on the screen, so a
 * frame is the lines' kept strings put side by side. It reaches into Ink's
 * Output class, which Ink does not export: if its shape is not the one
 * expected, nothing is changed and Ink works as it always does; a frame with
 * clipping (no pane of ours clips) is composed by Ink itself.
 */
const MAX_LINES = 8192;

/** One of Ink's write operations: text at a column and row, each line passed through the transformers. */
export interface Write {
	type: 'write';
	x: number;
	y: number;
	text: string;
	transformers: Array<(line: string, index: number) => string>;
}

interface InkOutput {
	width: number;
	height: number;
	operations: Array<Write | {type: 'clip' | 'unclip'}>;
	caches?: object;
	get(): {output: string; height: number};
}

type OutputClass = new (options: {width: number; height: number}) => InkOutput;

let installed: boolean | undefined;

export async function keepInkLineCache(): Promise<boolean> {
	if (installed !== undefined) return installed;
	installed = false;
	try {
		const {default: Output} = (await import(new URL('./output.js', import.meta.resolve('ink')).href)) as {default: OutputClass};
		const sample = new Output({width: 1, height: 1});
		const caches = sample.caches?.constructor?.prototype as Record<string, unknown> | undefined;
		if (!caches || typeof caches.getStyledChars !== 'function' || typeof caches.getStringWidth !== 'function') return false;
		if (typeof Output.prototype.get !== 'function' || !Array.isArray(sample.operations) || sample.width !== 1 || sample.height !== 1) return false;
		for (const method of ['getStyledChars', 'getStringWidth'] as const) caches[method] = kept(caches[method] as (this: unknown, text: string) => unknown);
		Output.prototype.get = keptLines(Output, Output.prototype.get);
		installed = true;
	} catch {
		// Another Ink: its own way of drawing stands.
	}
	return installed;
}

/** One of Ink's per-frame caches, kept across frames. */
function kept(original: (this: unknown, text: string) => unknown): (this: unknown, text: string) => unknown {
	const values = new Map<string, unknown>();
	return function (this: unknown, text: string) {
		let value = values.get(text);
		if (value === undefined) {
			value = original.call(this, text);
			// Bounded: a long session of filters and scrolling sees many lines; start again rather than grow.
			if (values.size >= MAX_LINES) values.clear();
			values.set(text, value);
		}
		return value;
	};
}

/** A line as it lands on a row: the columns it covers, its string as Ink writes it, and whether it ends unstyled. */
interface Piece {
	span: number;
	text: string;
	endsPlain: boolean;
}

/**
 * Output.get with each line's string made once. The writes are laid on rows exactly as Ink lays them (its lines,
 * its transformers, the rows it skips). Ink turns a row's cells into one string, emitting at each cell only the
 * codes that differ from the cell before; so where the lines on a row do not overlap, and a line either has a
 * blank cell before it or follows one that ends unstyled, the row's string is the lines' own strings with blanks
 * between them, each line's string made by Ink's own get on a one-row Output beside a plain sentinel cell (which
 * gives exactly the codes Ink writes on entering it from a blank cell, and on leaving it). Any other row is made
 * by Ink's get on a one-row Output with that row's writes, in their order.
 */
function keptLines(Output: OutputClass, original: (this: InkOutput) => {output: string; height: number}): (this: InkOutput) => {output: string; height: number} {
	const pieces = new Map<string, Piece | null>();
	const compose = (width: number, writes: ReadonlyArray<readonly [number, string]>): string => {
		const one = new Output({width, height: 1});
		for (const [x, line] of writes) one.operations.push({type: 'write', x, y: 0, text: line, transformers: []});
		return original.call(one).output;
	};
	const piece = (output: InkOutput, line: string, atStart: boolean): Piece | null => {
		const key = (atStart ? '0' : '1') + line;
		let found = pieces.get(key);
		if (found !== undefined) return found;
		const caches = output.caches as {getStyledChars(line: string): Array<{value: string; styles: unknown[]}>; getStringWidth(text: string): number};
		const characters = caches.getStyledChars(line);
		let span = 0;
		for (const character of characters) span += Math.max(1, caches.getStringWidth(character.value));
		found = null;
		if (span > 0) {
			const text = atStart ? compose(span + 1, [[0, line], [span, 'X']]) : compose(span + 2, [[0, 'X'], [1, line], [span + 1, 'X']]);
			if (text.endsWith('X') && (atStart || text.startsWith('X'))) found = {span, text: text.slice(atStart ? 0 : 1, -1), endsPlain: characters.at(-1)!.styles.length === 0};
		}
		if (pieces.size >= MAX_LINES) pieces.clear();
		pieces.set(key, found);
		return found;
	};
	const row = (output: InkOutput, writes: Array<[number, string]>): string => {
		const sorted = writes.length > 1 ? [...writes].sort((a, b) => a[0] - b[0]) : writes;
		let text = '';
		let end = 0;
		let plain = true;
		for (const [x, line] of sorted) {
			if (line === '') continue;
			const found = Number.isInteger(x) && x >= end && x <= output.width ? piece(output, line, x === 0) : null;
			// Overlapping lines, or one that follows a styled cell directly: Ink's own way for this row.
			if (!found || (x === end && end > 0 && !plain)) return compose(output.width, writes);
			text += ' '.repeat(x - end) + found.text;
			end = x + found.span;
			plain = found.endsPlain;
		}
		return text.trimEnd();
	};
	return function (this: InkOutput) {
		if (this.operations.some(operation => operation.type !== 'write')) return original.call(this);
		const written: Array<Array<[number, string]>> = Array.from({length: this.height}, () => []);
		for (const operation of this.operations as Write[]) {
			if (!operation.text) continue;
			let offsetY = 0;
			for (let [index, line] of operation.text.split('\n').entries()) {
				const onRow = written[operation.y + offsetY];
				// As Ink does: a line below the screen is dropped (and does not move the lines after it down).
				if (!onRow) continue;
				for (const transformer of operation.transformers) line = transformer(line, index);
				// A transformer that made one line two would not survive the one-row composition.
				if (line.includes('\n')) return original.call(this);
				onRow.push([operation.x, line]);
				offsetY++;
			}
		}
		return {output: written.map(writes => row(this, writes)).join('\n'), height: written.length};
	};
}
