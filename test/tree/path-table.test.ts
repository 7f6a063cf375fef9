import {describe, expect, it} from 'vitest';
import {PathTable} from '../../source/tree/path-table.js';

/** Pieces of names as bytes: ASCII, two-, three- and four-byte characters (U+E000 and U+FFFD sort after the surrogates UTF-16 gives U+1F600), and bytes that are not UTF-8. */
const PIECES: number[][] = [[0x61], [0x62], [0x41], [0x2e], [0x20], [0x7f], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbd], [0xf0, 0x9f, 0x98, 0x80], [0xc3], [0x80], [0xe2, 0x82], [0xff], [0xf0, 0x9f]];

describe('the path table', () => {
	it('orders names as JavaScript orders their strings, names of any bytes, mostly without decoding them', () => {
		let seed = 11;
		const random = () => {
			seed = (seed + 0x6d2b79f5) | 0;
			let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
			t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
			return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		};
		const table = new PathTable();
		const ids = new Set<number>();
		for (let n = 0; n < 600; n++) {
			const bytes = Uint8Array.from(Array.from({length: 1 + Math.floor(random() * 4)}, () => PIECES[Math.floor(random() * PIECES.length)]!).flat());
			ids.add(table.intern(0, bytes, 0, bytes.length));
		}
		const all = [...ids];
		let decodedDiffer = 0;
		for (const a of all) {
			for (const b of all) {
				const [x, y] = [table.nameOf(a), table.nameOf(b)];
				const expected = x < y ? -1 : x > y ? 1 : 0;
				expect(Math.sign(table.compareNames(a, b)), `${JSON.stringify(x)} against ${JSON.stringify(y)}`).toBe(expected);
				// Byte order is not string order for these: the test holds names where taking bytes would be wrong.
				const bytesOrder = Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y)));
				if (bytesOrder !== expected) decodedDiffer++;
			}
		}
		expect(decodedDiffer).toBeGreaterThan(100);
		// The root's name is "" and comes first.
		expect(table.compareNames(0, all[0]!)).toBeLessThan(0);
	});

	it('names a path as its names decoded one by one and joined, for names of any bytes and paths longer than any before', () => {
		let seed = 5;
		const random = () => {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			return seed / 4294967296;
		};
		const table = new PathTable();
		const decoded = new Map<number, string[]>([[0, []]]);
		const ids = [0];
		for (let n = 0; n < 3000; n++) {
			const parent = ids[Math.floor(random() * ids.length)]!;
			// Now and then a name of thousands of bytes, so that a path outgrows what pathOf assembled before.
			const pieces = random() < 0.01 ? 5000 : 1 + Math.floor(random() * 4);
			const bytes = Uint8Array.from(Array.from({length: pieces}, () => PIECES[Math.floor(random() * PIECES.length)]!).flat());
			const id = table.intern(parent, bytes, 0, bytes.length);
			if (decoded.has(id)) continue;
			decoded.set(id, [...decoded.get(parent)!, Buffer.from(bytes).toString('utf8')]);
			ids.push(id);
		}
		expect(Math.max(...ids.map(id => Buffer.byteLength(table.pathOf(id))))).toBeGreaterThan(8192);
		for (const id of ids) expect(table.pathOf(id), `path ${id}`).toBe('/' + decoded.get(id)!.join('/'));
	});
});
