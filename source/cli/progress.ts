import prettyBytes from 'pretty-bytes';
import type {LoadProgress} from '../image/load.js';

/** A one-line progress report on a terminal's stderr, redrawn in place and erased when done. */
export function createProgress(stream: NodeJS.WriteStream): {update: (progress: LoadProgress) => void; done: () => void} {
	if (!stream.isTTY) return {update() {}, done() {}};
	let shown = false;
	let last = 0;
	return {
		update(progress) {
			const now = Date.now();
			if (now - last < 100 && progress.layersRead !== progress.layersTotal) return;
			last = now;
			const total = progress.layersTotal === null ? '' : ` of ${progress.layersTotal}`;
			stream.write(`\r\u001B[2Kreading layer ${progress.layersRead}${total}, ${prettyBytes(progress.bytesRead)} read`);
			shown = true;
		},
		done() {
			if (shown) stream.write('\r\u001B[2K');
			shown = false;
		},
	};
}
