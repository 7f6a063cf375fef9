/**
 * The comparison tests' independent answer: the difference of two `layerscope files --json` listings,
 * computed here from the listings alone, with none of the comparison's code.
 */
import {expect} from 'vitest';
import {runCli} from '../helpers/run-cli.js';

export type Entry = {path: string; type: string; mode: number; uid: number; gid: number; size: number; linkTarget?: string};
export type Row = {path: string; status: string; metadataOnly: boolean; before: Entry | null; after: Entry | null; movedFrom?: string; movedTo?: string};

/** `files --json` of an image (after one layer, if asked), by path. */
export async function filesJson(image: string, layer?: number, extra: string[] = []): Promise<Map<string, Entry>> {
	const result = await runCli(['files', image, '--json', ...(layer === undefined ? [] : ['--layer', String(layer)]), ...extra]);
	expect(result.code, result.stderr).toBe(0);
	return new Map(result.stdout.trimEnd().split('\n').map(line => JSON.parse(line) as Entry).map(entry => [entry.path, entry]));
}

/**
 * The difference of two listings, by the analysis' rule of "modified": another type (a hard link counts as
 * a file), size, link target, mode or owner. A listing has no digests, so a rewrite that keeps the size is
 * invisible here: a test with one checks it on its own.
 */
export function listingDifference(before: Map<string, Entry>, after: Map<string, Entry>): Row[] {
	const kind = (type: string) => (type === 'hardlink' ? 'file' : type);
	const rows: Row[] = [];
	for (const path of new Set([...before.keys(), ...after.keys()])) {
		const was = before.get(path) ?? null;
		const is = after.get(path) ?? null;
		if (!was || !is) {
			rows.push({path, status: was ? 'removed' : 'added', metadataOnly: false, before: was, after: is});
			continue;
		}
		const content = kind(was.type) === kind(is.type) && was.size === is.size && (was.type !== 'symlink' || was.linkTarget === is.linkTarget);
		const metadata = was.mode === is.mode && was.uid === is.uid && was.gid === is.gid;
		if (!content || !metadata) rows.push({path, status: 'modified', metadataOnly: content, before: was, after: is});
	}
	return rows.sort((x, y) => (x.path < y.path ? -1 : 1));
}

/** A report's rows in the same order and shape, moves left out (a listing cannot see them). */
export function byPath(rows: Row[]): Row[] {
	return [...rows].sort((x, y) => (x.path < y.path ? -1 : 1)).map(({movedFrom, movedTo, ...row}) => row);
}
