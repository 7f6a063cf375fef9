import {lines, text, type DatabaseFile, type ListedPackage} from './listed-package.js';

/**
 * Python distributions: NAME-VERSION.dist-info/RECORD (CSV: path, hash,
 * size; paths relative to the site-packages directory) and the older
 * NAME-VERSION[-pyX.Y].egg-info/installed-files.txt (paths relative to the
 * egg-info directory). The name and version are the metadata directory's.
 */
export function isPythonFile(path: string): boolean {
	return path.endsWith('.dist-info/RECORD') || path.endsWith('.egg-info/installed-files.txt');
}

export function readPython(file: DatabaseFile): ListedPackage | null {
	const record = file.path.endsWith('/RECORD');
	const metaDir = file.path.slice(0, file.path.lastIndexOf('/'));
	const slash = metaDir.lastIndexOf('/');
	const site = metaDir.slice(0, slash);
	const dirName = metaDir.slice(slash + 1).replace(/\.(dist|egg)-info$/, '');
	const dash = dirName.indexOf('-');
	const name = dash === -1 ? dirName : dirName.slice(0, dash);
	let version = dash === -1 ? '' : dirName.slice(dash + 1);
	if (!record) version = version.replace(/-py\d+(\.\d+)*$/, '');
	const files: string[] = [];
	const sizes: number[] = [];
	const base = record ? site : metaDir;
	for (const line of lines(text(file.bytes))) {
		if (line.trim() === '') continue;
		let path = line;
		let size = -1;
		if (record) {
			const fields = csvFields(line);
			path = fields[0] ?? '';
			const number = Number(fields[2]);
			size = fields[2] !== undefined && fields[2] !== '' && Number.isSafeInteger(number) && number >= 0 ? number : -1;
		}
		if (path === '') continue;
		files.push(resolve(base, path));
		sizes.push(size);
	}
	return {ecosystem: 'python', name, version, key: `python\0${name.toLowerCase().replace(/[-_.]+/g, '_')}\0${site}`, files, sizes};
}

/** An absolute path for `path` relative to `base` (or absolute already), ".." resolved lexically, never above "/". */
function resolve(base: string, path: string): string {
	const parts = path.startsWith('/') ? [] : base.split('/').filter(part => part !== '');
	for (const part of path.split('/')) {
		if (part === '' || part === '.') continue;
		if (part === '..') parts.pop();
		else parts.push(part);
	}
	return '/' + parts.join('/');
}

/** One CSV line's fields (RECORD quotes paths that contain commas or quotes). */
function csvFields(line: string): string[] {
	const fields: string[] = [];
	let at = 0;
	while (at <= line.length) {
		if (line[at] === '"') {
			let value = '';
			at++;
			while (at < line.length) {
				if (line[at] === '"') {
					if (line[at + 1] === '"') {
						value += '"';
						at += 2;
						continue;
					}
					at++;
					break;
				}
				value += line[at++];
			}
			fields.push(value);
			at = line.indexOf(',', at) === -1 ? line.length + 1 : line.indexOf(',', at) + 1;
			continue;
		}
		const comma = line.indexOf(',', at);
		fields.push(line.slice(at, comma === -1 ? line.length : comma).replace(/\r$/, ''));
		at = comma === -1 ? line.length + 1 : comma + 1;
	}
	return fields;
}
