import {existsSync} from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {LayerFormatError, readLayer, type LayerReadResult} from './read-layer.js';
import {openRangeReusing, type FileRange} from './file-range.js';
import type {LayerJob, LayerJobReply} from './layer-worker.js';
import {EntryTable} from '../entry-table.js';

interface Waiting {
	resolve: (result: LayerReadResult) => void;
	reject: (error: Error) => void;
	onConsumed?: (bytes: number) => void;
}

/** A streamed layer: `pumped` (never rejects) once every byte has been handed over or the reading stopped, `result` when it is read. */
export interface StreamedLayer {
	pumped: Promise<void>;
	result: Promise<LayerReadResult>;
}

/** Bytes a streamed layer may have waiting in a worker before the sender waits. */
const STREAM_AHEAD_BYTES = 8 * 1024 * 1024;
const STREAM_BATCH_BYTES = 1024 * 1024;

/**
 * Reads layer blobs on worker threads when that pays: sha256 of the tar
 * stream and of every file is most of the work and runs at one core's
 * speed, so independent layers go to separate cores. Layers in files are
 * read by the workers themselves; layers that arrive as streams (stdin, an
 * engine's export, a registry download) are forwarded chunk by chunk. Small
 * layers are read inline, where a thread would cost more than it saves.
 */
export class LayerPool {
	private readonly workers: Worker[] = [];
	private readonly idle: Worker[] = [];
	private readonly queue: Array<{job: LayerJob} & Waiting> = [];
	private readonly pending = new Map<number, Waiting>();
	/** Streams waiting for a worker of their own. */
	private readonly waitingForWorker: Array<(worker: Worker) => void> = [];
	private nextId = 0;
	/** Aborted on close: layers read inline stop at their next chunk. */
	private readonly stopping = new AbortController();

	private constructor(
		private readonly size: number,
		/** LAYERSCOPE_WORKERS set: threads for every layer, however small (and the tests reach the threaded path). */
		private readonly forced = false,
	) {}

	/** Chooses threads for `totalBytes` of layers: LAYERSCOPE_WORKERS overrides (0 = inline). */
	static for(totalBytes: number, layerCount: number): LayerPool {
		const forced = process.env.LAYERSCOPE_WORKERS;
		const workerFile = fileURLToPath(new URL('layer-worker.js', import.meta.url));
		// Under a TypeScript test runner the compiled worker does not exist: read inline.
		if (!existsSync(workerFile)) return new LayerPool(0);
		if (forced !== undefined) return new LayerPool(Math.max(0, Number.parseInt(forced, 10) || 0));
		if (totalBytes < INLINE_BELOW_BYTES || layerCount < 2) return new LayerPool(0);
		return new LayerPool(Math.min(layerCount, Math.max(2, os.availableParallelism())));
	}

	/** For layers that arrive as streams: as many threads as cores (LAYERSCOPE_WORKERS overrides). */
	static forStreams(): LayerPool {
		const forced = process.env.LAYERSCOPE_WORKERS;
		if (!existsSync(fileURLToPath(new URL('layer-worker.js', import.meta.url)))) return new LayerPool(0);
		if (forced !== undefined) return new LayerPool(Math.max(0, Number.parseInt(forced, 10) || 0), true);
		return new LayerPool(Math.max(2, os.availableParallelism()));
	}

	get threads(): number {
		return this.size;
	}

	read(range: FileRange): Promise<LayerReadResult> {
		if (this.size === 0) return readLayer(openRangeReusing(range), this.stopping.signal);
		return new Promise((resolve, reject) => {
			this.queue.push({job: {kind: 'range', ...range, id: this.nextId++}, resolve, reject});
			this.dispatch();
		});
	}

	/**
	 * Reads a layer that arrives as a stream. `size` (when known) decides
	 * whether a thread pays. The caller may move on once `pumped` settles;
	 * an error of the source rejects `result` with the source's own error.
	 */
	readStream(source: AsyncIterable<Uint8Array>, size: number | undefined): StreamedLayer {
		if (this.size === 0 || (!this.forced && size !== undefined && size < INLINE_STREAM_BELOW_BYTES)) {
			const result = readLayer(source, this.stopping.signal);
			return {pumped: result.then(() => undefined, () => undefined), result};
		}
		let settled = false;
		let outstanding = 0;
		let wake: (() => void) | undefined;
		const id = this.nextId++;
		const result = new Promise<LayerReadResult>((resolve, reject) => {
			this.pending.set(id, {resolve, reject, onConsumed: bytes => ((outstanding -= bytes), wake?.())});
		});
		void result.then(
			() => ((settled = true), wake?.()),
			() => ((settled = true), wake?.()),
		);
		const pumping = (async () => {
			const worker = await this.acquire();
			worker.postMessage({kind: 'stream-start', id} satisfies LayerJob);
			try {
				// Network chunks are small (16–64 kB): batch them, a message per megabyte, not per chunk.
				let batch: Uint8Array[] = [];
				let batched = 0;
				const send = async () => {
					const own = new Uint8Array(batched); // a buffer of its own, so it can be handed over without a copy
					let offset = 0;
					for (const piece of batch) {
						own.set(piece, offset);
						offset += piece.byteLength;
					}
					batch = [];
					batched = 0;
					outstanding += own.byteLength;
					worker.postMessage({kind: 'stream-chunk', id, chunk: own.buffer} satisfies LayerJob, [own.buffer]);
					while (outstanding > STREAM_AHEAD_BYTES && !settled) await new Promise<void>(resolve => (wake = resolve));
				};
				for await (const chunk of source) {
					if (settled) break; // the reader stopped early (a bad layer): the rest is the caller's to drain
					batch.push(chunk);
					batched += chunk.byteLength;
					if (batched >= STREAM_BATCH_BYTES) await send();
				}
				if (batched > 0 && !settled) await send();
				if (!settled) worker.postMessage({kind: 'stream-end', id} satisfies LayerJob);
			} catch (error) {
				worker.postMessage({kind: 'stream-abort', id} satisfies LayerJob);
				await result.catch(() => {});
				throw error;
			}
		})();
		// A failing source rejects `pumping` with its own error, which is the one to report (not the worker's "source failed").
		return {pumped: pumping.catch(() => undefined), result: pumping.then(() => result)};
	}

	/** Stops everything: workers end, inline reads stop at their next chunk. */
	async close(): Promise<void> {
		this.stopping.abort();
		await Promise.all(this.workers.map(worker => worker.terminate()));
	}

	private dispatch(): void {
		while (this.queue.length > 0) {
			const worker = this.idle.pop() ?? this.spawn();
			if (!worker) return;
			const {job, resolve, reject} = this.queue.shift()!;
			this.pending.set(job.id, {resolve, reject});
			worker.postMessage(job);
		}
	}

	private acquire(): Promise<Worker> {
		const worker = this.idle.pop() ?? this.spawn();
		return worker ? Promise.resolve(worker) : new Promise(resolve => this.waitingForWorker.push(resolve));
	}

	private release(worker: Worker): void {
		const waiting = this.waitingForWorker.shift();
		if (waiting) return waiting(worker);
		this.idle.push(worker);
		this.dispatch();
	}

	private spawn(): Worker | undefined {
		if (this.workers.length >= this.size) return undefined;
		const worker = new Worker(new URL('layer-worker.js', import.meta.url));
		worker.unref();
		worker.on('message', (reply: LayerJobReply) => {
			if ('consumed' in reply) {
				this.pending.get(reply.id)?.onConsumed?.(reply.consumed);
				return;
			}
			const waiting = this.pending.get(reply.id)!;
			this.pending.delete(reply.id);
			if (reply.ok) waiting.resolve({...reply.result, entries: new EntryTable(reply.result.entries)});
			else waiting.reject(reply.format ? new LayerFormatError(reply.message) : new Error(reply.message));
			this.release(worker);
		});
		worker.on('error', error => {
			for (const waiting of this.pending.values()) waiting.reject(error);
			this.pending.clear();
		});
		this.workers.push(worker);
		return worker;
	}
}

const INLINE_BELOW_BYTES = 64 * 1024 * 1024;
/** A streamed layer smaller than this is read inline: handing it over costs more than it saves. */
const INLINE_STREAM_BELOW_BYTES = 8 * 1024 * 1024;
