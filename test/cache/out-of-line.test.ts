import {serialize} from 'node:v8';
import {describe, expect, it} from 'vitest';
import {deserializeParts, serializeParts} from '../../source/cache/out-of-line.js';

/** A value with every kind of typed array, views into larger buffers among them, and plain data around them. */
function sample() {
	const big = new Float64Array(10).map((_, i) => i + 0.5);
	return {
		name: 'state',
		numbers: [1, NaN, -0, 2 ** 60],
		absent: undefined,
		arrays: [
			new Int8Array([-1, 2]),
			new Uint8Array([255, 0, 7]),
			new Uint8ClampedArray([3]),
			new Int16Array([-300]),
			new Uint16Array([60000, 1]),
			new Int32Array([-(2 ** 31), 5, 6]),
			new Uint32Array([2 ** 32 - 1]),
			new Float32Array([1.5]),
			new Float64Array(big.buffer, 8, 3),
			new BigInt64Array([-5n]),
			new BigUint64Array([2n ** 64n - 1n]),
			new Int32Array(0),
		],
		buffer: Buffer.from('names, as bytes'),
		nested: {again: new Int32Array([9, 8, 7])},
	};
}

describe('v8 serialisation with typed arrays out of line', () => {
	it('round-trips every kind of typed array, Buffers as Buffers, and the plain data between them', () => {
		const value = sample();
		const payload = Buffer.concat(serializeParts(value));
		const back = deserializeParts(payload) as ReturnType<typeof sample>;
		expect(back).toEqual(value);
		back.arrays.forEach((array, index) => expect(array.constructor, String(index)).toBe(value.arrays[index]!.constructor));
		expect(Buffer.isBuffer(back.buffer)).toBe(true);
		expect(back.buffer.toString('utf8', 0, 5)).toBe('names');
		// A view into a larger buffer is written as the view: its neighbours are not in the entry.
		expect(back.arrays[8]).toEqual(new Float64Array([1.5, 2.5, 3.5]));
		expect(back.arrays[8]!.byteLength).toBe(24);
		// An aligned payload's arrays are read where they lie in it, not copied.
		if (payload.byteOffset % 8 === 0) for (const array of back.arrays) expect(array.buffer).toBe(payload.buffer);
	});

	it('writes the arrays as their own memory (no copy), each at a multiple of 8, and reads them from any alignment, in place when aligned', () => {
		const value = {a: new Uint8Array([1, 2, 3]), b: new Float64Array([4, 5])};
		const parts = serializeParts(value);
		expect(parts.some(part => part.buffer === value.a.buffer)).toBe(true);
		expect(parts.some(part => part.buffer === value.b.buffer)).toBe(true);
		const bytes = Buffer.concat(parts);
		// Read from an odd offset, the arrays are aligned copies; from a multiple of 8, views of the payload.
		const shifted = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
		const copied = deserializeParts(shifted) as typeof value;
		expect(copied).toEqual(value);
		expect(copied.b.buffer).not.toBe(shifted.buffer);
		const aligned = Buffer.concat([Buffer.alloc(8), bytes]).subarray(8);
		const viewed = deserializeParts(aligned) as typeof value;
		expect(viewed).toEqual(value);
		expect(viewed.a.buffer).toBe(aligned.buffer);
		expect(viewed.b.buffer).toBe(aligned.buffer);
	});

	it('refuses payloads that are not whole: truncated, with bytes left over, arrays out of bounds, not its format', () => {
		const bytes = Buffer.concat(serializeParts(sample()));
		expect(deserializeParts(bytes)).not.toBeNull();
		expect(deserializeParts(bytes.subarray(0, bytes.length - 1))).toBeNull();
		expect(deserializeParts(Buffer.concat([bytes, Buffer.alloc(1)]))).toBeNull();
		expect(deserializeParts(bytes.subarray(0, 3))).toBeNull();
		const longShape = Buffer.from(bytes);
		longShape.writeUInt32BE(bytes.length, 0);
		expect(deserializeParts(longShape)).toBeNull();
		expect(deserializeParts(serialize(sample()))).toBeNull();
		expect(deserializeParts(Buffer.alloc(64, 0xff))).toBeNull();
	});
});
