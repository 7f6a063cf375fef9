/**
 * Every string an image carries (file names, link targets, tags, config
 * fields, history, labels, and whatever quotes them: finding titles and
 * fixes, CI messages, errors) was chosen by whoever built the image. The core
 * keeps them exactly as stored; each kind of output escapes them here, once,
 * at the edge where the text leaves:
 *
 * | output                                   | escape                     |
 * | ---------------------------------------- | -------------------------- |
 * | terminal, text summary, CI lines, errors | escapeForTerminal          |
 * | JUnit XML                                | escapeForXml               |
 * | GitHub step summary (Markdown)           | escapeForMarkdown          |
 * | GitHub workflow commands (annotations)   | escapeWorkflowData/Property |
 *
 * JSON output keeps names exactly as stored.
 */

/**
 * Shown escaped wherever text reaches a terminal or a log: C0 controls, DEL and
 * C1 controls (escape sequences, line breaks), Unicode bidi controls and line
 * separators (text that reads differently from what it is), the BOM, the two
 * noncharacters XML forbids, lone surrogates (no character at all), and the
 * backslash, so that an escape can always be told from the same text typed.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\\]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '\u001b': '\\e'};

const visible = (char: string) => NAMED[char] ?? `\\u{${char.charCodeAt(0).toString(16)}}`;

/**
 * A GitHub Actions runner reads any line of a job's output that starts, after
 * blanks, with "::" as a workflow command (::error, ::add-mask::,
 * ::stop-commands::). Image data can start a line only through its own first
 * characters, so a value that opens with "::" has its first colon escaped.
 */
function defuseWorkflowCommand(text: string): string {
	return /^\s*::/.test(text) ? text.replace(':', '\\u{3a}') : text;
}

/** For a terminal or a log: nothing in `text` can move the cursor, restyle, retitle, reorder or start a line. */
export function escapeForTerminal(text: string): string {
	return defuseWorkflowCommand(text.replace(UNSAFE, visible));
}

/** For messages that may already quote names (JSON-style): as escapeForTerminal, but backslashes are left as they are. */
export function escapeControlCharacters(text: string): string {
	return defuseWorkflowCommand(text.replace(UNSAFE, char => (char === '\\' ? char : visible(char))));
}

/**
 * For XML text and attribute values, before the XML writer escapes markup
 * (`&`, `<`, `>`, quotes): the terminal escape already removes every character
 * XML 1.0 does not allow (C0 but tab/LF/CR, which it makes visible too,
 * U+FFFE, U+FFFF, lone surrogates), and a JUnit report is read in CI logs.
 */
export function escapeForXml(text: string): string {
	return escapeForTerminal(text);
}

/**
 * For Markdown (GitHub's step summary), in running text and in table cells:
 * after the terminal escape, every character GitHub-flavoured Markdown gives a
 * meaning (code spans, emphasis, links, images, HTML, tables, headings,
 * autolinks, mentions, backslash escapes) becomes a numeric character
 * reference, which Markdown shows as the character itself and never parses.
 * Data is never put inside a code span, where references are not decoded.
 */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()<>#+\-!|~@&:;=$%^"']/g;

export function escapeForMarkdown(text: string): string {
	return escapeForTerminal(text).replace(MARKDOWN_SPECIAL, char => `&#${char.charCodeAt(0)};`);
}

/**
 * A workflow command's data (after `::`): GitHub's runner decodes %25, %0D and
 * %0A, so those three are encoded and nothing in the data can end the command.
 * The data is terminal-escaped first: it is shown in the job's log.
 */
export function escapeWorkflowData(text: string): string {
	return escapeForTerminal(text).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A workflow command's property value (`title=…`): also `:` and `,`, which would end it. */
export function escapeWorkflowProperty(text: string): string {
	return escapeWorkflowData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
