import {styleText} from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** Colors only when wanted: a terminal, no NO_COLOR, no --no-color. Plain text otherwise, byte for byte. */
export interface Style {
	(format: Format, text: string): string;
	enabled: boolean;
}

export function createStyle(enabled: boolean): Style {
	const style = ((format: Format, text: string) => (enabled ? styleText(format, text) : text)) as Style;
	style.enabled = enabled;
	return style;
}

/** NO_COLOR (any non-empty value) and --no-color win; otherwise color only on a terminal. */
export function wantsColor(options: {flag: boolean; env: NodeJS.ProcessEnv; isTTY: boolean}): boolean {
	if (!options.flag) return false;
	if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
	if (options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0') return true;
	return options.isTTY;
}
