import {open, type FileHandle} from 'node:fs/promises';
import path from 'node:path';
import {InputError} from '../errors.js';
import {makeSpoolDir, removeSpoolDir} from '../spool-dir.js';
import type {FileRange} from './image-files.js';

/**
 * Layer blobs of a stream (stdin, an engine's export, a compressed archive),
 * written to a private temporary directory as they pass, so that cat and
 * extract (which must read a layer again) can read them as files. The
 * directory (0700, under TMPDIR) is made with the first blob, its files are
 * 0600, and it is removed when the source is closed or the process ends
 * (source/spool-dir.ts).
 */
export class BlobSpool {
	private dir: Promise<string> | undefined;
	private count = 0;

	constructor(private readonly input: string) {}

	/** A new file for one blob: write its chunks in order, then close it. */
	async create(): Promise<SpooledBlob> {
		this.dir ??= makeSpoolDir('layerscope-blobs-');
		const file = path.join(await this.dir, String(this.count++));
		const handle = await open(file, 'wx', 0o600).catch(error => {
			throw this.failure(error);
		});
		return new SpooledBlob(file, handle, error => this.failure(error));
	}

	async remove(): Promise<void> {
		if (this.dir) await removeSpoolDir(await this.dir.catch(() => ''));
	}

	private failure(error: unknown): InputError {
		return new InputError(this.input, `cannot keep its layer blobs in the temporary directory, which a stream needs to be read again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; TMPDIR chooses another)`);
	}
}

export class SpooledBlob {
	private size = 0;

	constructor(
		readonly file: string,
		private readonly handle: FileHandle,
		private readonly failure: (error: unknown) => Error,
	) {}

	async write(chunk: Uint8Array): Promise<void> {
		try {
			for (let written = 0; written < chunk.length; ) written += (await this.handle.write(chunk, written, chunk.length - written)).bytesWritten;
		} catch (error) {
			throw this.failure(error);
		}
		this.size += chunk.length;
	}

	/** Closes the file; its bytes as a range. */
	async close(): Promise<FileRange> {
		await this.handle.close();
		return {file: this.file, start: 0, end: this.size - 1};
	}
}
