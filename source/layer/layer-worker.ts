import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {parentPort} from 'node:worker_threads';
import {openRange, type FileRange} from './file-range.js';
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

/**
 * V8 frees a dead Buffer's memory only when it collects garbage, and it
 * waits until 64 MB of such memory has died since the last collection, per
 * thread. A worker's heap is a few megabytes while it reads a layer at
 * hundreds of MB/s in 1 MB chunks, so each worker would carry up to 64 MB of
 * dead chunks: the memory the worker threads cost. Collecting every 16 MB
 * read keeps that bounded; on a heap this small a collection takes a
 * millisecond or two. (A worker cannot be given --expose-gc; this is how the
 * collector is reached from inside it.)
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;
let sinceCollect = 0;

async function* collecting(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
	for await (const chunk of source) {
		yield chunk;
		sinceCollect += chunk.byteLength;
		if (sinceCollect >= COLLECT_EVERY_BYTES) {
			sinceCollect = 0;
			collect();
		}
	}
}

// Runs only as a worker thread: hashing dominates reading a layer, so layers are read on several cores.
parentPort?.on('message', (job: LayerJob) => {
	switch (job.kind) {
		case 'range':
			void run(job.id, openRange(job));
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
		const result = await readLayer(collecting(source));
		transfer = result.entries.transferList();
		reply = {id, ok: true, result: {...result, entries: result.entries.parts}};
	} catch (error) {
		reply = {id, ok: false, message: (error as Error).message, format: error instanceof LayerFormatError};
	}
	parentPort!.postMessage(reply, transfer);
}
