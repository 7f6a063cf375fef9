import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/**
 * layerscope's own package.json: the nearest one above this module (the
 * checkout's or the installed package's). Read here rather than through
 * meow's `pkg`, which normalises the whole file (spdx licence tables and
 * all) on first use: 10 ms of every run's start, for one version string.
 */
export function ownPackage(): {name?: string; version?: string; description?: string} {
	let directory = path.dirname(fileURLToPath(import.meta.url));
	for (;;) {
		try {
			const found = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as {name?: string; version?: string; description?: string};
			if (found.name === 'layerscope') return found;
		} catch {
			// Not here (or not readable): look further up.
		}
		const parent = path.dirname(directory);
		if (parent === directory) return {};
		directory = parent;
	}
}
