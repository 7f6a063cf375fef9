/**
 * Chunks pushed by one side, read once as an async iterable by the other:
 * a worker's view of a layer the main thread receives. `onConsumed` tells
 * the sender how far the reader got, so it can hold back (backpressure).
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
	private readonly chunks: Uint8Array[] = [];
	private ended = false;
	private failure: Error | undefined;
	private wake: (() => void) | undefined;

	constructor(private readonly onConsumed: (bytes: number) => void) {}

	push(chunk: Uint8Array): void {
		this.chunks.push(chunk);
		this.signal();
	}

	end(): void {
		this.ended = true;
		this.signal();
	}

	fail(error: Error): void {
		this.failure = error;
		this.signal();
	}

	async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
		for (;;) {
			if (this.failure) throw this.failure;
			const chunk = this.chunks.shift();
			if (chunk) {
				this.onConsumed(chunk.byteLength);
				yield chunk;
				continue;
			}
			if (this.ended) return;
			await new Promise<void>(resolve => (this.wake = resolve));
		}
	}

	private signal(): void {
		const wake = this.wake;
		this.wake = undefined;
		wake?.();
	}
}
