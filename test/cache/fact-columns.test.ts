import {describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import {encodeFacts, readStoredFacts} from '../../source/cache/analysis-cache.js';
import {loadImage} from '../../source/image/load.js';
import {sampleImage} from '../interop/sample-image.js';
import {columnReader, fromColumns, lazily, toColumns, type ColumnSchema} from '../../source/cache/fact-columns.js';

interface Row {
	path: string;
	size: number;
	digest: string | undefined;
}
const SCHEMA: ColumnSchema<Row> = {path: 'string', size: 'number', digest: 'optional string'};

describe('records stored as columns', () => {
	it('come back equal, numbers exact and absent strings absent, in the schema order', () => {
		const rows: Row[] = [
			{path: '/a', size: 0, digest: undefined},
			{path: '', size: -0, digest: ''},
			{path: '/dir/\u001B]0;x\u0007 \u0000 ü', size: Number.NaN, digest: 'ab'},
			{path: '/big', size: 2 ** 53 - 1, digest: 'c'.repeat(64)},
		];
		const back = fromColumns(toColumns(rows, SCHEMA), SCHEMA)!;
		expect(back).toHaveLength(rows.length);
		back.forEach((row, index) => {
			expect(Object.keys(row)).toEqual(['path', 'size', 'digest']);
			expect(row.path).toBe(rows[index]!.path);
			expect(Object.is(row.size, rows[index]!.size)).toBe(true);
			expect(row.digest).toBe(rows[index]!.digest);
		});
		expect(fromColumns(toColumns([], SCHEMA), SCHEMA)).toEqual([]);
	});

	it('are refused when they are not whole columns of the schema', () => {
		const good = toColumns([{path: '/a', size: 1, digest: 'x'}, {path: '/bb', size: 2, digest: undefined}], SCHEMA);
		const bad = {
			'not an object': 5,
			'a length that is not a count': {...good, length: 1.5},
			'a number column of another length': {...good, fields: {...good.fields, size: new Float64Array(3)}},
			'a number column that is not one': {...good, fields: {...good.fields, size: [1, 2]}},
			'lengths that do not add up to the text': {...good, fields: {...good.fields, path: {text: '/a/b', lengths: Int32Array.of(2, 3)}}},
			'an absent required string': {...good, fields: {...good.fields, path: {text: '/a', lengths: Int32Array.of(2, -1)}}},
			'a negative length': {...good, fields: {...good.fields, digest: {text: 'x', lengths: Int32Array.of(-2, 1)}}},
			'a missing column': {...good, fields: {path: good.fields.path, size: good.fields.size}},
		};
		expect(fromColumns(good, SCHEMA)).not.toBeNull();
		for (const [name, columns] of Object.entries(bad)) expect(fromColumns(columns, SCHEMA), name).toBeNull();
	});

	it('are checked whole at once, and made only when read, as often as read', () => {
		const rows: Row[] = [{path: '/a', size: 1, digest: 'x'}, {path: '', size: 2, digest: undefined}, {path: '/ccc', size: 3, digest: ''}];
		const read = columnReader(toColumns(rows, SCHEMA), SCHEMA)!;
		expect(read()).toEqual(rows);
		expect(read()).toEqual(rows);
		// A bad column is refused before anything is read.
		const columns = toColumns(rows, SCHEMA);
		expect(columnReader({...columns, fields: {...columns.fields, digest: {text: 'y', lengths: Int32Array.of(1, -1, 1)}}}, SCHEMA)).toBeNull();

		let made = 0;
		const holder = lazily<{name: string; rows: Row[]}, 'rows'>({name: 'waste'}, 'rows', () => (made++, read()));
		expect(made).toBe(0);
		expect(Object.getOwnPropertyDescriptor(holder, 'rows')!.get).toBeTypeOf('function');
		expect(holder.rows).toEqual(rows);
		expect(holder.rows).toBe(holder.rows);
		expect(made).toBe(1);
		expect(Object.getOwnPropertyDescriptor(holder, 'rows')!.value).toBe(holder.rows);
		// Spreads and JSON see it as any other property.
		expect(JSON.parse(JSON.stringify({...lazily<{rows: Row[]}, 'rows'>({}, 'rows', read)}))).toEqual({rows: rows.map(row => (row.digest === undefined ? {path: row.path, size: row.size} : row))});
	});
});

describe('stored facts', () => {
	it('keep the long lists as columns until they are read, then give them back equal', async () => {
		const analysis = analyseImage(await loadImage(sampleImage('sample.oci')));
		expect(analysis.waste.files.length).toBeGreaterThan(0);
		const stored = readStoredFacts(encodeFacts(analysis))!;
		for (const [holder, key] of [[stored.waste, 'files'], [stored.efficiency, 'inefficientFiles']] as const) expect(Object.getOwnPropertyDescriptor(holder, key)!.get, key).toBeTypeOf('function');
		expect(stored.waste.finalBytes).toBe(analysis.waste.finalBytes);
		expect(stored.waste.files).toEqual(analysis.waste.files);
		expect(stored.efficiency.inefficientFiles).toEqual(analysis.efficiency.inefficientFiles);
		expect({...stored.waste}).toEqual(analysis.waste);
	});
});
