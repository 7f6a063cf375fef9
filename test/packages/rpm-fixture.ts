/** rpmdb.sqlite as rpm 4.16+ writes it: a Packages table of header blobs (index entries, then the data store). */
import initSqlJs from 'sql.js';

export interface RpmFixturePackage {
	name: string;
	version: string;
	release: string;
	epoch?: number;
	arch: string;
	/** Absolute paths and their sizes (directories too, with size 4096 as rpm records them). */
	files: Array<[path: string, size: number]>;
}

type Value = {type: 4; numbers: number[]} | {type: 6 | 8; strings: string[]};

/** One header blob: il, dl, entries sorted by tag, the data store (numbers aligned to 4, as rpm aligns them). */
export function rpmHeaderBlob(item: RpmFixturePackage): Buffer {
	const dirs: string[] = [];
	const dirIndexes: number[] = [];
	const basenames: string[] = [];
	for (const [path] of item.files) {
		const slash = path.lastIndexOf('/');
		const dir = path.slice(0, slash + 1);
		if (!dirs.includes(dir)) dirs.push(dir);
		dirIndexes.push(dirs.indexOf(dir));
		basenames.push(path.slice(slash + 1));
	}
	const tags: Array<[number, Value]> = [
		[1000, {type: 6, strings: [item.name]}],
		[1001, {type: 6, strings: [item.version]}],
		[1002, {type: 6, strings: [item.release]}],
		...(item.epoch !== undefined ? [[1003, {type: 4, numbers: [item.epoch]}] as [number, Value]] : []),
		[1009, {type: 4, numbers: [item.files.reduce((sum, [, size]) => sum + size, 0)]}],
		[1022, {type: 6, strings: [item.arch]}],
		[1028, {type: 4, numbers: item.files.map(([, size]) => size)}],
		[1116, {type: 4, numbers: dirIndexes}],
		[1117, {type: 8, strings: basenames}],
		[1118, {type: 8, strings: dirs}],
	];
	const store: Buffer[] = [];
	let length = 0;
	const entries: Buffer[] = [];
	for (const [tag, value] of tags) {
		if (value.type === 4) {
			const pad = (4 - (length % 4)) % 4;
			store.push(Buffer.alloc(pad));
			length += pad;
		}
		const bytes = value.type === 4 ? Buffer.concat(value.numbers.map(number => Buffer.from(new Uint8Array(new Uint32Array([number]).buffer)).reverse())) : Buffer.concat(value.strings.map(text => Buffer.from(`${text}\0`)));
		const entry = Buffer.alloc(16);
		entry.writeUInt32BE(tag, 0);
		entry.writeUInt32BE(value.type, 4);
		entry.writeUInt32BE(length, 8);
		entry.writeUInt32BE(value.type === 4 ? value.numbers.length : value.strings.length, 12);
		entries.push(entry);
		store.push(bytes);
		length += bytes.length;
	}
	const head = Buffer.alloc(8);
	head.writeUInt32BE(entries.length, 0);
	head.writeUInt32BE(length, 4);
	return Buffer.concat([head, ...entries, ...store]);
}

export async function rpmdbSqlite(packages: RpmFixturePackage[], extraBlobs: Buffer[] = []): Promise<Buffer> {
	const SQL = await initSqlJs();
	const db = new SQL.Database();
	db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
	const insert = (db as unknown as {prepare(sql: string): {run(values: unknown[]): void; free(): void}}).prepare('INSERT INTO Packages (blob) VALUES (?)');
	for (const blob of [...packages.map(rpmHeaderBlob), ...extraBlobs]) insert.run([blob]);
	insert.free();
	const bytes = Buffer.from((db as unknown as {export(): Uint8Array}).export());
	db.close();
	return bytes;
}
