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
	return columnReader(columns, schema)?.() ?? null;
}

/**
 * The columns checked whole now (every length, every offset), the records
 * made only when asked for: a run that never reads a long list (a diff
 * reads neither) makes none of its objects. Null when the columns are not
 * whole columns of this schema.
 */
export function columnReader<T extends object>(columns: unknown, schema: ColumnSchema<T>): (() => T[]) | null {
	if (typeof columns !== 'object' || columns === null) return null;
	const {length, fields} = columns as Partial<Columns>;
	if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || typeof fields !== 'object' || fields === null) return null;
	const names = Object.keys(schema) as Array<keyof T & string>;
	const checked: Array<Float64Array | StringColumn> = [];
	for (const name of names) {
		const column = (fields as Record<string, unknown>)[name];
		if (schema[name] === 'number') {
			if (!(column instanceof Float64Array) || column.length !== length) return null;
			checked.push(column);
			continue;
		}
		const {text, lengths} = (column ?? {}) as Partial<StringColumn>;
		if (typeof text !== 'string' || !(lengths instanceof Int32Array) || lengths.length !== length) return null;
		// Every length checked first, so that lengths that do not add up refuse the column before a record is made.
		const optional = schema[name] === 'optional string';
		let total = 0;
		for (let index = 0; index < length; index++) {
			const size = lengths[index]!;
			if (size < -1 || (size === -1 && !optional)) return null;
			if (size > 0) total += size;
		}
		if (total !== text.length) return null;
		checked.push({text, lengths});
	}
	return () => {
		// Records in order: each field's next string starts where its last one ended.
		const at = new Float64Array(names.length);
		const rows = new Array<T>(length);
		for (let index = 0; index < length; index++) {
			const row = {} as Record<string, unknown>;
			for (let field = 0; field < names.length; field++) {
				const column = checked[field]!;
				if (column instanceof Float64Array) {
					row[names[field]!] = column[index];
					continue;
				}
				const size = column.lengths[index]!;
				if (size === -1) row[names[field]!] = undefined;
				else {
					row[names[field]!] = column.text.slice(at[field], at[field]! + size);
					at[field]! += size;
				}
			}
			rows[index] = row as T;
		}
		return rows;
	};
}

/** `object` with `key` made by `make` when first read (then a plain property like any other): enumerable, so spreads and JSON see it. */
export function lazily<O extends object, K extends keyof O>(object: Omit<O, K>, key: K, make: () => O[K]): O {
	return Object.defineProperty(object, key, {
		enumerable: true,
		configurable: true,
		get() {
			const value = make();
			Object.defineProperty(object, key, {value, enumerable: true, configurable: true, writable: true});
			return value;
		},
	}) as O;
}
