import {asBuffer} from '../entry-table.js';
import {grown} from '../typed-arrays.js';

/**
 * Every path the stack has seen, interned: an id per path, with its
 * parent's id and its name as a slice of one UTF-8 buffer. A child is found
 * by (parent, name) through one open-addressing hash over all paths, so a
 * path costs a few dozen bytes and no object, and no directory keeps a Map.
 * Id 0 is the root. Ids are never reused: a path that goes and comes back
 * keeps its id (its state lives elsewhere).
 */
export interface PathTableState {
	count: number;
	parents: Int32Array<ArrayBuffer>;
	nameEnds: Uint32Array<ArrayBuffer>;
	nameBytes: Uint8Array<ArrayBuffer>;
	hashes: Uint32Array<ArrayBuffer>;
	slots: Int32Array<ArrayBuffer>;
}

/** Where pathOf assembles a path's bytes: one per process, grown to the longest path named. */
let scratch = Buffer.allocUnsafe(4096);

export class PathTable {
	private count = 1;
	private parents = new Int32Array(64).fill(-1);
	private nameEnds = new Uint32Array(64);
	private nameBytes = new Uint8Array(1024);
	/** nameBytes as a Buffer, to decode names from. */
	private nameText = asBuffer(this.nameBytes);
	private hashes = new Uint32Array(64);
	/** id + 1 per slot, 0 when empty; always at most half full. */
	private slots = new Int32Array(128);

	get size(): number {
		return this.count;
	}

	/** What the table holds, as arrays (a kept stack, see tree/stack-state.ts). */
	exportState(): PathTableState {
		return {count: this.count, parents: this.parents, nameEnds: this.nameEnds, nameBytes: this.nameBytes, hashes: this.hashes, slots: this.slots};
	}

	/** A table from exported arrays, or null when they cannot be one (lengths that disagree, a parent after its child, a slot past the ids). */
	static fromState(state: PathTableState): PathTable | null {
		const {count, parents, nameEnds, nameBytes, hashes, slots} = state;
		if (!(parents instanceof Int32Array) || !(nameEnds instanceof Uint32Array) || !(nameBytes instanceof Uint8Array) || !(hashes instanceof Uint32Array) || !(slots instanceof Int32Array)) return null;
		if (!Number.isInteger(count) || count < 1 || parents.length < count || nameEnds.length < count || hashes.length < count) return null;
		if (slots.length < count * 2 || (slots.length & (slots.length - 1)) !== 0) return null;
		for (let id = 1; id < count; id++) {
			if (parents[id]! < 0 || parents[id]! >= id || nameEnds[id]! < nameEnds[id - 1]! || nameEnds[id]! > nameBytes.length) return null;
		}
		// At most one slot per id, so that at least half the table is empty and every probe ends at an empty slot.
		let occupied = 0;
		for (let slot = 0; slot < slots.length; slot++) {
			if (slots[slot]! < 0 || slots[slot]! > count) return null;
			if (slots[slot] !== 0) occupied++;
		}
		if (occupied > count) return null;
		const table = new PathTable();
		table.count = count;
		table.parents = parents;
		table.nameEnds = nameEnds;
		table.nameBytes = nameBytes;
		table.nameText = asBuffer(nameBytes);
		table.hashes = hashes;
		table.slots = slots;
		return table;
	}

	/** A table that starts where this one is and grows apart from it (two stacks that share their first layers). */
	clone(): PathTable {
		const copy = new PathTable();
		copy.count = this.count;
		copy.parents = this.parents.slice();
		copy.nameEnds = this.nameEnds.slice();
		copy.nameBytes = this.nameBytes.slice();
		copy.nameText = asBuffer(copy.nameBytes);
		copy.hashes = this.hashes.slice();
		copy.slots = this.slots.slice();
		return copy;
	}

	parentOf(id: number): number {
		return this.parents[id]!;
	}

	/** The child of `parent` named by bytes[start..end), or -1 when the table has never seen it. */
	find(parent: number, bytes: Uint8Array, start: number, end: number): number {
		const hash = hashName(parent, bytes, start, end);
		const mask = this.slots.length - 1;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const held = this.slots[slot]!;
			if (held === 0) return -1;
			const id = held - 1;
			if (this.hashes[id] === hash && this.parents[id] === parent && this.nameIs(id, bytes, start, end)) return id;
		}
	}

	/** The child's id, made on first sight. */
	intern(parent: number, bytes: Uint8Array, start: number, end: number): number {
		const known = this.find(parent, bytes, start, end);
		if (known !== -1) return known;
		if (this.count === this.parents.length) this.growIds();
		const id = this.count++;
		const from = id === 0 ? 0 : this.nameEnds[id - 1]!;
		const length = end - start;
		if (from + length > this.nameBytes.length) {
			const grown = new Uint8Array(Math.max(this.nameBytes.length * 2, from + length));
			grown.set(this.nameBytes.subarray(0, from));
			this.nameBytes = grown;
			this.nameText = asBuffer(grown);
		}
		this.nameBytes.set(bytes.subarray(start, end), from);
		this.nameEnds[id] = from + length;
		this.parents[id] = parent;
		const hash = hashName(parent, bytes, start, end);
		this.hashes[id] = hash;
		if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
		else this.place(id, hash);
		return id;
	}

	/**
	 * The id of an absolute path given as UTF-8 bytes[start..end), interning
	 * every component on the way. Taken as written: after the leading "/",
	 * every component is a name, even "", "." or ".." ("/a/" is "a" then "").
	 */
	internPath(bytes: Uint8Array, start: number, end: number): number {
		let id = 0;
		if (end - start <= 1) return id;
		for (let from = start + 1; ; ) {
			let to = from;
			while (to < end && bytes[to] !== 0x2f) to++;
			id = this.intern(id, bytes, from, to);
			if (to >= end) return id;
			from = to + 1;
		}
	}

	/**
	 * Name order as the model sorts it: nameOf(a) against nameOf(b) as JavaScript orders strings (by UTF-16
	 * code unit), negative, zero or positive, mostly without decoding either. Up to the first byte where they differ the names are the same characters;
	 * a byte below 0x80 is a character of its own in UTF-8, even after a cut-off sequence, so where both differing
	 * bytes are, they order the names as their characters do. Anything else (two multi-byte characters, whose
	 * byte order is not UTF-16's past U+FFFF, bytes that are not UTF-8) is decoded and compared as strings.
	 */
	compareNames(a: number, b: number): number {
		if (a === b) return 0;
		const bytes = this.nameBytes;
		let i = a === 0 ? 0 : this.nameEnds[a - 1]!;
		let j = b === 0 ? 0 : this.nameEnds[b - 1]!;
		const aEnd = a === 0 ? 0 : this.nameEnds[a]!;
		const bEnd = b === 0 ? 0 : this.nameEnds[b]!;
		for (; i < aEnd && j < bEnd; i++, j++) {
			const x = bytes[i]!;
			const y = bytes[j]!;
			if (x === y) continue;
			return x < 0x80 && y < 0x80 ? x - y : this.compareDecoded(a, b);
		}
		if (i === aEnd && j === bEnd) return 0;
		// One name is the other's start: the longer is greater when what follows is a character of its own.
		const next = i < aEnd ? bytes[i]! : bytes[j]!;
		if (next < 0x80) return i < aEnd ? 1 : -1;
		return this.compareDecoded(a, b);
	}

	private compareDecoded(a: number, b: number): number {
		const x = this.nameOf(a);
		const y = this.nameOf(b);
		return x < y ? -1 : x > y ? 1 : 0;
	}

	nameOf(id: number): string {
		return id === 0 ? '' : this.nameText.toString('utf8', this.nameEnds[id - 1]!, this.nameEnds[id]!);
	}

	/**
	 * The absolute path ("/" for the root): its names' bytes copied, last first, into one scratch buffer and
	 * decoded once. Decoding name by name cost a native call per component, the most of a report's time
	 * spent naming paths; "/" ends any cut-off UTF-8 sequence as a name's end did, so the text is the same.
	 */
	pathOf(id: number): string {
		if (id === 0) return '/';
		let length = 0;
		for (let at = id; at !== 0; at = this.parents[at]!) length += this.nameEnds[at]! - this.nameEnds[at - 1]! + 1;
		if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
		const names = this.nameBytes;
		let end = length;
		for (let at = id; at !== 0; at = this.parents[at]!) {
			const from = this.nameEnds[at - 1]!;
			const to = this.nameEnds[at]!;
			end -= to - from;
			for (let i = from, j = end; i < to; i++, j++) scratch[j] = names[i]!;
			scratch[--end] = 0x2f;
		}
		return scratch.toString('utf8', 0, length);
	}

	private nameIs(id: number, bytes: Uint8Array, start: number, end: number): boolean {
		const from = id === 0 ? 0 : this.nameEnds[id - 1]!;
		if (this.nameEnds[id]! - from !== end - start) return false;
		const names = this.nameBytes;
		for (let i = 0; i < end - start; i++) if (names[from + i] !== bytes[start + i]) return false;
		return true;
	}

	private place(id: number, hash: number): void {
		const mask = this.slots.length - 1;
		let slot = hash & mask;
		while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
		this.slots[slot] = id + 1;
	}

	private rehash(size: number): void {
		this.slots = new Int32Array(size);
		for (let id = 1; id < this.count; id++) this.place(id, this.hashes[id]!);
	}

	private growIds(): void {
		const size = this.parents.length * 2;
		this.parents = grown(this.parents, size, -1);
		this.nameEnds = grown(this.nameEnds, size);
		this.hashes = grown(this.hashes, size);
	}

}

/** FNV-1a over the parent id and the name's bytes. */
function hashName(parent: number, bytes: Uint8Array, start: number, end: number): number {
	let hash = (0x811c9dc5 ^ parent) >>> 0;
	hash = Math.imul(hash, 0x01000193);
	for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
	return hash >>> 0;
}
