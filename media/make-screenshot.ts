/**
 * Renders media/screenshot.svg from a real frame: the built binary runs in
 * tmux on the bundled example image, a few keys are pressed, and the pane
 * (with its colors) is captured and drawn as SVG text. Run after `npm run
 * build`: `npx tsx media/make-screenshot.ts`.
 */
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import Anser from 'anser';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const [columns, rows] = [150, 40];
const socket = `layerscope-screenshot-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function capture(): Promise<string> {
	// From the repository, with a relative path, so the frame names the image as a reader of the README would type it.
	tmux('new-session', '-d', '-s', 'shot', '-c', root, '-x', String(columns), '-y', String(rows), 'env -u NO_COLOR TERM=xterm-256color node dist/cli.js media/example.tar --layer 4');
	try {
		await sleep(2000);
		// The chmod layer, its own changes: every app file stored again for a mode change.
		for (const keys of [['C-l'], ['Tab'], ['Down'], ['Down']]) {
			tmux('send-keys', '-t', 'shot', ...keys);
			await sleep(300);
		}
		return tmux('capture-pane', '-p', '-e', '-t', 'shot');
	} finally {
		execFileSync('tmux', ['-L', socket, 'kill-server']);
	}
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function svg(screen: string): string {
	const [cellWidth, cellHeight, fontSize] = [8.4, 17, 14];
	const background = '#1e1e2e';
	const foreground = '#cdd6f4';
	const parts: string[] = [];
	screen.split('\n').slice(0, rows).forEach((line, row) => {
		let column = 0;
		for (const chunk of Anser.ansiToJson(line, {json: true, remove_empty: true})) {
			const text = chunk.content;
			const width = [...text].length;
			// anser swaps colors for reverse video itself, as black on white: draw that in the theme's colors.
			const color = (rgb: string | null, fallback: string | undefined) => (rgb === null ? fallback : rgb === '0, 0, 0' ? background : rgb === '255,255,255' ? foreground : `rgb(${rgb})`);
			const fill = color(chunk.fg, foreground)!;
			const back = color(chunk.bg, undefined);
			const x = column * cellWidth;
			const y = row * cellHeight;
			if (back) parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${(width * cellWidth).toFixed(1)}" height="${cellHeight}" fill="${back}"/>`);
			const dim = chunk.decorations.includes('dim') ? ' opacity="0.55"' : '';
			const bold = chunk.decorations.includes('bold') ? ' font-weight="bold"' : '';
			if (text.trim() !== '') parts.push(`<text x="${x.toFixed(1)}" y="${y + cellHeight - 4}" fill="${fill}"${dim}${bold} textLength="${(width * cellWidth).toFixed(1)}" lengthAdjust="spacingAndGlyphs">${escapeXml(text)}</text>`);
			column += width;
		}
	});
	const width = columns * cellWidth;
	const height = rows * cellHeight;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${fontSize}" xml:space="preserve">`,
		`<rect width="100%" height="100%" fill="${background}"/>`,
		...parts,
		'</svg>',
		'',
	].join('\n');
}

const screen = await capture();
writeFileSync(path.join(here, 'screenshot.svg'), svg(screen));
writeFileSync(path.join(here, 'screenshot.txt'), screen.replaceAll(/\u001B\[[0-9;]*m/g, ''));
console.log('wrote media/screenshot.svg and media/screenshot.txt');
