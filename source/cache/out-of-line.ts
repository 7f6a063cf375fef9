import {DefaultDeserializer, DefaultSerializer} from 'node:v8';

/**
 * v8's serialisation with the typed arrays kept out of line: the value's
 * shape (objects, strings, numbers) is serialised as usual, and every typed
 * array in it is written after that, as its own bytes, straight from the
 * array. A kept stacking is mostly typed arrays (28 MB for 200,000 files);
 * serialising them inline copied them into a buffer that grows by doubling,
 * and framing the entry copied them once more: 60 MB of peak memory on top
 * of the run for a file of 28 MB. Here the entry is written as parts (the
 * arrays' own memory) and nothing is copied to write it.
 *
 *   u32 shape length, shape (v8), then each array at the next multiple of 8
 */

/** The typed arrays a value may hold, by the number the shape names them with. */
const ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;
/** The last kind is Buffer. */
const BUFFER = ARRAYS.length;
type ArrayType = (typeof ARRAYS)[number];

const align = (offset: number) => Math.ceil(offset / 8) * 8;

class OutOfLineSerializer extends DefaultSerializer {
	readonly arrays: Uint8Array[] = [];

	_writeHostObject(view: NodeJS.TypedArray | DataView): void {
		// Buffer first: it is a Uint8Array too, and comes back as one with Buffer's methods.
		const kind = view instanceof Buffer ? BUFFER : ARRAYS.findIndex(type => view.constructor === type);
		if (kind === -1) throw new TypeError(`cannot keep a ${view.constructor.name} out of line`);
		this.writeUint32(kind);
		this.writeUint32(view.byteLength);
		this.arrays.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
	}
}

/** The parts that, written one after the other, are the value's serialisation. The arrays are the value's own memory: write them before changing it. */
export function serializeParts(value: unknown): Uint8Array[] {
	const serializer = new OutOfLineSerializer();
	serializer.writeHeader();
	serializer.writeValue(value);
	const shape = serializer.releaseBuffer();
	const head = Buffer.alloc(4);
	head.writeUInt32BE(shape.length);
	const parts: Uint8Array[] = [head, shape];
	let offset = 4 + shape.length;
	for (const array of serializer.arrays) {
		const padded = align(offset);
		if (padded > offset) parts.push(Buffer.alloc(padded - offset));
		parts.push(array);
		offset = padded + array.length;
	}
	return parts;
}

class OutOfLineDeserializer extends DefaultDeserializer {
	/** Where the next array starts in the payload. */
	private next: number;

	constructor(
		private readonly payload: Uint8Array,
		shapeEnd: number,
	) {
		super(payload.subarray(4, shapeEnd));
		this.next = shapeEnd;
	}

	/** Where the arrays end (the payload must end there). */
	get end(): number {
		return this.next;
	}

	_readHostObject(): NodeJS.TypedArray {
		const kind = this.readUint32();
		const type = kind === BUFFER ? null : (ARRAYS[kind] as ArrayType | undefined);
		const byteLength = this.readUint32();
		const start = align(this.next);
		if (type === undefined || byteLength % (type?.BYTES_PER_ELEMENT ?? 1) !== 0 || start + byteLength > this.payload.length) throw new RangeError('not an array of this payload');
		this.next = start + byteLength;
		const at = this.payload.byteOffset + start;
		// Where it lies in the payload, when aligned there (an entry's payload starts at a multiple of 8 of its file): a kept state is
		// mostly its arrays, so they keep the file's buffer alive anyway, and copying 25 MB of them out cost more than reading them.
		if (at % (type?.BYTES_PER_ELEMENT ?? 1) === 0) {
			if (type === null) return Buffer.from(this.payload.buffer, at, byteLength);
			return new (type as Int32ArrayConstructor)(this.payload.buffer as ArrayBuffer, at, byteLength / type.BYTES_PER_ELEMENT);
		}
		// Else a copy, aligned, of its own.
		const bytes = Buffer.allocUnsafeSlow(byteLength);
		bytes.set(this.payload.subarray(start, start + byteLength));
		if (type === null) return bytes;
		return new (type as Int32ArrayConstructor)(bytes.buffer, 0, byteLength / type.BYTES_PER_ELEMENT);
	}
}

/** The value serializeParts wrote, or null when the payload is not one (short, arrays out of its bounds, bytes left over, not v8's). */
export function deserializeParts(payload: Uint8Array): unknown {
	if (payload.length < 4) return null;
	const shapeEnd = 4 + Buffer.from(payload.buffer, payload.byteOffset, 4).readUInt32BE(0);
	if (shapeEnd > payload.length) return null;
	try {
		const deserializer = new OutOfLineDeserializer(payload, shapeEnd);
		deserializer.readHeader();
		const value = deserializer.readValue();
		return deserializer.end === payload.length ? value : null;
	} catch {
		return null;
	}
}
