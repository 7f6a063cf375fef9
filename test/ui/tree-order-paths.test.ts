import {describe, expect, it} from 'vitest';
import {contiguousWithLower} from '../../source/ui/visible-rows.js';

describe("the tree order's paths, lower-cased for plain-text filters", () => {
	it('are each path lower-cased on its own, however lower-casing the whole would differ', () => {
		// Final sigma is lower-cased by its context; İ lower-cases to two code units; ß and ﬁ stay as they are; the rest are plain.
		const alike = ['/usr/ΟΔΟΣ', '/a\nΣ', '/ΣΑΣ/Σ', '/etc/Ǆ', '/lib/ﬁle', '/Straße', '/A/B/c.TXT', '', '/ΣΑ', '/x\u0307Σ'];
		const lengthChanges = [...alike, '/tmp/İstanbul', '/İ/İİ'];
		for (const strings of [alike, lengthChanges]) {
			const [paths, lower] = contiguousWithLower(strings);
			expect(paths).toEqual(strings);
			expect(lower).toEqual(strings.map(path => path.toLowerCase()));
		}
		// The case the shortcut takes: the same lengths, one lower-casing of the joined paths.
		expect(alike.join('\n').toLowerCase().length).toBe(alike.join('\n').length);
		expect(lengthChanges.join('\n').toLowerCase().length).not.toBe(lengthChanges.join('\n').length);
	});
});
