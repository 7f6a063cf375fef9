import {text, type DatabaseFile, type ListedPackage} from './listed-package.js';

export const APK_INSTALLED = new Set(['/lib/apk/db/installed', '/usr/lib/apk/db/installed']);

/**
 * apk's installed database: one paragraph per package of "K:value" lines
 * (P name, V version, A architecture, S package size, I installed size),
 * then its files: each F: line names a directory (relative to the root),
 * each R: line a file in the last F: directory.
 */
export function readApk(file: DatabaseFile): ListedPackage[] {
	const packages: ListedPackage[] = [];
	let current: ListedPackage | null = null;
	let dir = '';
	const finish = () => {
		if (current && current.name !== '') packages.push(current);
		current = null;
		dir = '';
	};
	for (const line of text(file.bytes).split('\n')) {
		if (line === '') {
			finish();
			continue;
		}
		if (line.length < 2 || line[1] !== ':') continue;
		const value = line.slice(2);
		current ??= {ecosystem: 'apk', name: '', version: '', key: '', files: []};
		switch (line[0]) {
			case 'P':
				current.name = value;
				current.key = `apk\0${value}`;
				break;
			case 'V':
				current.version = value;
				break;
			case 'A':
				current.architecture = value;
				break;
			case 'F':
				dir = value.replace(/^\/+|\/+$/g, '');
				current.files.push(dir === '' ? '/' : `/${dir}`);
				break;
			case 'R':
				current.files.push(dir === '' ? `/${value}` : `/${dir}/${value}`);
				break;
		}
	}
	finish();
	return packages;
}
