/**
 * Long arrays of flat records (the waste's dead files, dive's inefficient
 * paths: tens of thousands on a large image) stored as columns: numbers in
 * one Float64Array per field (exact, NaN and -0 included), strings joined
 * into one with their lengths beside them. v8's deserialiser makes one
 * object and its strings per record, at 1–2 µs each; typed arrays and one
 * string come back as a copy, and the records are then made in one loop.
 */
export type ColumnKind = 'number' | 'string' | 'optional string';
export type ColumnSchema<T> = {[K in keyof T]-?: ColumnKind};

interface StringColumn {
	text: string;
	/** Each record's string length; -1 for an absent optional string. */
	lengths: Int32Array;
}

export interface Columns {
	length: number;
	fields: Record<string, Float64Array | StringColumn>;
}

export function toColumns<T extends object>(rows: readonly T[], schema: ColumnSchema<T>): Columns {
	const fields: Columns['fields'] = {};
	for (const [field, kind] of Object.entries(schema) as Array<[keyof T & string, ColumnKind]>) {
		// Plain loops: Float64Array.from with a mapping function goes through the iterator protocol, 10× slower.
		if (kind === 'number') {
			const numbers = new Float64Array(rows.length);
			for (let index = 0; index < rows.length; index++) numbers[index] = rows[index]![field] as number;
			fields[field] = numbers;
			continue;
		}
		const lengths = new Int32Array(rows.length);
		const parts: string[] = [];
		for (let index = 0; index < rows.length; index++) {
			const value = rows[index]![field] as string | undefined;
			if (value === undefined) lengths[index] = -1;
			else {
				lengths[index] = value.length;
				parts.push(value);
			}
		}
		fields[field] = {text: parts.join(''), lengths};
	}
	return {length: rows.length, fields};
}

/** The records back, fields in the schema's order; null when the columns are not whole columns of this schema. */
export function fromColumns<T extends object>(columns: unknown, schema: ColumnSchema<T>): T[] | null {
	if (typeof columns !== 'object' || columns === null) return null;
	const {length, fields} = columns as Partial<Columns>;
	if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || typeof fields !== 'object' || fields === null) return null;
	const names = Object.keys(schema) as Array<keyof T & string>;
	const readers: Array<(index: number) => unknown> = [];
	for (const name of names) {
		const column = (fields as Record<string, unknown>)[name];
		if (schema[name] === 'number') {
			if (!(column instanceof Float64Array) || column.length !== length) return null;
			readers.push(index => column[index]);
			continue;
		}
		const {text, lengths} = (column ?? {}) as Partial<StringColumn>;
		if (typeof text !== 'string' || !(lengths instanceof Int32Array) || lengths.length !== length) return null;
		// Offsets first, so that a length that does not add up refuses the column before a record is made.
		const starts = new Float64Array(length);
		let at = 0;
		for (let index = 0; index < length; index++) {
			const size = lengths[index]!;
			if (size < -1 || (size === -1 && schema[name] !== 'optional string')) return null;
			starts[index] = at;
			if (size > 0) at += size;
		}
		if (at !== text.length) return null;
		readers.push(index => (lengths[index] === -1 ? undefined : text.slice(starts[index], starts[index]! + lengths[index]!)));
	}
	const rows = new Array<T>(length);
	for (let index = 0; index < length; index++) {
		const row = {} as Record<string, unknown>;
		for (let field = 0; field < names.length; field++) row[names[field]!] = readers[field]!(index);
		rows[index] = row as T;
	}
	return rows;
}
