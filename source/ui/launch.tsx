import {openSync} from 'node:fs';
import process from 'node:process';
import tty from 'node:tty';
import {render, useApp, useStdout} from 'ink';
import React, {useCallback, useEffect, useState} from 'react';
import {loadComparisonWithFiles} from '../cli/diff-command.js';
import {loadAndAnalyse} from '../cli/load-and-analyse.js';
import type {DiffMode} from '../cli/mode.js';
import {imageFileAccess, type FileAccess} from '../content/file-access.js';
import {UsageError} from '../errors.js';
import type {KeptBlobs, LoadOptions, LoadProgress} from '../image/load.js';
import type {Style} from '../report/style.js';
import {Browser, Loading} from './app.js';
import type {BrowserConfig} from './browser-config.js';
import {imageSubject, type BrowserSubject} from './browser-subject.js';
import {comparisonSubject} from './comparison-subject.js';
import {keepInkLineCache} from './ink-line-cache.js';
import type {ViewState} from './view-state.js';

/** The alternate screen, plus mouse reports (button events, SGR encoding) for the wheel. */
const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[2J\u001B[H\u001B[?1000h\u001B[?1006h';
// The alternate screen is cleared before it is left: after a resize, tmux otherwise carries part of the last frame onto the shell's screen.
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1000l\u001B[?1006l\u001B[H\u001B[2J\u001B[?1049l';

/** Keys come from the terminal even when the image arrives on stdin (docker save app | layerscope -). */
function keyboard(): NodeJS.ReadStream {
	if (process.stdin.isTTY) return process.stdin;
	try {
		return new tty.ReadStream(openSync('/dev/tty', 'r')) as NodeJS.ReadStream;
	} catch {
		throw new UsageError('no terminal to read keys from; use --json or the text summary (pipe the output)');
	}
}

function useTerminalSize(): {width: number; height: number} {
	const {stdout} = useStdout();
	// One row short of the terminal: a frame as tall as the screen makes Ink clear and redraw it all on every update.
	const read = () => ({width: stdout.columns || 80, height: Math.max(4, (stdout.rows || 24) - 1)});
	const [size, setSize] = useState(read);
	useEffect(() => {
		const onResize = () => setSize(read());
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

/**
 * For the end-to-end tests only: LAYERSCOPE_TEST_CRASH_AFTER_MS=N makes a
 * render throw N ms after the browser shows, as a bug would, so a test can
 * check that a crash gives the terminal back (test/e2e/tmux.test.ts).
 */
function CrashForTests({afterMs}: {afterMs: number}) {
	const [crashed, setCrashed] = useState(false);
	useEffect(() => {
		const timer = setTimeout(() => setCrashed(true), afterMs);
		return () => clearTimeout(timer);
	}, [afterMs]);
	if (crashed) throw new Error('crashed on purpose (LAYERSCOPE_TEST_CRASH_AFTER_MS)');
	return null;
}

/**
 * How Ink draws the browser (the bench, test/bench/ui-latency.ts, renders with these). Not Ink's
 * incrementalRendering: it rewrites only changed lines, but on this full-screen frame it leaves lines
 * repeated and shifted in tmux (Ink 6.8 moves up one line too few over a frame that ends in a newline, as every frame
 * shorter than the terminal does; test/e2e/keys.test.ts and compare-view.test.ts saw it), and a frame's cost is in composing it, not writing it.
 */
export const INK_OPTIONS = {} as const;

export interface BrowserOptions {
	/** The layer to open on (--layer), over the config's start.layer. */
	layer?: number;
	/** The user's config file, read before the screen is taken (a bad one is an error on the shell). */
	config?: BrowserConfig;
}

/** Opens what the browser shows, reporting progress on the way; rejects with the error to show on the shell. */
type Open = (onProgress: (progress: LoadProgress) => void) => Promise<Opened>;

interface Opened {
	subject: BrowserSubject;
	initial?: Partial<ViewState>;
	/** The files behind the tree, for the viewer; closed when the browser ends. */
	files?: FileAccess;
}

function Root({label, open, style, config, onOpened, onDone}: {label: string; open: Open; style: Style; config: BrowserConfig | undefined; onOpened: (opened: Opened) => void; onDone: (error?: unknown) => void}) {
	const {exit} = useApp();
	const {width, height} = useTerminalSize();
	const [progress, setProgress] = useState<LoadProgress>({layersRead: 0, layersTotal: null, bytesRead: 0, bytesTotal: null});
	const [opened, setOpened] = useState<Opened>();
	useEffect(() => {
		open(setProgress).then(result => {
			onOpened(result);
			setOpened(result);
		}, error => {
			onDone(error);
			exit();
		});
	}, []);
	const quit = useCallback(() => {
		onDone();
		exit();
	}, [exit, onDone]);
	if (!opened) return <Loading input={label} progress={progress} width={width} />;
	const crashAfterMs = process.env.LAYERSCOPE_TEST_CRASH_AFTER_MS;
	return (
		<>
			<Browser subject={opened.subject} files={opened.files} width={width} height={height} style={style} onQuit={quit} config={config} initial={opened.initial} />
			{crashAfterMs ? <CrashForTests afterMs={Number(crashAfterMs)} /> : null}
		</>
	);
}

/** The browser on one image. */
export function runBrowser(input: string, load: LoadOptions, style: Style, options: BrowserOptions = {}): Promise<void> {
	return runScreen(input, style, options.config, async onProgress => {
		let kept: KeptBlobs | undefined;
		const result = await loadAndAnalyse(input, {...load, onProgress, keepBlobs: blobs => (kept = blobs)});
		const files = imageFileAccess(result, kept!, {verify: load.verify !== false});
		const count = result.image.layers.length;
		if (options.layer !== undefined && (!Number.isInteger(options.layer) || options.layer < 0 || options.layer >= count)) {
			await files.close();
			throw new UsageError(`--layer must be between 0 and ${count - 1} for this image, not ${options.layer}`);
		}
		void result.trees; // build the per-layer index now: every key press after this is instant
		return {subject: imageSubject(result), files, initial: options.layer === undefined ? undefined : {layer: options.layer}};
	});
}

/** The compare view: the differences from A to B (step 1, its changes only, largest first), B's and A's whole trees a step away. */
export function runCompareBrowser(mode: DiffMode, load: LoadOptions, style: Style, options: BrowserOptions = {}): Promise<void> {
	return runScreen(mode.images.join(' → '), style, options.config, async onProgress => {
		const {comparison, files} = await loadComparisonWithFiles(mode, {...load, onProgress});
		void comparison.tree;
		return {subject: comparisonSubject(comparison), files, initial: {layer: 1, view: 'layer', sort: 'size', foldAll: false, focus: 'files'}};
	});
}

/** The full-screen browser: the alternate screen while it runs, the terminal as it was afterwards, even on a crash. */
async function runScreen(label: string, style: Style, config: BrowserConfig | undefined, open: Open): Promise<void> {
	const stdin = keyboard();
	await keepInkLineCache();
	const stdout = process.stdout;
	let restored = false;
	const restore = () => {
		if (restored) return;
		restored = true;
		stdout.write(LEAVE_ALTERNATE_SCREEN);
	};
	const onSignal = () => {
		restore();
		process.exit(130);
	};
	process.on('exit', restore);
	process.on('SIGTERM', onSignal);
	process.on('SIGHUP', onSignal);
	// Until Ink puts the terminal in raw mode (the browser's first effect, after its first frame; never while loading),
	// Ctrl+C is a SIGINT, whose default would end the process on the alternate screen.
	process.on('SIGINT', onSignal);
	stdout.write(ENTER_ALTERNATE_SCREEN);
	let failure: unknown;
	let files: FileAccess | undefined;
	try {
		const app = render(<Root label={label} open={open} style={style} config={config} onOpened={opened => (files = opened.files)} onDone={error => (failure = error)} />, {stdin, stdout, exitOnCtrlC: true, patchConsole: false, ...INK_OPTIONS});
		await app.waitUntilExit();
	} finally {
		restore();
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		process.off('SIGINT', onSignal);
		if (stdin !== process.stdin) stdin.destroy();
		await files?.close();
	}
	if (failure) throw failure;
}
