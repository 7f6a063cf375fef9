import {createHash} from 'node:crypto';
import {posix} from 'node:path';
import {structuredPatch, type StructuredPatchHunk} from 'diff';
import type {EntryType, Image} from '../model.js';
import {FileSystem} from '../tree/filesystem.js';
import type {FoundFile} from './find-file.js';
import type {LayerSource} from './layer-source.js';
import {classifyContent, readContent} from './read-content.js';

/** A path's entry as one filesystem shows it: what a change compares. */
export interface EntryFacts {
	path: string;
	type: EntryType;
	mode: number;
	uid: number;
	gid: number;
	/** Content bytes (files and hard links; 0 otherwise). */
	size: number;
	/** A symlink's target, or a hard link's. */
	linkTarget: string | undefined;
	/** The content's sha256 as the load recorded it (files and hard links). */
	digest: string | undefined;
	devMajor: number | undefined;
	devMinor: number | undefined;
	/** The layer that set the path. */
	layer: number;
}

/** A path in one filesystem: its facts, and where its bytes are when it has content. */
export interface FileVersion {
	facts: EntryFacts;
	/** The stored file whose bytes the path shows (a regular file, a hard link to one); null for anything else. */
	stored: FoundFile | null;
	/** The entry that placed the path: two versions with the same one are the same. */
	entry: number;
}

/** Where a version's bytes can be read: its image and that image's layer source. */
export interface VersionSide {
	image: Image;
	source: LayerSource;
	version: FileVersion | null;
}

export type ChangeKind = 'text' | 'binary' | 'metadata' | 'added' | 'removed' | 'unchanged';

/** The facts a metadata change names; content is compared apart. */
export type MetadataField = 'type' | 'mode' | 'owner' | 'link target' | 'device';

/** One side of a content change that is not shown as text: its size and digest. */
export interface ContentFacts {
	size: number;
	/** sha256 hex; undefined when the load recorded none and the bytes were not read. */
	digest: string | undefined;
}

export type ContentChange =
	/** jsdiff's hunks: lines prefixed ' ', '-', '+' (and '\\' for "No newline at end of file"), content exactly as stored. */
	| {form: 'text'; hunks: StructuredPatchHunk[]}
	/** A side with no content (absent, or not a file) is null. `note` says why text was not compared when both were text. */
	| {form: 'binary'; before: ContentFacts | null; after: ContentFacts | null; note: string | undefined};

/**
 * What changed at a path between two versions, computed once: the CLI
 * prints it, the browser colours it. `content` is null when the bytes are
 * the same (or neither side has any).
 */
export interface FileChange {
	kind: ChangeKind;
	before: EntryFacts | null;
	after: EntryFacts | null;
	/** The facts that differ, when both sides exist. */
	metadata: MetadataField[];
	content: ContentChange | null;
}

/** Text diffs of files larger than this (either side) fall back to sizes and digests: a line diff of them costs seconds and pages. */
export const TEXT_DIFF_LIMIT = 8 * 1024 * 1024;

/** Past this, Myers' algorithm on two very different texts gives up (jsdiff's timeout), and the change is shown as binary. */
export const DIFF_TIMEOUT_MS = 10_000;

/** Lines of context around each hunk, as diff -u and git show. */
export const DIFF_CONTEXT = 3;

export interface CompareFileOptions {
	/** false (--no-verify): see ContentOptions. */
	verify: boolean;
	textLimit?: number;
	timeoutMs?: number;
	context?: number;
}

/** The path as the filesystem names it: absolute, without empty or "." parts ("a//./b" → "/a/b"). */
export function normalPath(path: string): string {
	return posix.normalize(posix.join('/', path));
}

/** A version's facts, from whatever describes the path (a stacked filesystem's node, a browser tree's state: it keeps no device numbers). */
export function factsOf(path: string, node: Omit<EntryFacts, 'path' | 'linkTarget' | 'digest' | 'devMajor' | 'devMinor'> & Partial<Pick<EntryFacts, 'linkTarget' | 'digest' | 'devMajor' | 'devMinor'>>): EntryFacts {
	return {path, type: node.type, mode: node.mode, uid: node.uid, gid: node.gid, size: node.size, linkTarget: node.linkTarget, digest: node.digest, devMajor: node.devMajor, devMinor: node.devMinor, layer: node.layer};
}

/** The path in `fs` (symlinked parents followed, the path itself not: a symlink is a version too), or null where nothing is. */
export function versionAt(fs: FileSystem, path: string): FileVersion | null {
	const at = normalPath(path);
	const id = fs.lookupId(at);
	if (id === undefined || !fs.exists(id)) return null;
	const node = fs.node(id);
	const facts = factsOf(at, node);
	const ref = node.content;
	const stored = ref === undefined ? null : {path: at, ref, table: fs.tableOf(ref), index: fs.indexOf(ref), layer: fs.layerOfRef(ref)};
	return {facts, stored, entry: node.ref};
}

/** The path after each layer (index i: after layer i), from one pass over the layers. */
export function pathHistory(image: Image, path: string): Array<FileVersion | null> {
	const fs = new FileSystem();
	const history: Array<FileVersion | null> = [];
	for (const layer of image.layers) {
		fs.apply(layer, layer.index);
		history.push(versionAt(fs, path));
	}
	return history;
}

/**
 * Whether layer `index` changed the path: added or removed it, or left it
 * with other facts (type, mode, owner, link target, device, content by its
 * recorded digest). An identical copy placed again (a `COPY` of the same
 * file, a new mtime only) is no change. Without recorded digests
 * (--no-verify may leave them out) any entry placed there counts.
 */
export function changedIn(history: ReadonlyArray<FileVersion | null>, index: number): boolean {
	const before = index > 0 ? history[index - 1]! : null;
	const after = history[index]!;
	if (before === null || after === null) return before !== after;
	if (before.entry === after.entry) return false;
	if (metadataChanges(before.facts, after.facts).length > 0 || before.facts.size !== after.facts.size) return true;
	if (!before.stored && !after.stored) return false;
	return before.facts.digest === undefined || before.facts.digest !== after.facts.digest;
}

/** The last layer that changed the path (changedIn), or undefined when none did (it never existed). */
export function lastChangeOf(history: ReadonlyArray<FileVersion | null>): number | undefined {
	for (let index = history.length - 1; index >= 0; index--) if (changedIn(history, index)) return index;
	return undefined;
}

/**
 * Compares two versions of a path: the metadata that differs, and the
 * content, as jsdiff's hunks when both sides are text (valid UTF-8 without
 * NUL) of at most `textLimit` bytes, else as sizes and digests. A side
 * without content (absent, a directory, a symlink) compares as nothing: an
 * added file is all `+` lines.
 */
export async function compareFile(before: VersionSide, after: VersionSide, options: CompareFileOptions): Promise<FileChange> {
	const old = before.version;
	const now = after.version;
	const metadata = old && now ? metadataChanges(old.facts, now.facts) : [];
	const content = await contentChange(before, after, options);
	const kind: ChangeKind = !old ? (now ? 'added' : 'unchanged') : !now ? 'removed' : content ? content.form : metadata.length > 0 ? 'metadata' : 'unchanged';
	return {kind, before: old?.facts ?? null, after: now?.facts ?? null, metadata, content};
}

function metadataChanges(before: EntryFacts, after: EntryFacts): MetadataField[] {
	const fields: MetadataField[] = [];
	if (before.type !== after.type) fields.push('type');
	if (before.mode !== after.mode) fields.push('mode');
	if (before.uid !== after.uid || before.gid !== after.gid) fields.push('owner');
	if (before.linkTarget !== after.linkTarget) fields.push('link target');
	if (before.devMajor !== after.devMajor || before.devMinor !== after.devMinor) fields.push('device');
	return fields;
}

async function contentChange(before: VersionSide, after: VersionSide, options: CompareFileOptions): Promise<ContentChange | null> {
	const old = before.version?.stored ? before.version.facts : null;
	const now = after.version?.stored ? after.version.facts : null;
	if (!old && !now) return null;
	if (old && now && old.size === now.size && old.digest !== undefined && old.digest === now.digest) return null;
	const limit = options.textLimit ?? TEXT_DIFF_LIMIT;
	const facts = (side: EntryFacts | null, bytes?: Buffer): ContentFacts | null => (side ? {size: side.size, digest: side.digest ?? (bytes && createHash('sha256').update(bytes).digest('hex'))} : null);
	if ((old?.size ?? 0) > limit || (now?.size ?? 0) > limit) {
		return {form: 'binary', before: facts(old), after: facts(now), note: `larger than ${limit / (1024 * 1024)} MiB: not compared as text`};
	}
	const read = async (side: VersionSide) => (side.version?.stored ? (await readContent(side.image, side.source, side.version.stored, {limit, verify: options.verify})).bytes : Buffer.alloc(0));
	const [oldBytes, nowBytes] = [await read(before), await read(after)];
	// Without recorded digests (--no-verify may leave them out), the bytes decide.
	if (old && now && oldBytes.equals(nowBytes)) return null;
	const oldText = asText(oldBytes);
	const nowText = asText(nowBytes);
	if (oldText === null || nowText === null) return {form: 'binary', before: facts(old, oldBytes), after: facts(now, nowBytes), note: undefined};
	const patch = structuredPatch('', '', oldText, nowText, undefined, undefined, {context: options.context ?? DIFF_CONTEXT, timeout: options.timeoutMs ?? DIFF_TIMEOUT_MS});
	if (!patch) return {form: 'binary', before: facts(old, oldBytes), after: facts(now, nowBytes), note: `too different to diff as text within ${(options.timeoutMs ?? DIFF_TIMEOUT_MS) / 1000} s`};
	return {form: 'text', hunks: patch.hunks};
}

/** The bytes as a string when they are text throughout (classifyContent's test, and valid UTF-8 to the end), else null. */
function asText(bytes: Buffer): string | null {
	if (classifyContent(bytes) === 'binary' || bytes.includes(0)) return null;
	try {
		return new TextDecoder('utf-8', {fatal: true, ignoreBOM: true}).decode(bytes);
	} catch {
		return null;
	}
}
