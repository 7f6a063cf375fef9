import type {FsNode} from '../tree/filesystem.js';
import {escapeForTerminal} from './escape.js';

/** The JSON line shape documented in the README: stable keys, in this order. */
export function fileRecord(path: string, node: FsNode): Record<string, unknown> {
	const record: Record<string, unknown> = {path, type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, size: node.size};
	if (node.linkTarget !== undefined) record.linkTarget = node.linkTarget;
	return record;
}

const TYPE_LETTER: Record<FsNode['type'], string> = {file: '-', hardlink: '-', dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p'};

/** `ls -l`-like: mode, owner, size, path (escaped), and where links point. */
export function fileLine(path: string, node: FsNode): string {
	const size = node.type === 'char' || node.type === 'block' ? `${node.devMajor ?? 0},${node.devMinor ?? 0}` : String(node.size);
	let line = `${TYPE_LETTER[node.type]}${modeString(node.mode)} ${node.uid}:${node.gid} ${size.padStart(10)} ${escapeForTerminal(path)}`;
	if (node.type === 'symlink') line += ` -> ${escapeForTerminal(node.linkTarget ?? '')}`;
	if (node.type === 'hardlink') line += ` link to ${escapeForTerminal(node.linkTarget ?? '')}`;
	return line;
}

export function modeString(mode: number): string {
	const bits = 'rwxrwxrwx';
	let text = '';
	for (let i = 0; i < 9; i++) text += mode & (1 << (8 - i)) ? bits[i] : '-';
	const chars = [...text];
	if (mode & 0o4000) chars[2] = chars[2] === 'x' ? 's' : 'S';
	if (mode & 0o2000) chars[5] = chars[5] === 'x' ? 's' : 'S';
	if (mode & 0o1000) chars[8] = chars[8] === 'x' ? 't' : 'T';
	return chars.join('');
}
