import prettyBytes from 'pretty-bytes';
import type {LoadProgress} from '../image/load.js';

/** How far along, 0…1, when a total is known: bytes of the total, else layers of the total. */
export function progressFraction(progress: LoadProgress): number | null {
	if (progress.bytesTotal) return Math.min(1, progress.bytesRead / progress.bytesTotal);
	if (progress.layersTotal) return Math.min(1, progress.layersRead / progress.layersTotal);
	return null;
}

/** "[██████░░░░░░]  48 %", `width` columns of bar; nothing when no total is known. */
export function progressBar(progress: LoadProgress, width = 20): string {
	const fraction = progressFraction(progress);
	if (fraction === null) return '';
	const filled = Math.round(fraction * width);
	return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)} %`;
}

/** "reading layer 2 of 5, 12.3 MB of 40 MB [████░░░░]  30 %"; an engine's total is its image size, an estimate ("~"). */
export function progressLine(progress: LoadProgress): string {
	const layers = `layer ${progress.layersRead}${progress.layersTotal === null ? '' : ` of ${progress.layersTotal}`}`;
	const bytes = progress.bytesTotal ? `${prettyBytes(progress.bytesRead)} of ${progress.approximate ? '~' : ''}${prettyBytes(progress.bytesTotal)}` : `${prettyBytes(progress.bytesRead)} read`;
	const bar = progressBar(progress);
	return `reading ${layers}, ${bytes}${bar ? ` ${bar}` : ''}`;
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
