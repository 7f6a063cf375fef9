import {describe, expect, it} from 'vitest';
import {columns, fit, standIn} from '../../source/ui/columns.js';

describe('terminal columns', () => {
	it('counts wide characters as two columns and combining marks as none', () => {
		expect(columns('abc')).toBe(3);
		expect(columns('├── 日本')).toBe(8);
		expect(columns('e\u0301')).toBe(1);
	});

	it('fits text to an exact number of columns, wide characters included', () => {
		expect(fit('abc', 5)).toBe('abc  ');
		expect(fit('abcdef', 4)).toBe('abc…');
		expect(fit('│ 日本語', 9)).toBe('│ 日本語 ');
		// "語" would take the last column, where the ellipsis goes: a blank pads instead.
		expect(fit('│ 日本語x', 8)).toBe('│ 日本… ');
		for (const text of ['日本語日本語', '├── ファイル.txt', 'plain']) for (const width of [1, 2, 5, 9]) expect(columns(fit(text, width)), `${text} in ${width}`).toBe(width);
	});

	it('stands a line in for ASCII with the same columns and without colors', () => {
		expect(standIn('\u001B[32m├── 日本\u001B[39m')).toBe('... ....');
		expect(standIn('plain')).toBe('plain');
	});
});
