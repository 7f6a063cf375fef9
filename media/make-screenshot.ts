/**
 * Renders media/screenshot.svg from a real frame: the built binary runs in
 * tmux on the bundled example image, a few keys are pressed, and the pane
 * (with its colors) is captured and drawn as SVG text. With `--compare`,
 * media/compare-screenshot.svg: the compare view on the project's real pair
 * (test/interop/app-v1 and app-v2, built by the interop script first if
 * needed). Run after `npm run build`: `npx tsx media/make-screenshot.ts [--compare]`.
 */
import {execFileSync} from 'node:child_process';
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import Anser from 'anser';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const [columns, rows] = [150, 40];
const socket = `layerscope-screenshot-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function capture(command: string, keyPresses: string[][], cwd = root): Promise<string> {
	// With relative paths, so the frame names the images as a reader of the README would type them.
	tmux('new-session', '-d', '-s', 'shot', '-c', cwd, '-x', String(columns), '-y', String(rows), `env -u NO_COLOR TERM=xterm-256color ${command}`);
	try {
		await sleep(2000);
		for (const keys of keyPresses) {
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

const compare = process.argv.includes('--compare');
let screen: string;
if (compare) {
	const {ensureInteropImages} = await import('../test/interop/build-images.js');
	const built = ensureInteropImages().dir;
	// Under the names a reader would give them, in a folder of their own (removed afterwards).
	const shot = mkdtempSync(path.join(os.tmpdir(), 'layerscope-shot-'));
	cpSync(path.join(built, 'app-v1.docker.tar'), path.join(shot, 'app-v1.tar'));
	cpSync(path.join(built, 'app-v2.oci'), path.join(shot, 'app-v2'), {recursive: true});
	try {
		// The differences from v1 to v2, largest change first, the cursor on the first.
		screen = await capture(`node ${path.join(root, 'dist/cli.js')} diff app-v1.tar app-v2`, [['Down']], shot);
	} finally {
		rmSync(shot, {recursive: true, force: true});
	}
} else {
	// The chmod layer, its own changes: every app file stored again for a mode change.
	screen = await capture('node dist/cli.js media/example.tar --layer 4', [['C-l'], ['Tab'], ['Down'], ['Down']]);
}
const name = compare ? 'compare-screenshot' : 'screenshot';
writeFileSync(path.join(here, `${name}.svg`), svg(screen));
writeFileSync(path.join(here, `${name}.txt`), screen.replaceAll(/\u001B\[[0-9;]*m/g, ''));
console.log(`wrote media/${name}.svg and media/${name}.txt`);
