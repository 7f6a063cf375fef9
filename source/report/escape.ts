/**
 * File names are bytes chosen by whoever built the image; printed raw, an
 * escape sequence in one could retitle or reprogram the user's terminal.
 * Every name shown to a person goes through here (JSON output keeps them raw).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '\u001b': '\\e'};

export function escapeForTerminal(text: string): string {
	return text.replace(UNSAFE, char => NAMED[char] ?? `\\u{${char.codePointAt(0)!.toString(16)}}`);
}

/** For messages that may already quote names (JSON-style): control characters only, backslashes left as they are. */
export function escapeControlCharacters(text: string): string {
	return text.replace(UNSAFE, char => (char === '\\' ? char : NAMED[char] ?? `\\u{${char.codePointAt(0)!.toString(16)}}`));
}
