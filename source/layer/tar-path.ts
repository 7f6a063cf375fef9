/**
 * Tar names come as "a/b", "./a/b", "/a/b" or "a/b/"; the model keeps one
 * spelling: "/a/b" ("/" for the root). A name that climbs out of the root with
 * ".." is refused rather than clamped: a runtime would refuse the layer too.
 */
export class PathEscapeError extends Error {}

export function normalizeEntryPath(name: string): string {
	const parts: string[] = [];
	for (const part of name.split('/')) {
		if (part === '' || part === '.') continue;
		if (part === '..') {
			if (parts.length === 0) throw new PathEscapeError(`entry ${JSON.stringify(name)} escapes the root with ".."`);
			parts.pop();
			continue;
		}
		parts.push(part);
	}
	return '/' + parts.join('/');
}

export function parentOf(path: string): string {
	const slash = path.lastIndexOf('/');
	return slash <= 0 ? '/' : path.slice(0, slash);
}

export function baseName(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
	return dir === '/' ? '/' + name : dir + '/' + name;
}
