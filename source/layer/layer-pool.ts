import {existsSync} from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {Worker} from 'node:worker_threads';
import {LayerFormatError, readLayer, type LayerReadResult} from './read-layer.js';
import {openRange, type FileRange} from './file-range.js';
import type {LayerJob, LayerJobReply} from './layer-worker.js';

/**
 * Reads layer blobs that live in files, on worker threads when that pays:
 * sha256 of the tar stream and of every file is most of the work and runs at
 * one core's speed, so independent layers go to separate cores. Small images
 * are read inline, where starting threads would cost more than it saves.
 */
export class LayerPool {
	private readonly workers: Worker[] = [];
	private readonly idle: Worker[] = [];
	private readonly queue: Array<{job: LayerJob; resolve: (r: LayerReadResult) => void; reject: (e: Error) => void}> = [];
	private readonly pending = new Map<number, {resolve: (r: LayerReadResult) => void; reject: (e: Error) => void}>();
	private nextId = 0;

	private constructor(private readonly size: number) {}

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

	get threads(): number {
		return this.size;
	}

	read(range: FileRange): Promise<LayerReadResult> {
		if (this.size === 0) return readLayer(openRange(range));
		return new Promise((resolve, reject) => {
			this.queue.push({job: {...range, id: this.nextId++}, resolve, reject});
			this.dispatch();
		});
	}

	async close(): Promise<void> {
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

	private spawn(): Worker | undefined {
		if (this.workers.length >= this.size) return undefined;
		const worker = new Worker(new URL('layer-worker.js', import.meta.url));
		worker.unref();
		worker.on('message', (reply: LayerJobReply) => {
			const waiting = this.pending.get(reply.id)!;
			this.pending.delete(reply.id);
			if (reply.ok) waiting.resolve(reply.result);
			else waiting.reject(reply.format ? new LayerFormatError(reply.message) : new Error(reply.message));
			this.idle.push(worker);
			this.dispatch();
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
