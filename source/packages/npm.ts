import {text, type DatabaseFile, type ListedPackage} from './listed-package.js';

/**
 * A node_modules package: its package.json, of which the layer reader kept
 * only name and version. Its files are not listed: they are what lies under
 * its directory, outside nested node_modules (attribution walks them).
 */
export function isNpmFile(path: string): boolean {
	return path.endsWith('/package.json');
}

export function readNpm(file: DatabaseFile): ListedPackage | null {
	let identity: {name?: unknown; version?: unknown; invalid?: unknown};
	try {
		identity = JSON.parse(text(file.bytes)) as typeof identity;
	} catch {
		return null;
	}
	const root = file.path.slice(0, file.path.length - '/package.json'.length);
	// A package.json without a name is still the package of its directory: name it by the directory, as npm does.
	const dirName = root.slice(root.lastIndexOf('/node_modules/') + '/node_modules/'.length);
	const name = typeof identity.name === 'string' && identity.name !== '' ? identity.name : dirName;
	const version = typeof identity.version === 'string' ? identity.version : '';
	return {ecosystem: 'npm', name, version, key: `npm\0${root}`, files: [], root, database: file.path};
}
