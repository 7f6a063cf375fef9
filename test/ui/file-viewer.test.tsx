/**
 * The viewer pane (Enter or v on a file): text with line numbers, cut or wrapped, searched with / and n;
 * binary as a hex dump; a file over the limit shown in part; control characters in content escaped as
 * names are; a stream's files said to be out of reach. Real reads, from fixture images in every case.
 */
import {mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs';
import {Readable} from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import {render} from 'ink-testing-library';
import prettyBytes from 'pretty-bytes';
import React from 'react';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Analysis} from '../../source/analysis/analyse.js';
import {loadComparisonWithFiles} from '../../source/cli/diff-command.js';
import {loadAndAnalyse} from '../../source/cli/load-and-analyse.js';
import {comparisonSubject} from '../../source/ui/comparison-subject.js';
import {imageFileAccess, unavailableAccess, type FileAccess} from '../../source/content/file-access.js';
import type {KeptBlobs} from '../../source/image/load.js';
import {createStyle, type Style} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {DEFAULT_BROWSER_CONFIG} from '../../source/ui/browser-config.js';
import {VIEWER_LIMIT} from '../../source/ui/use-viewed-file.js';
import {chunkedLayer} from '../fixtures/chunked-layer.js';
import {writeImage, type Compression} from '../fixtures/image-writer.js';
import {until} from '../helpers/wait.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-viewer-test-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const NOTES = Array.from({length: 60}, (_, i) => `note ${i + 1}${i === 41 ? ' the needle is here' : ''}`).join('\n') + '\n';
const HOSTILE = 'before \u001B]52;c;cGF5bG9hZA==\u0007 \u001B[2J after\tTAB\n';
const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0x1b, 0xff, 0xfe, ...Buffer.from('tail')]);
const LONG = 'x'.repeat(300) + 'END\n';
/** Over the viewer's limit, text; its last line must never be read into the pane. */
const HUGE = Buffer.concat([Buffer.alloc(2 * VIEWER_LIMIT, 'a\n'), Buffer.from('LAST LINE\n')]);

async function fixture(name: string, compression: Compression): Promise<string> {
	const written = await writeImage(
		{
			layers: [
				{entries: [{type: 'dir', path: 'etc'}, {type: 'file', path: 'etc/notes', content: NOTES}, {type: 'file', path: 'etc/hostile', content: HOSTILE}, {type: 'file', path: 'bin/elf', content: BINARY}, {type: 'file', path: 'etc/long', content: LONG}, {type: 'symlink', path: 'etc/link', target: 'notes'}]},
				{entries: [{type: 'file', path: 'var/huge', content: HUGE}, {type: 'file', path: 'etc/notes', content: 'rewritten\n'}]},
			],
		},
		{format: 'oci-dir', compression, outPath: path.join(scratch, name)},
	);
	return written.path;
}

async function open(image: string, stdin?: Buffer): Promise<{analysis: Analysis; files: FileAccess}> {
	let kept: KeptBlobs | undefined;
	const analysis = await loadAndAnalyse(stdin ? '-' : image, {keepBlobs: blobs => (kept = blobs), stdin: stdin && Readable.from([stdin])});
	return {analysis, files: imageFileAccess(analysis, kept!, {verify: true})};
}

const KEYS = {tab: '\t', enter: '\r', escape: '\u001B', down: '\u001B[B'};

/** A style that always writes its SGR codes (node's own leaves them out off a terminal), to see colours in a frame. */
const SGR: Record<string, number> = {red: 31, green: 32, cyan: 36, inverse: 7, bold: 1, dim: 2};
const tagged = Object.assign((format: string, text: string) => `\u001B[${SGR[format] ?? 0}m${text}\u001B[0m`, {enabled: true}) as unknown as Style;

function mount(analysis: Analysis, files: FileAccess | undefined, layer: 'first' | 'last' = 'first', width = 120, style: Style = createStyle(false), extractInto?: string) {
	const app = render(<Browser analysis={analysis} files={files} extractInto={extractInto} width={width} height={30} style={style} onQuit={() => {}} config={{...DEFAULT_BROWSER_CONFIG, layer, fold: 'none'}} />);
	const frame = () => app.lastFrame() ?? '';
	/** Until the frame shows `text` (a read ends a few frames later), failing with the frame if it never does. */
	const waitFor = async (test: () => boolean) => {
		await until(test);
		if (!test()) throw new Error(`not seen in the frame:\n${frame()}`);
	};
	/** Each key, then until the frame stops changing (a loaded machine draws late). */
	const press = async (...keys: string[]) => {
		for (const key of keys) {
			app.stdin.write(key);
			let last = frame();
			for (let quiet = 0, waited = 0; quiet < 3 && waited < 2000; waited += 20) {
				await new Promise(resolve => setTimeout(resolve, 20));
				quiet = frame() === last ? quiet + 1 : 0;
				last = frame();
			}
		}
	};
	/** The cursor onto a path, with find (f), from the file pane. */
	const select = async (name: string) => {
		await press('f', ...name, KEYS.enter);
		await waitFor(() => frame().includes(`find: ${name}`));
	};
	const viewer = () => frame().split('\n').map(line => line.slice(line.indexOf('│') + 1));
	/** Until the viewer shows the file read (its title names the path, and says text or binary). */
	const shown = (title: string) => waitFor(() => frame().includes(`View: ${title}`) && / · (text|binary)/.test(frame()));
	return {app, frame, press, select, viewer, waitFor, shown};
}

describe('the viewer pane', () => {
	let image: Awaited<ReturnType<typeof open>>;
	beforeAll(async () => {
		image = await open(await fixture('gzip', 'gzip'));
	});
	afterAll(() => image.files.close());

	it('opens a text file with Enter: numbered lines, as the layer left it; Esc closes back to the tree', async () => {
		const {app, frame, press, select, viewer, waitFor, shown} = mount(image.analysis, image.files);
		await press(KEYS.tab);
		await select('notes');
		await press(KEYS.enter);
		await shown('/etc/notes · layer 0');
		expect(viewer().some(line => /^ 1 │ note 1$/.test(line.trimEnd()))).toBe(true);
		expect(frame()).toContain(`lines 1–28 of 60`);
		expect(frame()).not.toContain('note 29');
		await press(KEYS.escape);
		await waitFor(() => frame().includes('Files: filesystem after layer 0'));
		expect(frame()).not.toContain('View:');
		app.unmount();
	});

	it('shows the version of the layer on screen (v opens it too), and follows a symlink inside the image', async () => {
		const last = mount(image.analysis, image.files, 'last');
		await last.press(KEYS.tab);
		await last.select('notes');
		await last.press('v');
		await last.shown('/etc/notes · layer 1');
		expect(last.viewer().some(line => /^1 │ rewritten$/.test(line.trimEnd()))).toBe(true);
		await last.press('q', KEYS.escape);
		await last.select('link');
		await last.press('v');
		await last.shown('/etc/link · layer 1 → /etc/notes');
		expect(last.frame()).toContain('1 │ rewritten');
		last.app.unmount();
	});

	it('scrolls, and searches with / and n (round the end), marking the line found', async () => {
		const {app, frame, press, select, waitFor, shown} = mount(image.analysis, image.files, 'first', 160);
		await press(KEYS.tab);
		await select('notes');
		await press(KEYS.enter);
		await shown('/etc/notes');
		await press(KEYS.down, KEYS.down);
		expect(frame()).toContain('lines 3–30 of 60');
		await press('/', ...'NEEDLE', KEYS.enter);
		await waitFor(() => frame().includes('/NEEDLE'));
		expect(frame()).toContain('lines 33–60 of 60');
		expect(frame()).toContain('42 │ note 42 the needle is here');
		await press('n');
		expect(frame()).toContain('lines 33–60 of 60');
		await press('/', ...'nothing like it', KEYS.enter);
		await waitFor(() => frame().includes('(no match)'));
		app.unmount();
	});

	it('cuts long lines, and wraps them on w', async () => {
		const {app, frame, press, select, waitFor, shown} = mount(image.analysis, image.files);
		await press(KEYS.tab);
		await select('long');
		await press(KEYS.enter);
		await shown('/etc/long');
		expect(frame()).not.toContain('END');
		expect(frame()).toContain('…');
		await press('w');
		await waitFor(() => frame().includes('wrapped'));
		expect(frame()).toContain('END');
		expect(frame()).toContain(' ┆ ');
		app.unmount();
	});

	it('escapes the control characters a file holds, exactly as names are, and expands tabs', async () => {
		const {app, frame, press, select, waitFor, shown} = mount(image.analysis, image.files);
		await press(KEYS.tab);
		await select('hostile');
		await press(KEYS.enter);
		await shown('/etc/hostile');
		// 44 columns, then the tab to the next stop of what is shown.
		expect(frame()).toContain('1 │ before \\e]52;c;cGF5bG9hZA==\\u{7} \\e[2J after    TAB');
		expect(frame()).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F]/);
		app.unmount();
	});

	it('shows a binary file as a hex dump', async () => {
		const {app, frame, press, select, waitFor, shown} = mount(image.analysis, image.files, 'first', 160);
		await press(KEYS.tab);
		await select('elf');
		await press(KEYS.enter);
		await waitFor(() => frame().includes('binary, hex'));
		expect(frame()).toContain('00000000  7f 45 4c 46 00 01 02 1b  ff fe 74 61 69 6c');
		expect(frame()).toContain('|.ELF......tail|');
		app.unmount();
	});

	it('shows the first part of a file over the limit, and says so', async () => {
		const {app, frame, press, select, waitFor, shown} = mount(image.analysis, image.files, 'last');
		await press(KEYS.tab);
		await select('huge');
		await press(KEYS.enter);
		await shown('/var/huge');
		expect(frame()).toContain(`the first ${prettyBytes(VIEWER_LIMIT)} of ${prettyBytes(HUGE.length)}`);
		await press('G');
		expect(frame()).not.toContain('LAST LINE');
		app.unmount();
	});
});

describe('the change pane (d)', () => {
	let image: Awaited<ReturnType<typeof open>>;
	beforeAll(async () => {
		image = await open(await fixture('zstd', 'zstd'));
	});
	afterAll(() => image.files.close());

	it("shows the layer's change to a file as a coloured unified diff", async () => {
		const {app, frame, press, select, waitFor} = mount(image.analysis, image.files, 'last', 160, tagged);
		await press(KEYS.tab);
		await select('notes');
		await press('d');
		await waitFor(() => frame().includes('Change: /etc/notes · layer 1 · text changed'));
		expect(frame()).toContain('--- /etc/notes (after layer 0)');
		expect(frame()).toContain('+++ /etc/notes (layer 1)');
		expect(frame()).toContain('@@ -1,60 +1 @@');
		// Green + lines, red - lines, as diff colours them.
		expect(frame()).toContain('\u001B[31m-note 1\u001B[');
		expect(frame()).toContain('\u001B[36m@@ -1,60 +1 @@\u001B[');
		await press('G');
		expect(frame()).toContain('\u001B[32m+rewritten\u001B[');
		await press('/', ...'rewritten', KEYS.enter);
		await waitFor(() => frame().includes('/rewritten') && !frame().includes('▏'));
		expect(frame()).not.toContain('(no match)');
		expect(frame()).toContain('lines 37–64 of 64');
		app.unmount();
	});

	it('says so for a path the layer did not change, and names a file the layer added', async () => {
		const {app, frame, press, select, waitFor} = mount(image.analysis, image.files, 'last', 160);
		await press(KEYS.tab);
		await select('long');
		await press('d');
		expect(frame()).toContain('d: layer 1 did not change long (v views it)');
		expect(frame()).not.toContain('Change:');
		await select('huge');
		await press('d');
		await waitFor(() => frame().includes('Change: /var/huge · layer 1 · added'));
		app.unmount();
	});
});

describe('extract (x)', () => {
	let image: Awaited<ReturnType<typeof open>>;
	beforeAll(async () => {
		image = await open(await fixture('x', 'gzip'));
	});
	afterAll(() => image.files.close());

	it('asks first, naming the target; y writes the file or directory there, any other key cancels', async () => {
		const into = mkdtempSync(path.join(scratch, 'into-'));
		const {app, frame, press, select, waitFor} = mount(image.analysis, image.files, 'last', 200, createStyle(false), into);
		await press(KEYS.tab);
		await select('notes');
		await press('x');
		expect(frame()).toContain(`x: extract /etc/notes (as layer 1 left it) to ${path.join(into, 'notes')}? y extracts, any other key cancels`);
		await press('n');
		expect(frame()).toContain('x: not extracted');
		expect(readdirSync(into)).toEqual([]);
		await press('x', 'y');
		await waitFor(() => frame().includes('1 file, 0 dirs, 0 links written'));
		expect(readFileSync(path.join(into, 'notes'), 'utf8')).toBe('rewritten\n');
		// Nothing is overwritten.
		await press('x', 'y');
		await waitFor(() => frame().includes('x: not extracted:'));
		expect(readFileSync(path.join(into, 'notes'), 'utf8')).toBe('rewritten\n');
		await select('etc');
		await press('x', 'y');
		await waitFor(() => frame().includes('/etc → '));
		expect(readdirSync(path.join(into, 'etc')).sort()).toEqual(['hostile', 'link', 'long', 'notes']);
		expect(readlinkSync(path.join(into, 'etc/link'))).toBe('notes');
		expect(readFileSync(path.join(into, 'etc/hostile'), 'utf8')).toBe(HOSTILE);
		app.unmount();
	});
});

describe('the compare view', () => {
	it('views either image\'s file (Enter), and d shows B\'s against A\'s', async () => {
		const a = await writeImage({layers: [{entries: [{type: 'dir', path: 'etc'}, {type: 'file', path: 'etc/notes', content: NOTES}]}]}, {format: 'oci-dir', outPath: path.join(scratch, 'compare-a')});
		const b = await writeImage({layers: [{entries: [{type: 'dir', path: 'etc'}, {type: 'file', path: 'etc/notes', content: 'rewritten\n'}]}]}, {format: 'docker-legacy', outPath: path.join(scratch, 'compare-b.tar')});
		const {comparison, files} = await loadComparisonWithFiles({kind: 'diff', images: [a.path, b.path], range: null, json: null, markdown: null, browser: true, file: undefined}, {cache: null, onProgress: () => {}});
		const app = render(<Browser subject={comparisonSubject(comparison)} files={files} width={160} height={30} style={createStyle(false)} onQuit={() => {}} initial={{layer: 1, view: 'layer', sort: 'size', foldAll: false, focus: 'files'}} />);
		const frame = () => app.lastFrame() ?? '';
		const seen = async (text: string) => {
			await until(() => frame().includes(text));
			expect(frame()).toContain(text);
		};
		await seen('notes');
		for (const key of ['f', ...'notes', '\r']) {
			app.stdin.write(key);
			await new Promise(resolve => setTimeout(resolve, 30));
		}
		await seen('find: notes (n next');
		app.stdin.write('d');
		await seen('Change: /etc/notes · image B · text changed');
		expect(frame()).toContain('--- /etc/notes (image A)');
		expect(frame()).toContain('+++ /etc/notes (image B)');
		app.stdin.write(KEYS.escape);
		await seen('Files:');
		// An escape followed at once by a letter reads as Alt+letter.
		await new Promise(resolve => setTimeout(resolve, 150));
		app.stdin.write('v');
		await seen('View: /etc/notes · image B');
		// Its bytes are read after the view opens ("reading /etc/notes from image B…" until then): on a busy machine, later.
		await seen('1 │ rewritten');
		app.unmount();
		await files.close();
	});
});

describe('other sources', () => {
	it('views a file of a stream (stdin), from the blobs kept in a private spool while the browser runs', async () => {
		const archive = await writeImage({layers: [{entries: [{type: 'file', path: 'etc/notes', content: NOTES}]}]}, {format: 'oci-archive', outPath: path.join(scratch, 'stream.tar')});
		const image = await open('-', readFileSync(archive.path));
		const {app, frame, press, select, shown} = mount(image.analysis, image.files);
		await press(KEYS.tab);
		await select('notes');
		await press(KEYS.enter);
		await shown('/etc/notes · layer 0');
		expect(frame()).toContain(' 1 │ note 1');
		app.unmount();
		await image.files.close();
	});

	it('says why in the pane when the files cannot be read', async () => {
		const image = await open(await fixture('plain', 'none'));
		await image.files.close();
		const {app, frame, press, select, waitFor} = mount(image.analysis, unavailableAccess('the engine went away'));
		await press(KEYS.tab);
		await select('notes');
		await press(KEYS.enter);
		await waitFor(() => frame().includes('cannot show it: the engine went away'));
		app.unmount();
	});

	it('tells how far into a compressed layer a read is, up to the file', async () => {
		const image = await open(await fixture('progress', 'gzip'));
		const seen: Array<[number, number]> = [];
		const opened = await image.files.open(1, '/etc/notes', 100, (bytes, total) => seen.push([bytes, total]));
		expect(opened.bytes.toString()).toBe('rewritten\n');
		const layer = image.analysis.image.layers[1]!;
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.every(([, total]) => total === layer.size)).toBe(true);
		expect(seen.every(([bytes], index) => index === 0 || bytes >= seen[index - 1]![0])).toBe(true);
		// The huge file comes first in the layer: the read passed it to reach the notes.
		expect(seen.at(-1)![0]).toBeGreaterThan(HUGE.length);
		await image.files.close();
	});

	it('opens a file of an eStargz layer through its table of contents, progress asked or not', async () => {
		const big = Buffer.alloc(8 * 1024 * 1024, 'z');
		const layer = chunkedLayer([{type: 'file', path: 'data/big', content: big}, {type: 'file', path: 'etc/last', content: 'the last file\n'}], 'estargz');
		const written = await writeImage({layers: [{blob: layer.blob, diffId: layer.diffId, mediaType: layer.mediaType, annotations: layer.annotations}]}, {format: 'oci-dir', outPath: path.join(scratch, 'estargz')});
		const image = await open(written.path);
		const seen: number[] = [];
		const opened = await image.files.open(0, '/etc/last', VIEWER_LIMIT, bytes => seen.push(bytes));
		expect(opened.bytes.toString()).toBe('the last file\n');
		// Through the TOC: the layer's tar is never decompressed up to the file (the 8 MiB before it), so no progress to tell.
		expect(seen).toEqual([]);
		await image.files.close();
	});

	it('reads an uncompressed layer by one seek: the same bytes as the file', async () => {
		const image = await open(await fixture('none', 'none'));
		const opened = await image.files.open(0, '/etc/notes', 100);
		expect(opened.bytes.toString()).toBe(NOTES.slice(0, 100));
		expect(opened).toMatchObject({truncated: true, size: NOTES.length, kind: 'text', layer: 0});
		await expect(image.files.open(0, '/etc', 100)).rejects.toThrow('"/etc" is a directory');
		await expect(image.files.open(1, '/nothing', 100)).rejects.toThrow('no such file or directory');
		await image.files.close();
	});
});
