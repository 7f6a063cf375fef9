import type {KeyPress} from './keymap.js';

/** Ink's key flags as one key name, so the keymap can match them. */
export function keyPress(input: string, key: {upArrow: boolean; downArrow: boolean; leftArrow: boolean; rightArrow: boolean; pageUp: boolean; pageDown: boolean; home: boolean; end: boolean; tab: boolean; escape: boolean; return: boolean; backspace: boolean; delete: boolean; ctrl: boolean}): KeyPress {
	// Terminals send Ctrl+Space as NUL, which Ink reads as a control character and names "`" (the letter before "a").
	const nul = input === '\u0000' || (key.ctrl && input === '`');
	const name = key.upArrow ? 'up' : key.downArrow ? 'down' : key.leftArrow ? 'left' : key.rightArrow ? 'right' : key.pageUp ? 'pageup' : key.pageDown ? 'pagedown' : key.home ? 'home' : key.end ? 'end' : key.tab || input === '\t' ? 'tab' : key.escape ? 'escape' : key.return || input === '\r' || input === '\n' ? 'return' : key.backspace || key.delete || input === '\u007F' || input === '\b' ? 'backspace' : input === ' ' || nul ? 'space' : input;
	return {name, ctrl: key.ctrl || nul};
}
