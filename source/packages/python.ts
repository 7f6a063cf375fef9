import {lines, text, type DatabaseFile, type ListedPackage} from './listed-package.js';

/**
 * Python distributions: NAME-VERSION.dist-info/RECORD (CSV: path, hash,
 * size; paths relative to the site-packages directory) and the older
 * NAME-VERSION[-pyX.Y].egg-info/installed-files.txt (paths relative to the
 * egg-info directory). The name and version are the Name and Version of
 * METADATA (PKG-INFO) beside it, else the metadata directory's (a
 * normalised name: "my_pkg" for "my-pkg"). A metadata directory without a
 * file list (Debian's python3-* packages ship them so) is no package.
 */
export function isPythonFile(path: string): boolean {
	return isPythonFileList(path) || path.endsWith('.dist-info/METADATA') || path.endsWith('.egg-info/PKG-INFO');
}

/** RECORD or installed-files.txt: the files that make a distribution a package. */
export function isPythonFileList(path: string): boolean {
	return path.endsWith('.dist-info/RECORD') || path.endsWith('.egg-info/installed-files.txt');
}

/** The METADATA (PKG-INFO) path beside a file list. */
export function pythonMetadataPath(fileList: string): string {
	const metaDir = fileList.slice(0, fileList.lastIndexOf('/'));
	return `${metaDir}/${fileList.endsWith('/RECORD') ? 'METADATA' : 'PKG-INFO'}`;
}

export function readPython(file: DatabaseFile, metadata?: DatabaseFile): ListedPackage | null {
	const record = file.path.endsWith('/RECORD');
	const metaDir = file.path.slice(0, file.path.lastIndexOf('/'));
	const slash = metaDir.lastIndexOf('/');
	const site = metaDir.slice(0, slash);
	const dirName = metaDir.slice(slash + 1).replace(/\.(dist|egg)-info$/, '');
	const dash = dirName.indexOf('-');
	let name = dash === -1 ? dirName : dirName.slice(0, dash);
	let version = dash === -1 ? '' : dirName.slice(dash + 1);
	if (!record) version = version.replace(/-py\d+(\.\d+)*$/, '');
	const headers = metadata ? identity(metadata) : {};
	if (headers.name) name = headers.name;
	if (headers.version) version = headers.version;
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
	return {ecosystem: 'python', name, version, key: `python\0${name.toLowerCase().replace(/[-_.]+/g, '_')}\0${site}`, files, sizes, database: file.path};
}

/** Name and Version as the layer reader kept them of METADATA (package-capture.ts). */
function identity(metadata: DatabaseFile): {name?: string; version?: string} {
	const result: {name?: string; version?: string} = {};
	for (const line of lines(text(metadata.bytes))) {
		if (line.startsWith('Name: ')) result.name = line.slice(6);
		else if (line.startsWith('Version: ')) result.version = line.slice(9);
	}
	return result;
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
