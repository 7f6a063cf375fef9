import stringWidth from 'string-width';

/**
 * Terminal columns, counted the way Ink counts them (string-width), one code
 * point at a time: file names in CJK take two columns per character, and a
 * pane line that Ink finds wider than the frame makes it truncate the whole
 * frame. Code points are cached: a frame has a few dozen distinct ones.
 */
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
const widths = new Map<string, number>();

function charColumns(char: string): number {
	let width = widths.get(char);
	if (width === undefined) {
		width = stringWidth(char);
		widths.set(char, width);
	}
	return width;
}

/** Columns `text` takes (no escape sequences in it). Grapheme clusters count per code point, never less than Ink's count. */
export function columns(text: string): number {
	if (PRINTABLE_ASCII.test(text)) return text.length;
	let total = 0;
	for (const char of text) total += char.charCodeAt(0) < 0x80 ? 1 : charColumns(char);
	return total;
}

/** Cuts to `width` columns with an ellipsis, and pads, so every line of a pane is exactly as wide as the pane. */
export function fit(text: string, width: number): string {
	if (PRINTABLE_ASCII.test(text)) return text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text + ' '.repeat(width - text.length);
	const total = columns(text);
	if (total <= width) return text + ' '.repeat(width - total);
	let kept = '';
	let used = 0;
	for (const char of text) {
		const next = char.charCodeAt(0) < 0x80 ? 1 : charColumns(char);
		if (used + next > width - 1) break;
		kept += char;
		used += next;
	}
	// A wide character that does not fit leaves a column for padding.
	return kept + '…' + ' '.repeat(Math.max(0, width - 1 - used));
}

const SGR = /\u001B\[[0-9;]*m/g;
const BEYOND_ASCII = /[^\u0020-\u007E]/gu;

/**
 * The same line in printable ASCII, column for column, without its colors:
 * what Ink measures instead of the real line (see PaintedLines).
 */
export function standIn(line: string): string {
	const plain = line.includes('\u001B') ? line.replace(SGR, '') : line;
	return PRINTABLE_ASCII.test(plain) ? plain : plain.replace(BEYOND_ASCII, char => '.'.repeat(charColumns(char)));
}

/** The end of `text` that fits in `width` columns (a wide character that does not fit is left out). */
export function tailColumns(text: string, width: number): string {
	const chars = [...text];
	let kept = '';
	let used = 0;
	for (let index = chars.length - 1; index >= 0; index--) {
		const char = chars[index]!;
		const next = char.charCodeAt(0) < 0x80 ? 1 : charColumns(char);
		if (used + next > width) break;
		kept = char + kept;
		used += next;
	}
	return kept;
}
