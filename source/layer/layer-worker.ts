import {parentPort} from 'node:worker_threads';
import {openRangeReusing, type FileRange} from './file-range.js';
import {ChunkQueue} from './chunk-queue.js';
import {LayerFormatError, readLayer, type LayerReadResult} from './read-layer.js';
import type {EntryTableParts} from '../entry-table.js';

/** A layer in a file (by range), or a layer whose bytes the main thread forwards as they arrive (a stream, a download). */
export type LayerJob =
	| ({kind: 'range'; id: number} & FileRange)
	| {kind: 'stream-start'; id: number}
	| {kind: 'stream-chunk'; id: number; chunk: ArrayBuffer}
	| {kind: 'stream-end'; id: number}
	| {kind: 'stream-abort'; id: number};

/** A read layer as it crosses back: its entry table as bare columns, handed over (transferred), not copied. */
export type TransferredLayer = Omit<LayerReadResult, 'entries'> & {entries: EntryTableParts};

export type LayerJobReply =
	| {id: number; ok: true; result: TransferredLayer}
	| {id: number; ok: false; message: string; format: boolean}
	/** Bytes of a streamed layer the reader has taken: the main thread may send more. */
	| {id: number; consumed: number};

const streams = new Map<number, ChunkQueue>();

// Runs only as a worker thread: hashing dominates reading a layer, so layers are read on several cores.
parentPort?.on('message', (job: LayerJob) => {
	switch (job.kind) {
		case 'range':
			void run(job.id, openRangeReusing(job));
			return;
		case 'stream-start': {
			const queue = new ChunkQueue(consumed => parentPort!.postMessage({id: job.id, consumed} satisfies LayerJobReply));
			streams.set(job.id, queue);
			void run(job.id, queue).finally(() => streams.delete(job.id));
			return;
		}
		case 'stream-chunk':
			streams.get(job.id)?.push(Buffer.from(job.chunk));
			return;
		case 'stream-end':
			streams.get(job.id)?.end();
			return;
		case 'stream-abort':
			streams.get(job.id)?.fail(new Error('the source of the layer failed'));
	}
});

async function run(id: number, source: AsyncIterable<Uint8Array>): Promise<void> {
	let reply: LayerJobReply;
	let transfer: ArrayBuffer[] = [];
	try {
		const result = await readLayer(source);
		transfer = result.entries.transferList();
		if (result.packageFiles) transfer.push(result.packageFiles.bytes.buffer as ArrayBuffer, result.packageFiles.ends.buffer as ArrayBuffer);
		reply = {id, ok: true, result: {...result, entries: result.entries.parts}};
	} catch (error) {
		reply = {id, ok: false, message: (error as Error).message, format: error instanceof LayerFormatError};
	}
	parentPort!.postMessage(reply, transfer);
}
