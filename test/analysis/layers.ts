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
