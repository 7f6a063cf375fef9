import {hexDump} from '../content/read-content.js';
import {escapeControlCharacters} from '../report/escape.js';
import type {ChangeRow} from '../report/file-change-lines.js';
import {columns, fit} from './columns.js';

/**
 * A file's bytes as the viewer pane shows them: numbered text lines, or a
 * hex dump. Only the rows on screen are drawn, so a whole shown part (up to
 * the viewer's limit) costs one split, and a frame a page of rows.
 */
export interface ViewerDocument {
	readonly kind: 'text' | 'binary';
	/** Text lines, or hex rows of 16 bytes. */
	readonly lineCount: number;
	/** Text only: a CRLF file, shown without its CRs. */
	readonly crlf: boolean;
	/** One row, `width` columns: a cut line (…) or, with `wrap`, the wrapped piece `part`. */
	row(line: number, width: number, part?: number): string;
	/** Rows a line takes when wrapped at `width` columns (1 for a hex row). */
	parts(line: number, width: number): number;
	/** The line's plain text, to search in (what the row shows, control characters escaped). */
	text(line: number): string;
	/** A line's colour (a diff's + and - lines), if it has one. */
	tone?(line: number): ChangeRow['tone'];
}

const TAB_STOP = 8;
const HEX_ROW = 16;

/** Text (content/read-content.ts's classifyContent decides which), split into lines once. */
export function textDocument(bytes: Uint8Array): ViewerDocument {
	const decoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
	const raw = decoded.split('\n');
	// A final newline ends the last line; it does not start another.
	if (raw.length > 1 && raw.at(-1) === '') raw.pop();
	const crlf = raw.length > 0 && raw.every((line, index) => line.endsWith('\r') || (index === raw.length - 1 && !decoded.endsWith('\n')));
	const lines = raw.map(line => shown(crlf && line.endsWith('\r') ? line.slice(0, -1) : line));
	const gutter = String(lines.length).length;
	const number = (line: number) => `${String(line + 1).padStart(gutter)} │ `;
	const body = (width: number) => Math.max(1, width - gutter - 3);
	return {
		kind: 'text',
		lineCount: lines.length,
		crlf,
		row(line, width, part) {
			const text = lines[line] ?? '';
			if (part === undefined) return fit(number(line) + text, width);
			const piece = slice(text, part * body(width), body(width));
			return fit((part === 0 ? number(line) : ' '.repeat(gutter) + ' ┆ ') + piece, width);
		},
		parts: (line, width) => Math.max(1, Math.ceil(columns(lines[line] ?? '') / body(width))),
		text: line => lines[line] ?? '',
	};
}

/** A change to a file (d): its lines as diff-file prints them, already escaped, coloured by what they are. */
export function changeDocument(rows: readonly ChangeRow[]): ViewerDocument {
	const text = (line: number) => rows[line]?.text ?? '';
	return {kind: 'text', lineCount: rows.length, crlf: false, row: (line, width, part) => fit(part === undefined ? text(line) : slice(text(line), part * width, width), width), parts: (line, width) => Math.max(1, Math.ceil(columns(text(line)) / width)), text, tone: line => rows[line]?.tone};
}

/** Binary: `hexdump -C`'s rows (content/read-content.ts), made per row as they come on screen. */
export function hexDocument(bytes: Uint8Array): ViewerDocument {
	const text = (line: number) => hexDump(bytes.subarray(line * HEX_ROW, (line + 1) * HEX_ROW), line * HEX_ROW)[0] ?? '';
	return {kind: 'binary', lineCount: Math.ceil(bytes.length / HEX_ROW), crlf: false, row: (line, width) => fit(text(line), width), parts: () => 1, text};
}

/** Every control character made visible as names are (a file cannot restyle the screen), and tabs to the next stop of what is shown. */
function shown(line: string): string {
	if (!line.includes('\t')) return escapeControlCharacters(line);
	const pieces = line.split('\t').map(escapeControlCharacters);
	let out = pieces[0]!;
	for (const piece of pieces.slice(1)) out += ' '.repeat(TAB_STOP - (columns(out) % TAB_STOP)) + piece;
	return out;
}

/** The piece of `text` from column `from`, `width` columns wide (a wide character is never split). */
function slice(text: string, from: number, width: number): string {
	let at = 0;
	let out = '';
	for (const char of text) {
		const size = columns(char);
		if (at >= from && at + size <= from + width) out += char;
		at += size;
		if (at >= from + width) break;
	}
	return out;
}
