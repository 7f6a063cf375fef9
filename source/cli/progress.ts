import prettyBytes from 'pretty-bytes';
import type {LoadProgress} from '../image/load.js';

/** "reading layer 2 of 5, 12.3 MB read"; an engine's export says how much of about how much has arrived. */
export function progressLine(progress: LoadProgress): string {
	const layers = `layer ${progress.layersRead}${progress.layersTotal === null ? '' : ` of ${progress.layersTotal}`}`;
	const bytes = progress.bytesTotal ? `${prettyBytes(progress.bytesRead)} of ~${prettyBytes(progress.bytesTotal)} received` : `${prettyBytes(progress.bytesRead)} read`;
	return `reading ${layers}, ${bytes}`;
}

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
			stream.write(`\r\u001B[2K${progressLine(progress)}`);
			shown = true;
		},
		done() {
			if (shown) stream.write('\r\u001B[2K');
			shown = false;
		},
	};
}
