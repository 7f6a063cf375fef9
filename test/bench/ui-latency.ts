/**
 * Key press to new frame in the browser, on the benchmark image, at 150×45:
 * the real Ink renderer writing to an in-memory terminal, keys fed the way a
 * terminal sends them, spaced out so each frame is measured on its own
 * (Ink draws at most 30 frames a second). Prints one JSON line.
 *
 *   node --import tsx test/bench/ui-latency.ts IMAGE
 *   node --import tsx test/bench/ui-latency.ts --synthetic 200000
 *   node --import tsx test/bench/ui-latency.ts --compare 200000
 *   node --import tsx test/bench/ui-latency.ts --synthetic 200000 --packages 20000
 *
 * --compare N: the compare view (issue 13) on two such images of N files, the
 * second the first's next build (one more layer that rewrites a twentieth of
 * the files, adds 5,000 and deletes 1,000); its "layer switch" moves between
 * the two images, the whole comparison open.
 *
 * --synthetic N builds an image of N files in memory (five layers that add,
 * rewrite, chmod and delete, as real builds do) and analyses it the way the
 * CLI does: the browser never sees where an image came from.
 *
 * --packages M gives the synthetic image a dpkg database of M packages that
 * list its base layer's files between them. On an image with packages (a
 * real one, or this), the packages list (p, issue 15) is measured too: its
 * opening, its cursor, a name-filter keystroke, and Enter's cut of the tree
 * down to one package's files.
 *
 * LAYERSCOPE_UI_PROFILE=DIR writes a CPU profile of each measured phase
 * (cursor, layer switch, filter) into DIR, key press to frame and nothing else.
 *
 * Besides the wall time of each press it prints, per phase, the CPU time the
 * process spent from key press to frame (`cpu`: less distorted than wall time
 * when other processes share the cores, since waiting for a core is not
 * counted), Ink's own time to compose each frame (`ink`: its onRender
 * metric, the layout and screen buffer, not React) and the bytes written per
 * press (`bytes`, median: what a terminal has to parse), and the time from
 * mounting the browser to its first frame (`firstFrameMs`).
 */
import {EventEmitter} from 'node:events';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';

delete process.env.CI; // Ink renders only the last frame when it thinks it runs in CI.
// Colors, as on a terminal: node's styleText drops them when stdout is a pipe, and then the cursor row looks like any
// other, a cursor move inside the page changes nothing on screen, and no frame is drawn to be measured.
process.env.FORCE_COLOR ??= '1';
process.env.NODE_ENV ??= 'production'; // as the CLI runs the browser

const dist = fileURLToPath(new URL('../../dist/source/', import.meta.url));
const load = async <T>(module: string) => (await import(pathToFileURL(path.join(dist, module)).href)) as T;
const {loadAndAnalyse} = await load<{loadAndAnalyse: (input: string) => Promise<unknown>}>('cli/load-and-analyse.js');
const {Browser} = await load<{Browser: unknown}>('ui/app.js');
const {createStyle} = await load<{createStyle: (enabled: boolean) => unknown}>('report/style.js');
// Ink's options as the CLI renders with them (builds before them had none).
const {INK_OPTIONS = {}} = await load<{INK_OPTIONS?: object}>('ui/launch.js');
// As the CLI draws: Ink's per-line work kept across frames (builds before it had none).
if (!process.env.LAYERSCOPE_UI_NO_LINE_CACHE) await (await import(pathToFileURL(path.join(dist, 'ui/ink-line-cache.js')).href).catch(() => ({keepInkLineCache: async () => false}))).keepInkLineCache();
const React = await import('react');
const {render} = await import('ink');

const [width, height] = [150, 45];

/** A terminal's output side, in memory: counts frames and when they land. */
class Screen extends EventEmitter {
	columns = width;
	rows = height + 1;
	isTTY = false;
	/** Bytes written so far: what a terminal would have to parse. */
	bytes = 0;
	write(text: string): boolean {
		this.bytes += text.length;
		this.emit('frame', performance.now());
		return true;
	}
}

/** A terminal's input side: what Ink reads keys from. */
class Keyboard extends EventEmitter {
	isTTY = true;
	private pending: string | null = null;
	setRawMode() {}
	setEncoding() {}
	ref() {}
	unref() {}
	resume() {}
	pause() {}
	read(): string | null {
		const data = this.pending;
		this.pending = null;
		return data;
	}
	press(data: string): void {
		this.pending = data;
		this.emit('readable');
		this.emit('data', data);
	}
}

const {analyseImage} = await load<{analyseImage: (image: unknown) => unknown}>('analysis/analyse.js');
const {EntryTable} = await load<{EntryTable: {from: (entries: unknown[]) => unknown}}>('entry-table.js');

/** N files in a realistic shape: a deep base layer, then layers that add, rewrite, chmod and delete; with `packages`, a dpkg database in the base layer listing its files. */
function syntheticImage(files: number, packages = 0): unknown {
	let seed = 42;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	const paths: string[] = [];
	for (let i = 0; i < files; i++) {
		const depth = 2 + Math.floor(random() * 5);
		const parts = ['usr', 'lib', 'share', 'opt', 'srv'].slice(Math.floor(random() * 5), 5).slice(0, 1);
		for (let d = 1; d < depth; d++) parts.push(`d${Math.floor(random() * (d === 1 ? 20 : 12))}`);
		parts.push(`file${i}.${['so', 'py', 'txt', 'js'][i % 4]}`);
		paths.push('/' + parts.join('/'));
	}
	const entry = (path: string, size: number, mode = 0o644) => ({path, type: 'file', mode, uid: 0, gid: 0, size, mtime: 0, digest: `d${size}`});
	const shares = [0.6, 0.15, 0.1, 0.1, 0.05];
	let next = 0;
	const layers = shares.map((share, index) => {
		const count = Math.floor(files * share);
		const entries = paths.slice(next, next + count).map(path => entry(path, 1000 + Math.floor(random() * 100_000)));
		next += count;
		// Later layers also rewrite and chmod some earlier files, and delete a few.
		const rewritten = index === 0 ? [] : paths.slice(0, Math.floor(count / 10)).map(path => entry(path, 2000, 0o755));
		const whiteouts = index < 2 ? [] : paths.slice(Math.floor(count / 10), Math.floor(count / 10) + 50);
		const database = index === 0 && packages > 0 ? dpkgDatabase(entries.map(e => e.path), packages) : undefined;
		const all = [...entries, ...rewritten, ...(database?.paths.map((path, at) => entry(path, database.ends[at]! - (at === 0 ? 0 : database.ends[at - 1]!))) ?? [])];
		return {index, entries: EntryTable.from(all), whiteouts, opaqueDirs: [], digest: null, diffId: `sha256:${index}`, mediaType: null, compression: 'none', compressedSize: 0, size: 0, contentSize: all.reduce((sum, e) => sum + e.size, 0), historyIndex: index, ...(database ? {packageFiles: database} : {})};
	});
	const history = layers.map((_, index) => ({created: null, createdBy: `RUN step ${index}`, comment: null, author: null, emptyLayer: false, layerIndex: index}));
	return {input: 'synthetic', source: {kind: 'file', endpoint: null}, format: 'oci-layout', compressedArchive: false, repoTags: ['synthetic:1'], id: 'sha256:0', manifestDigest: null, platform: {os: 'linux', architecture: 'amd64'}, created: null, config: {env: [], cmd: null, entrypoint: null, workingDir: '', user: 'app', exposedPorts: [], volumes: [], labels: {}, healthcheck: null, stopSignal: null}, history, layers};
}

/** dpkg's status and one .list per package, as the layer reader keeps them: package k lists every path i with i % count === k. */
function dpkgDatabase(paths: string[], count: number): {paths: string[]; bytes: Uint8Array; ends: Uint32Array; notes: string[]} {
	const name = (k: number) => `libsynthetic${k}`;
	const lists: string[][] = Array.from({length: count}, () => ['/.']);
	paths.forEach((path, i) => lists[i % count]!.push(path));
	const files = [['/var/lib/dpkg/status', Array.from({length: count}, (_, k) => `Package: ${name(k)}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${k}\n`).join('\n')], ...lists.map((list, k) => [`/var/lib/dpkg/info/${name(k)}.list`, `${list.join('\n')}\n`])];
	const encoded = files.map(([, text]) => Buffer.from(text!));
	const ends = new Uint32Array(encoded.length);
	encoded.reduce((end, bytes, at) => (ends[at] = end + bytes.length), 0);
	return {paths: files.map(([path]) => path!), bytes: Buffer.concat(encoded), ends, notes: []};
}

/** The next build of a synthetic image: one more layer that rewrites every twentieth file, adds 5,000 and deletes 1,000. */
function nextSyntheticBuild(image: {layers: Array<{entries: {length: number; pathOf: (i: number) => string}}>} & Record<string, unknown>): unknown {
	const paths: string[] = [];
	for (const layer of image.layers) for (let i = 0; i < layer.entries.length; i++) paths.push(layer.entries.pathOf(i));
	const entry = (path: string, size: number) => ({path, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 0, digest: `n${size}`});
	const entries = [...paths.filter((_, i) => i % 20 === 0).map((path, i) => entry(path, 3000 + (i % 5000))), ...Array.from({length: 5000}, (_, i) => entry(`/srv/new/d${i % 50}/file${i}.bin`, 4000 + i))];
	const index = image.layers.length;
	const layer = {index, entries: EntryTable.from(entries), whiteouts: paths.filter((_, i) => i % 97 === 1).slice(0, 1000), opaqueDirs: [], digest: null, diffId: `sha256:${index}`, mediaType: null, compression: 'none', compressedSize: 0, size: 0, contentSize: entries.reduce((sum, e) => sum + e.size, 0), historyIndex: index};
	const history = [...(image.history as unknown[]), {created: null, createdBy: 'COPY . /srv', comment: null, author: null, emptyLayer: false, layerIndex: index}];
	return {...image, id: 'sha256:1', repoTags: ['synthetic:2'], history, layers: [...image.layers, layer]};
}

const syntheticAt = process.argv.indexOf('--synthetic');
const compareAt = process.argv.indexOf('--compare');
const input = syntheticAt === -1 && compareAt === -1 ? process.argv[2] : undefined;
if (syntheticAt === -1 && compareAt === -1 && !input) throw new Error('usage: ui-latency.ts IMAGE | --synthetic N | --compare N');
const packagesAt = process.argv.indexOf('--packages');
const syntheticPackages = packagesAt === -1 ? 0 : Number(process.argv[packagesAt + 1]);
const analysis = (input ? await loadAndAnalyse(input) : analyseImage(syntheticImage(Number(process.argv[(compareAt === -1 ? syntheticAt : compareAt) + 1]), syntheticPackages))) as {trees: unknown; finalFiles: unknown[]; image: {layers: unknown[]}; packages?: {packages: unknown[]}};
// The compare view: the same Browser over a comparison's tree and subject (on the differences, as it opens).
const {compareImages} = await load<{compareImages: (a: unknown, b: unknown) => {tree: {pathCount: number}}}>('compare/comparison.js');
const {comparisonSubject} = await load<{comparisonSubject: (comparison: unknown) => {tree: unknown}}>('ui/comparison-subject.js');
const comparison = compareAt === -1 ? null : compareImages(analysis, analyseImage(nextSyntheticBuild(analysis.image as never)));
const started = performance.now();
const tree = (comparison ? comparison.tree : analysis.trees) as {children?: unknown; pathCount?: number};
void tree.children;
const treeIndexMs = performance.now() - started;
// What the browser lays out ahead of the first filter or unfolding (see prepareFlatRows): the opening layer's whole tree.
const lastLayer = comparison ? 1 : analysis.image.layers.length - 1;
const {prepareFlatRows} = await load<{prepareFlatRows?: (analysis: unknown, options: object) => void}>('ui/visible-rows.js');
const flatStarted = performance.now();
// The browser reads its tree through a TreeView (analysis.trees); builds before it took the analysis itself.
prepareFlatRows?.(typeof tree.children === 'function' ? tree : analysis, {layer: lastLayer, view: comparison ? 'layer' : 'aggregated', sort: comparison ? 'size' : 'name'});
const flatTreeMs = performance.now() - flatStarted;

const screen = new Screen();
screen.setMaxListeners(0);
const keyboard = new Keyboard();
/** Ink's time to compose each frame, as it reports it. */
const inkTimes: number[] = [];
const mounted = performance.now();
const firstFrame = new Promise<number>(resolve => screen.once('frame', resolve));
// On the last layer, as the browser opened before it opened on the first (dive's habit): the figures stay comparable, and the layer switches below go both ways.
const subject = comparison ? {subject: comparisonSubject(comparison), initial: {layer: 1, view: 'layer', sort: 'size'}} : {analysis, initial: {layer: lastLayer}};
const app = render(React.createElement(Browser as React.FC<object>, {...subject, width, height, style: createStyle(true), onQuit() {}}), {stdout: screen as unknown as NodeJS.WriteStream, stdin: keyboard as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false, ...INK_OPTIONS, onRender: ({renderTime}: {renderTime: number}) => inkTimes.push(renderTime)} as object);
const firstFrameMs = (await firstFrame) - mounted;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
await sleep(300);
/** Per press: CPU milliseconds from key press to frame, and Ink's composing time of the frames in between. */
let cpuTimes: number[] = [];
let pressInk: number[] = [];
let pressBytes: number[] = [];

async function measure(key: string): Promise<number> {
	let cpuAtFrame = 0;
	const frame = new Promise<number>(resolve =>
		screen.once('frame', (at: number) => {
			cpuAtFrame = cpuMs();
			resolve(at);
		}),
	);
	const inkBefore = inkTimes.length;
	const bytesBefore = screen.bytes;
	const cpuBefore = cpuMs();
	const pressed = performance.now();
	keyboard.press(key);
	const drawn = await Promise.race([frame, sleep(2000).then(() => Number.NaN)]);
	cpuTimes.push(Number.isFinite(drawn) ? cpuAtFrame - cpuBefore : Number.NaN);
	pressInk.push(inkTimes.slice(inkBefore).reduce((sum, time) => sum + time, 0));
	pressBytes.push(screen.bytes - bytesBefore);
	await sleep(45); // past Ink's 30 fps throttle, so the next press starts a fresh frame
	return drawn - pressed;
}

function cpuMs(): number {
	const {user, system} = process.cpuUsage();
	return (user + system) / 1000;
}

/** The CPU and Ink times of the presses since the last call. */
function pressTimes() {
	const times = {cpu: summary(cpuTimes), ink: summary(pressInk), bytes: summary(pressBytes)};
	cpuTimes = [];
	pressInk = [];
	pressBytes = [];
	return {cpu: {p50: times.cpu.p50, p95: times.cpu.p95}, ink: {p50: times.ink.p50, p95: times.ink.p95}, bytes: times.bytes.p50};
}

const percentile = (values: number[], p: number) => {
	const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
/** `missed`: presses that drew no frame within 2 s (they are not in the percentiles, and should be none). */
const summary = (values: number[]) => ({p50: Math.round(percentile(values, 50) * 10) / 10, p95: Math.round(percentile(values, 95) * 10) / 10, n: values.length, missed: values.filter(value => !Number.isFinite(value)).length});

/** With LAYERSCOPE_UI_PROFILE, a CPU profile of one phase (the inspector's profiler, this thread only). */
const profileDir = process.env.LAYERSCOPE_UI_PROFILE;
async function profiled<T>(name: string, phase: () => Promise<T>): Promise<T> {
	if (!profileDir) return phase();
	const {Session} = await import('node:inspector/promises');
	const {mkdir, writeFile} = await import('node:fs/promises');
	const session = new Session();
	session.connect();
	await session.post('Profiler.enable');
	await session.post('Profiler.setSamplingInterval', {interval: 100});
	await session.post('Profiler.start');
	const result = await phase();
	const {profile} = await session.post('Profiler.stop');
	session.disconnect();
	await mkdir(profileDir, {recursive: true});
	await writeFile(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
	return result;
}

const KEY = {up: '\u001B[A', down: '\u001B[B', tab: '\t', escape: '\u001B', enter: '\r'};
// Layers first with every folder closed (big trees open folded), then the same with the whole tree open, as the targets are stated.
const layerSwitchFolded: number[] = [];
for (let i = 0; i < 12; i++) layerSwitchFolded.push(await measure(i % 2 === 0 ? KEY.up : KEY.down));
const layerSwitchFoldedTimes = pressTimes();
await measure(KEY.tab);
// Open every directory so the cursor has 200,000 rows to move through.
const unfold = await measure('z');
pressTimes();
const cursor: number[] = [];
await profiled('cursor', async () => {
	for (let i = 0; i < 100; i++) cursor.push(await measure(KEY.down));
});
const cursorTimes = pressTimes();
const details = await measure(KEY.tab); // the details pane: its first layout
await measure(KEY.tab); // the layers again
pressTimes();
const layerSwitch: number[] = [];
await profiled('layer-switch', async () => {
	for (let i = 0; i < 12; i++) layerSwitch.push(await measure(i % 2 === 0 ? KEY.up : KEY.down));
});
const layerSwitchTimes = pressTimes();
const filter: number[] = [];
await measure('/');
pressTimes();
await profiled('filter', async () => {
	for (const char of 'lib/x86') filter.push(await measure(char));
	filter.push(await measure(KEY.escape));
});
const filterTimes = pressTimes();
// The packages list (p), on an image that has packages: from the file pane, where the filter left the focus.
const packageCount = comparison ? 0 : (analysis.packages?.packages.length ?? 0);
let packagesList: object | undefined;
if (packageCount > 0) {
	const openMs = await measure('p');
	pressTimes();
	const listCursor: number[] = [];
	await profiled('packages-cursor', async () => {
		for (let i = 0; i < 50; i++) listCursor.push(await measure(KEY.down));
	});
	const listCursorTimes = pressTimes();
	await measure('/');
	const listFilter: number[] = [];
	for (const char of 'lib') listFilter.push(await measure(char));
	const listFilterTimes = pressTimes();
	await measure(KEY.enter); // the name filter done
	const filesMs = await measure(KEY.enter); // the first match's files in the tree
	pressTimes();
	packagesList = {packages: packageCount, openMs: Math.round(openMs), cursor: {...summary(listCursor), ...listCursorTimes}, filter: {...summary(listFilter), ...listFilterTimes}, packageFilesMs: Math.round(filesMs)};
}
app.unmount();

process.stdout.write(
	`${JSON.stringify({
		cursor: {...summary(cursor), ...cursorTimes},
		layerSwitch: {...summary(layerSwitch), ...layerSwitchTimes},
		layerSwitchFolded: {...summary(layerSwitchFolded), ...layerSwitchFoldedTimes},
		filter: {...summary(filter), ...filterTimes},
		unfoldAllMs: Math.round(unfold),
		detailsFocusMs: Math.round(details),
		firstFrameMs: Math.round(firstFrameMs),
		treeIndexMs: Math.round(treeIndexMs),
		flatTreeMs: Math.round(flatTreeMs),
		paths: comparison ? comparison.tree.pathCount : analysis.finalFiles.length,
		...(packagesList ? {packagesList} : {}),
	})}\n`,
);
process.exit(0);
