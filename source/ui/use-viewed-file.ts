import {useEffect, useState} from 'react';
import {InputError} from '../errors.js';
import {escapeControlCharacters} from '../report/escape.js';
import type {FileAccess, OpenedFile} from '../content/file-access.js';
import type {FileChange} from '../content/file-change.js';
import {fileChangeRows} from '../report/file-change-lines.js';
import {changeDocument, hexDocument, textDocument, type ViewerDocument} from './viewer-document.js';
import type {Viewing} from './view-state.js';

/** The viewer shows at most this much of a file, and says so when there is more. */
export const VIEWER_LIMIT = 1024 * 1024;

const PROGRESS_EVERY_MS = 200;

export type Viewed =
	| {state: 'loading'; progress?: {bytes: number; total: number}}
	| {state: 'error'; message: string}
	| {state: 'ready'; document: ViewerDocument; file?: OpenedFile; change?: FileChange};

/**
 * Reads what the viewer shows (a file, or with d a layer's change to it), off the key-press path: the browser keeps
 * answering keys (Esc closes it) while a compressed layer is decompressed,
 * and a read that finishes after the viewer moved on is dropped.
 */
export function useViewedFile(access: FileAccess | undefined, viewing: Viewing): Viewed {
	const [viewed, setViewed] = useState<Viewed>({state: 'loading'});
	useEffect(() => {
		if (!access) {
			setViewed({state: 'error', message: 'files cannot be read back here'});
			return;
		}
		if (access.unavailable) {
			setViewed({state: 'error', message: escapeControlCharacters(access.unavailable)});
			return;
		}
		let current = true;
		setViewed({state: 'loading'});
		// A compressed layer is decompressed up to the file: say how far, a few times a second.
		let shown = 0;
		const progress = (bytes: number, total: number) => {
			const now = Date.now();
			if (!current || now - shown < PROGRESS_EVERY_MS) return;
			shown = now;
			setViewed({state: 'loading', progress: {bytes, total}});
		};
		const read: Promise<Viewed> =
			viewing.kind === 'diff'
				? access.change(viewing.step, viewing.path).then(({change, labels}) => ({state: 'ready', change, document: changeDocument(fileChangeRows(change, labels))}))
				: access.open(viewing.step, viewing.path, VIEWER_LIMIT, progress).then(file => ({state: 'ready', file, document: file.kind === 'text' ? textDocument(file.bytes) : hexDocument(file.bytes)}));
		read.then(
			ready => current && setViewed(ready),
			(error: unknown) => current && setViewed({state: 'error', message: viewerError(error)}),
		);
		return () => {
			current = false;
		};
	}, [access, viewing.kind, viewing.step, viewing.path]);
	return viewed;
}

/** The message of a read that failed, without the input's name (the title names the file), escaped: it may quote the image's names. */
function viewerError(error: unknown): string {
	return escapeControlCharacters(error instanceof InputError ? error.problem : (error as Error).message);
}
