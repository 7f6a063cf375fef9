import type {Layer, LayerEntry} from '../../source/model.js';
import {EntryTable} from '../../source/entry-table.js';

/** Layers straight in the model's shape, for analysis tests that need no archive. */
export function modelLayer(index: number, entries: Array<Partial<LayerEntry> & {path: string}>, whiteouts: string[] = [], opaqueDirs: string[] = []): Layer {
	const full = entries.map((entry): LayerEntry => ({type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, ...entry, ...(entry.type === undefined || entry.type === 'file' ? {digest: entry.digest ?? `d${entry.size ?? 0}`} : {})}));
	return {
		index,
		entries: EntryTable.from(full),
		whiteouts,
		opaqueDirs,
		digest: null,
		diffId: `sha256:${index}`,
		mediaType: null,
		compression: 'none',
		compressedSize: 0,
		size: 0,
		contentSize: full.filter(entry => entry.type === 'file').reduce((sum, entry) => sum + entry.size, 0),
		historyIndex: index,
	};
}

const NAMES = ['/a', '/b', '/d', '/d/x', '/d/y', '/d/e/z', '/s', '/s/q'];

/** A random layer over a few paths that collide: files rewritten and chmod-ed, hard links, symlinks, whiteouts, opaque directories (some stacks no runtime would apply). */
export function randomLayer(random: () => number, index: number, digestOf: (n: number) => string = n => `c${n}`): Layer {
	const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
	const entries: Array<Partial<LayerEntry> & {path: string}> = [];
	for (let i = Math.floor(random() * 6); i > 0; i--) {
		const kind = random();
		const at = pick(NAMES);
		if (kind < 0.5) entries.push({path: at, size: Math.floor(random() * 4) * 100, digest: digestOf(Math.floor(random() * 3)), mode: pick([0o644, 0o755])});
		else if (kind < 0.65) entries.push({path: at, type: 'dir'});
		else if (kind < 0.8) entries.push({path: at, type: 'hardlink', linkTarget: pick(NAMES)});
		else entries.push({path: at, type: 'symlink', linkTarget: pick(['d', '/d/e', 'nowhere'])});
	}
	const whiteouts = random() < 0.4 ? [pick(NAMES)] : [];
	const opaque = random() < 0.2 ? [pick(['/d', '/d/e'])] : [];
	return modelLayer(index, entries, whiteouts, opaque);
}

/** One to five random layers; `digestOf` names the three contents their files hold. */
export function randomStack(random: () => number, digestOf?: (n: number) => string): Layer[] {
	const count = 1 + Math.floor(random() * 5);
	return Array.from({length: count}, (_, index) => randomLayer(random, index, digestOf));
}
