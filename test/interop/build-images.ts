/**
 * Builds the project's real interoperability images: test/interop/sample.Containerfile, built by buildah,
 * then written in every on-disk form layerscope reads by the tools people use, into a git-ignored cache
 * (`.cache/interop/<key>/`, see sample-image.ts), once per key. Run by the test set-up, or by hand:
 *
 *     node --import tsx test/interop/build-images.ts
 *
 * Nothing touches the machine's container storage: buildah and podman get a private storage root (vfs)
 * and run root inside the build's own temporary folder, which is renamed into place when complete, so a
 * half-built cache is never seen and two builds at once leave one whole result.
 */
import {spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {buildLayerTar, type EntrySpec} from '../fixtures/layer-builder.js';
import {emitLayout, OCI_LAYOUT, type LayoutFile} from '../fixtures/oci-parts.js';
import {APPLETS, appContainerfiles, cacheKey, cacheRoot, containerfile, REPO_TAG, SIZES} from './sample-image.js';

/** Debian's busybox-static: one static binary, enough of a shell for the Containerfile's RUN lines. */
export const BUSYBOX = '/bin/busybox';

const STALE_BUILD_MS = 60 * 60 * 1000;

interface Workspace {
	root: string;
	runRoot: string;
	context: string;
	out: string;
	env: NodeJS.ProcessEnv;
	storage: string[];
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
	const result = spawnSync(command, args, {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	if (result.error) throw new Error(`${command}: ${result.error.message}`);
	if (result.status !== 0) {
		const said = `${result.stderr}${result.stdout}`.trim().split('\n').slice(-5).join(' | ');
		throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${said}`);
	}
}

function workspace(): Workspace {
	mkdirSync(cacheRoot(), {recursive: true});
	const root = mkdtempSync(path.join(cacheRoot(), '.build-'));
	const dirs = {context: path.join(root, 'context'), out: path.join(root, 'images'), tmp: path.join(root, 'tmp')};
	for (const dir of Object.values(dirs)) mkdirSync(dir);
	// chroot isolation needs no daemon or namespaces set-up; TMPDIR keeps the tools' scratch files in here too.
	const env = {...process.env, BUILDAH_ISOLATION: 'chroot', TMPDIR: dirs.tmp};
	// podman refuses a run root over 50 characters, which a checkout's path easily makes: that one small
	// folder (locks and state, no images) goes to the system's temporary folder, and is removed with the rest.
	const runRoot = mkdtempSync(path.join(os.tmpdir().length < 30 ? os.tmpdir() : '/tmp', 'layerscope-run-'));
	const storage = ['--storage-driver', 'vfs', '--root', path.join(root, 'storage'), '--runroot', runRoot];
	return {root, runRoot, context: dirs.context, out: dirs.out, env, storage};
}

/** base.tar (busybox, its applets, /etc/passwd) and app/ with the sizes sample-image.ts states. */
function writeContext(context: string): void {
	const passwd = 'root:x:0:0:root:/root:/bin/sh\n';
	if (passwd.length !== SIZES.passwd) throw new Error('passwd is not the size sample-image.ts states');
	// Stamped with the build's time, as a tarball made for a build is: every layer differs from build to build.
	const mtime = Math.floor(Date.now() / 1000);
	const base: EntrySpec[] = [
		{type: 'dir', path: 'bin', mode: 0o755, mtime},
		{type: 'file', path: 'bin/busybox', mode: 0o755, content: readFileSync(BUSYBOX), mtime},
		...APPLETS.map((applet): EntrySpec => ({type: 'symlink', path: `bin/${applet}`, target: 'busybox', mtime})),
		{type: 'dir', path: 'etc', mode: 0o755, mtime},
		{type: 'file', path: 'etc/passwd', mode: 0o644, content: passwd, mtime},
	];
	writeFileSync(path.join(context, 'base.tar'), buildLayerTar(base));
	const runSh = 'echo sample\n';
	if (runSh.length !== SIZES.runSh) throw new Error('run.sh is not the size sample-image.ts states');
	mkdirSync(path.join(context, 'app/.git'), {recursive: true});
	writeFileSync(path.join(context, 'app/data.bin'), randomBytes(SIZES.dataBin));
	writeFileSync(path.join(context, 'app/.git/pack'), randomBytes(SIZES.gitPack));
	writeFileSync(path.join(context, 'app/run.sh'), runSh, {mode: 0o644});
	writeAppPairContext(context);
}

/**
 * The app pair's context: version 2 changes the entry script, keeps the library, drops a test fixture, and
 * gains a package (a vendor's tarball ADDed into /opt: no package manager runs in the busybox base).
 */
function writeAppPairContext(context: string): void {
	const write = (file: string, data: string | Buffer) => {
		mkdirSync(path.dirname(path.join(context, file)), {recursive: true});
		writeFileSync(path.join(context, file), data);
	};
	const library = randomBytes(40_000);
	write('app-v1/run.sh', 'echo version 1\n');
	write('app-v1/lib.bin', library);
	write('app-v1/fixtures/sample.json', randomBytes(9_000));
	write('app-v2/run.sh', 'echo version 2, rewritten\n');
	write('app-v2/lib.bin', library);
	const tool: EntrySpec[] = [
		{type: 'dir', path: 'tool-1.2/bin', mode: 0o755},
		{type: 'file', path: 'tool-1.2/bin/tool', mode: 0o755, content: randomBytes(60_000)},
		{type: 'file', path: 'tool-1.2/share/README', mode: 0o644, content: 'tool 1.2\n'},
	];
	write('tool-1.2.tar', buildLayerTar(tool));
}

/** Every form a tool here writes, each by the tool people use for it. */
function writeToolForms(w: Workspace): void {
	const out = (name: string) => path.join(w.out, name);
	run('buildah', [...w.storage, 'bud', '--quiet', '--layers', '-f', containerfile, '-t', REPO_TAG, w.context], w.env);
	// `docker save`'s legacy layout (manifest.json, <id>/layer.tar links to <diffid>.tar), as containers/image writes it.
	run('buildah', [...w.storage, 'push', '--quiet', REPO_TAG, `docker-archive:${out('sample.docker.tar')}:${REPO_TAG}`], w.env);
	run('buildah', [...w.storage, 'push', '--quiet', '--compression-format', 'gzip', REPO_TAG, `oci:${out('sample.oci')}:latest`], w.env);
	run('podman', [...w.storage, '--events-backend', 'none', 'save', '--quiet', '--format', 'oci-dir', '--uncompressed', '-o', out('sample.raw.oci'), REPO_TAG], w.env);
	run('skopeo', ['copy', '--quiet', `oci:${out('sample.oci')}:latest`, `oci-archive:${out('sample.oci.tar')}:latest`], w.env);
	for (const [name, format] of [['sample.zstd.oci', 'zstd'], ['sample.chunked.oci', 'zstd:chunked']] as const) {
		run('skopeo', ['copy', '--quiet', '--dest-compress-format', format, `oci:${out('sample.raw.oci')}:${REPO_TAG}`, `oci:${out(name)}:latest`], w.env);
	}
	// The app pair, from the same context: the base layer is the same tarball in both, so both share it.
	for (const version of ['v1', 'v2'] as const) {
		const tag = `localhost/app:${version}`;
		run('buildah', [...w.storage, 'bud', '--quiet', '--layers', '-f', appContainerfiles[version], '-t', tag, w.context], w.env);
		run('buildah', [...w.storage, 'push', '--quiet', '--compression-format', 'gzip', tag, `oci:${out(`app-${version}.oci`)}:latest`], w.env);
		if (version === 'v1') run('buildah', [...w.storage, 'push', '--quiet', tag, `docker-archive:${out('app-v1.docker.tar')}:${tag}`], w.env);
	}
}

/**
 * The two `docker save` forms of Docker 25+ (an OCI layout plus manifest.json), from the classic store and
 * from the containerd store. No tool here writes them (there is no Docker engine on the machine, and
 * containers/image writes only the legacy layout), so they are the tool-made OCI layouts above, rewritten
 * here as Docker lays them out: the same blobs, index.json naming the image for containerd, manifest.json
 * pointing into blobs/. Docker's classic store exports uncompressed layers (from sample.raw.oci); the
 * containerd store exports the blobs as pulled (gzip, from sample.oci).
 */
function writeDockerOciArchive(layout: string, outPath: string, refName: string): void {
	const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {manifests: Array<{mediaType: string; digest: string; size: number}>};
	const descriptor = index.manifests[0]!;
	const blob = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;
	const manifest = JSON.parse(readFileSync(path.join(layout, blob(descriptor.digest)), 'utf8')) as {config: {digest: string}; layers: Array<{digest: string}>};
	const blobs = readdirSync(path.join(layout, 'blobs/sha256'))
		.sort()
		.map((name): LayoutFile => ({path: `blobs/sha256/${name}`, data: readFileSync(path.join(layout, 'blobs/sha256', name))}));
	const annotations = {'org.opencontainers.image.ref.name': refName, 'io.containerd.image.name': REPO_TAG};
	const dockerIndex = {schemaVersion: 2, manifests: [{mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, annotations}]};
	const dockerManifest = [{Config: blob(manifest.config.digest), RepoTags: [REPO_TAG], Layers: manifest.layers.map(layer => blob(layer.digest))}];
	// Docker's order: the blobs by name, then index.json, manifest.json and oci-layout.
	emitLayout([...blobs, {path: 'index.json', data: Buffer.from(JSON.stringify(dockerIndex))}, {path: 'manifest.json', data: Buffer.from(JSON.stringify(dockerManifest))}, {path: 'oci-layout', data: OCI_LAYOUT}], {outPath, archive: true});
}

/**
 * The known final filesystem, from a second opinion: `umoci unpack` of sample.oci, walked with lstat into
 * the shape `layerscope files --json` prints. umoci applies hard links to lower layers as the files they are.
 */
function writeExpectedFiles(w: Workspace): void {
	const bundle = path.join(w.root, 'bundle');
	const rootless = process.getuid?.() === 0 ? [] : ['--rootless'];
	run('umoci', ['unpack', ...rootless, '--image', `${path.join(w.out, 'sample.oci')}:latest`, bundle], w.env);
	const rootfs = path.join(bundle, 'rootfs');
	const lines: string[] = [];
	// Depth first, each entry before what it holds, names in code-unit order: as layerscope lists them.
	// Iterative, as every walk here is: the stack holds what is still to be listed, next on top.
	const listing = (dir: string) => readdirSync(path.join(rootfs, dir)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).map(name => `${dir}/${name}`);
	const stack = listing('');
	while (stack.length > 0) {
		const at = stack.pop()!;
		const stat = lstatSync(path.join(rootfs, at));
		const type = stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : stat.isFile() ? 'file' : stat.isFIFO() ? 'fifo' : stat.isCharacterDevice() ? 'char' : 'block';
		const record: Record<string, unknown> = {path: at, type, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, size: type === 'file' ? stat.size : 0};
		if (type === 'symlink') record.linkTarget = readlinkSync(path.join(rootfs, at));
		lines.push(JSON.stringify(record));
		if (type === 'dir') stack.push(...listing(at));
	}
	writeFileSync(path.join(w.out, 'expected-files.ndjson'), `${lines.join('\n')}\n`);
}

/** Old keys and builds a killed run left behind. */
function removeStale(keep: string): void {
	for (const name of readdirSync(cacheRoot())) {
		const at = path.join(cacheRoot(), name);
		const stale = name.startsWith('.build-') ? Date.now() - statSync(at).mtimeMs > STALE_BUILD_MS : name !== keep;
		if (stale) rmSync(at, {recursive: true, force: true});
	}
}

export interface BuildResult {
	dir: string;
	built: boolean;
	seconds: number;
}

/** The images' folder, built first when this key has none yet. */
export function ensureInteropImages(): BuildResult {
	const started = performance.now();
	const key = cacheKey();
	const dir = path.join(cacheRoot(), key);
	try {
		statSync(dir);
		return {dir, built: false, seconds: 0};
	} catch {}
	const w = workspace();
	try {
		writeContext(w.context);
		writeToolForms(w);
		writeDockerOciArchive(path.join(w.out, 'sample.raw.oci'), path.join(w.out, 'sample.docker25.tar'), REPO_TAG);
		writeDockerOciArchive(path.join(w.out, 'sample.oci'), path.join(w.out, 'sample.containerd.tar'), 'latest');
		writeExpectedFiles(w);
		try {
			renameSync(w.out, dir);
		} catch (error) {
			// Another build of the same key finished first: its result is as good as ours.
			const code = (error as NodeJS.ErrnoException).code;
			if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
		}
		removeStale(key);
	} finally {
		rmSync(w.root, {recursive: true, force: true});
		rmSync(w.runRoot, {recursive: true, force: true});
	}
	return {dir, built: true, seconds: (performance.now() - started) / 1000};
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	try {
		const result = ensureInteropImages();
		console.log(result.built ? `built ${result.dir} in ${result.seconds.toFixed(1)} s` : `${result.dir} is up to date`);
	} catch (error) {
		console.error(`build-images: ${(error as Error).message}`);
		process.exitCode = 1;
	}
}
