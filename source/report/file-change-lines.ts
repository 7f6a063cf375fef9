import type {EntryFacts, FileChange, MetadataField} from '../content/file-change.js';
import {escapeForTerminal} from './escape.js';
import {modeString} from './file-record.js';
import type {Style} from './style.js';

/** What the two sides are, in words: "after layer 2" and "after layer 3", or the two images' names. */
export interface ChangeLabels {
	before: string;
	after: string;
}

const TYPE_WORDS: Record<string, string> = {file: 'regular file', dir: 'directory', symlink: 'symbolic link', hardlink: 'hard link', char: 'character device', block: 'block device', fifo: 'FIFO'};

/** One line of a change, and its colour as diff gives it (green +, red -, cyan @@): the CLI styles it, the browser's diff pane too. */
export interface ChangeRow {
	text: string;
	tone?: 'red' | 'green' | 'cyan' | 'dim';
}

/** The change's lines, styled (colour only when `style` is enabled). */
export function fileChangeLines(change: FileChange, labels: ChangeLabels, style: Style): string[] {
	return fileChangeRows(change, labels).map(row => (row.tone ? style(row.tone, row.text) : row.text));
}

/**
 * A file's change as text: the metadata that changed, then the content as a
 * unified diff (`patch` and jsdiff's applyPatch read it back: whatever comes
 * before the `---` line is a header they skip), or as sizes and digests.
 * Everything from the image (the path, link targets, each line's content) is
 * escaped for the terminal; a diff line keeps its ' ', '-', '+' prefix.
 * Each line carries its colour as diff gives it (green +, red -, cyan @@).
 */
export function fileChangeRows(change: FileChange, labels: ChangeLabels): ChangeRow[] {
	const facts = change.after ?? change.before;
	if (!facts) return [];
	const path = escapeForTerminal(facts.path);
	const lines: ChangeRow[] = [];
	const push = (...texts: string[]) => lines.push(...texts.map(text => ({text})));
	if (change.kind === 'unchanged') {
		push(`${path}: unchanged from ${labels.before} to ${labels.after}${change.after && change.before && change.after.layer !== change.before.layer ? ` (set again, identically, by layer ${change.after.layer})` : ''}`);
		return lines;
	}
	if (change.kind === 'added') push(`${path}: new ${describe(change.after!)} in ${labels.after}`);
	else if (change.kind === 'removed') push(`${path}: removed in ${labels.after} (was a ${describe(change.before!)})`);
	else if (change.kind === 'metadata') push(`${path}: ${change.metadata.join(', ')} changed from ${labels.before} to ${labels.after}${hasContent(change.before!) ? ', content the same' : ''}`);
	for (const field of change.metadata) push(`  ${field}: ${fieldText(field, change.before!)} -> ${fieldText(field, change.after!)}`);
	const content = change.content;
	if (!content) return lines;
	if (content.form === 'binary') {
		push(`${path}: binary content differs${content.note ? ` (${content.note})` : ''}`);
		const side = (label: string, side: typeof content.before) => `  ${label}: ${side ? `${side.size} bytes, ${side.digest === undefined ? 'no digest recorded' : `sha256:${side.digest}`}` : 'no content'}`;
		push(side(labels.before, content.before), side(labels.after, content.after));
		return lines;
	}
	lines.push({text: `--- ${change.before && hasContent(change.before) ? `${path} (${labels.before})` : '/dev/null'}`, tone: 'red'});
	lines.push({text: `+++ ${change.after && hasContent(change.after) ? `${path} (${labels.after})` : '/dev/null'}`, tone: 'green'});
	for (const hunk of content.hunks) {
		lines.push({text: `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`, tone: 'cyan'});
		for (const line of hunk.lines) {
			const prefix = line[0];
			// jsdiff's "\ No newline at end of file" is its own text, not the file's.
			if (prefix === '\\') lines.push({text: line, tone: 'dim'});
			else {
				const text = prefix + escapeForTerminal(line.slice(1));
				lines.push(prefix === '+' ? {text, tone: 'green'} : prefix === '-' ? {text, tone: 'red'} : {text});
			}
		}
	}
	return lines;
}

function hasContent(facts: EntryFacts): boolean {
	return facts.type === 'file' || facts.type === 'hardlink';
}

/** diff -u's hunk ranges: "start,count", the count left out when it is 1; an empty range starts at the line before it (jsdiff's hunks count from the line after). */
function range(start: number, count: number): string {
	return count === 1 ? String(start) : `${count === 0 ? start - 1 : start},${count}`;
}

function describe(facts: EntryFacts): string {
	const what = TYPE_WORDS[facts.type] ?? facts.type;
	const size = hasContent(facts) ? `, ${facts.size} bytes` : '';
	const link = facts.linkTarget === undefined ? '' : ` -> ${escapeForTerminal(facts.linkTarget)}`;
	return `${what}${link} (${modeString(facts.mode)}, ${facts.uid}:${facts.gid}${size})`;
}

function fieldText(field: MetadataField, facts: EntryFacts): string {
	switch (field) {
		case 'type':
			return TYPE_WORDS[facts.type] ?? facts.type;
		case 'mode':
			return `${modeString(facts.mode)} (${(facts.mode & 0o7777).toString(8).padStart(4, '0')})`;
		case 'owner':
			return `${facts.uid}:${facts.gid}`;
		case 'link target':
			return facts.linkTarget === undefined ? '(none)' : `"${escapeForTerminal(facts.linkTarget)}"`;
		case 'device':
			return facts.devMajor === undefined ? '(none)' : `${facts.devMajor},${facts.devMinor}`;
	}
}
