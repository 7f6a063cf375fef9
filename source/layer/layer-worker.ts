import {parentPort} from 'node:worker_threads';
import {openRange, type FileRange} from './file-range.js';
import {LayerFormatError, readLayer} from './read-layer.js';

export interface LayerJob extends FileRange {
	id: number;
}

export type LayerJobReply =
	| {id: number; ok: true; result: Awaited<ReturnType<typeof readLayer>>}
	| {id: number; ok: false; message: string; format: boolean};

// Runs only as a worker thread: hashing dominates reading a layer, so layers are read on several cores.
parentPort?.on('message', async (job: LayerJob) => {
	let reply: LayerJobReply;
	try {
		reply = {id: job.id, ok: true, result: await readLayer(openRange(job))};
	} catch (error) {
		reply = {id: job.id, ok: false, message: (error as Error).message, format: error instanceof LayerFormatError};
	}
	parentPort!.postMessage(reply);
});
