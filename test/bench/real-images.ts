/**
 * The benchmarks' real images: Debian images built from the Containerfiles beside this file, by buildah,
 * the way real images are made (a debootstrap of bookworm, then apt-get and npm steps), and written as an
 * OCI layout (gzip layers) and a `docker save` tarball. Built once into the git-ignored .bench-cache/real/
 * and reused; a change to a Containerfile, its build context or the build steps (BUILD) builds anew.
 *
 *   node --import tsx test/bench/real-images.ts        # builds what is missing, prints the paths
 *
 * Building needs root, debootstrap, buildah and skopeo, and Debian's mirror and the npm registry; the
 * first build takes minutes. buildah gets a private vfs storage root inside the build's temporary folder,
 * which is renamed into place when complete: a half-built image is never seen.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {benchCacheDir} from './paths.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MIRROR = 'http://deb.debian.org/debian';
const SUITE = 'bookworm';

export interface RealImage {
	name: string;
	/** An OCI image layout directory, gzip layers. */
	ociLayout: string;
	/** The same image as `docker save` writes it (skopeo copy to docker-archive). */
	dockerArchive: string;
}

interface Recipe {
	name: string;
	containerfile: string;
	/** Files of the build context besides rootfs.tar: name in the context -> file here. */
	context: Record<string, string>;
	/** Folders of the build context, copied whole: name in the context -> folder here. */
	contextDirs?: Record<string, string>;
	/** Folders of the context (with a package-lock.json) the host's npm installs into (`npm ci`) before the build. */
	npmCi?: string[];
}

const RECIPES = {
	/** ~150,000 paths: build-essential, cmake, Boost and kernel headers, git, python3, node and a node_modules tree. */
	toolchain: {name: 'toolchain', containerfile: path.join(here, 'toolchain.Containerfile'), context: {'package.json': path.join(here, 'toolchain.package.json')}},
	/** ~18,000 paths: python3, pip, git and vim. */
	small: {name: 'small', containerfile: path.join(here, 'small.Containerfile'), context: {}},
	/** The packages test's: jq, tree and less installed, tree purged in the next layer (not a benchmark). */
	packages: {name: 'packages', containerfile: path.join(here, '../packages/debian-packages.Containerfile'), context: {}},
	/** The packages test's Python and npm image: Debian's python3-* and nodejs, a pip-installed local project, an app's node_modules from the npm registry, both upgraded in a later layer. */
	'python-npm': {
		name: 'python-npm',
		containerfile: path.join(here, '../packages/python-npm.Containerfile'),
		context: {},
		contextDirs: {'greeting-1': path.join(here, '../packages/python-npm/greeting-1'), 'greeting-2': path.join(here, '../packages/python-npm/greeting-2'), app: path.join(here, '../packages/python-npm/app'), 'app-next': path.join(here, '../packages/python-npm/app-next')},
		npmCi: ['app', 'app-next'],
	},
} satisfies Record<string, Recipe>;

export type RealImageName = keyof typeof RECIPES;

/** Both images, built first where missing. */
export function ensureRealImages(): Record<RealImageName, RealImage> {
	return {toolchain: ensureImage(RECIPES.toolchain), small: ensureImage(RECIPES.small)};
}

/** One of the images, built first where missing (minutes the first time). */
export function ensureRealImage(name: RealImageName): RealImage {
	return ensureImage(RECIPES[name]);
}

function realRoot(): string {
	return path.join(benchCacheDir(), 'real');
}

/** How ensureImage builds and writes an image: change it when the steps below change what comes out. */
const BUILD = `debootstrap --variant=minbase ${SUITE} ${MIRROR}; buildah bud; push oci gzip; skopeo docker-archive`;

/** A Containerfile, its context and the build steps: a change to any of them is a new image. */
function cacheKey(recipe: Recipe): string {
	const hash = createHash('sha256').update(BUILD).update('\0');
	for (const file of [recipe.containerfile, ...Object.values(recipe.context)]) hash.update(readFileSync(file)).update('\0');
	// A folder's every file, by its path in the folder: a file added, renamed or changed is a new image.
	for (const [name, dir] of Object.entries(recipe.contextDirs ?? {})) {
		for (const file of filesUnder(dir)) hash.update(`${name}/${file}`).update('\0').update(readFileSync(path.join(dir, file))).update('\0');
	}
	// (Only where there are such folders: the other images' keys stay what they were.)
	if (recipe.npmCi) hash.update('npm ci --ignore-scripts\0').update(recipe.npmCi.join('\0'));
	return hash.digest('hex').slice(0, 12);
}

/** The regular files below a folder, as sorted relative paths. */
function filesUnder(dir: string): string[] {
	return readdirSync(dir, {recursive: true, withFileTypes: true})
		.filter(entry => entry.isFile())
		.map(entry => path.relative(dir, path.join(entry.parentPath, entry.name)))
		.sort();
}

function ensureImage(recipe: Recipe): RealImage {
	const dir = path.join(realRoot(), `${recipe.name}-${cacheKey(recipe)}`);
	const image = {name: recipe.name, ociLayout: path.join(dir, 'oci'), dockerArchive: path.join(dir, 'docker-save.tar')};
	if (existsSync(dir)) return image;
	const rootfs = ensureRootfs();
	const work = mkdtempSync(path.join(realRoot(), `.build-${recipe.name}-`));
	const log = path.join(work, 'build.log');
	const context = path.join(work, 'context');
	const out = path.join(work, 'out');
	mkdirSync(context);
	mkdirSync(out);
	mkdirSync(path.join(work, 'tmp'));
	copyFileSync(rootfs, path.join(context, 'rootfs.tar'));
	for (const [name, file] of Object.entries(recipe.context)) copyFileSync(file, path.join(context, name));
	for (const [name, dir] of Object.entries(recipe.contextDirs ?? {})) cpSync(dir, path.join(context, name), {recursive: true});
	const env = {...process.env, BUILDAH_ISOLATION: 'chroot', TMPDIR: path.join(work, 'tmp')};
	// Packages from the npm registry, installed at build time by the host's npm as its lockfile pins them (the build's network may not reach the registry).
	for (const dir of recipe.npmCi ?? []) run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {...process.env, npm_config_cache: path.join(work, 'npm-cache')}, log, path.join(context, dir));
	const storage = ['--storage-driver', 'vfs', '--root', path.join(work, 'storage'), '--runroot', path.join(work, 'run')];
	const tag = `localhost/layerscope-bench-${recipe.name}:1`;
	// Behind a TLS proxy, npm inside the build needs the proxy's CA as node here has it: mounted for the RUN steps, never in a layer.
	const extraCa = process.env.NODE_EXTRA_CA_CERTS;
	const proxyCa = extraCa && existsSync(extraCa) ? ['--volume', `${extraCa}:/run/proxy-ca.crt:ro`, '--build-arg', 'NODE_EXTRA_CA_CERTS=/run/proxy-ca.crt'] : [];
	const started = performance.now();
	console.error(`real-images: building the ${recipe.name} image with buildah (minutes; log: ${log})`);
	try {
		run('buildah', [...storage, 'bud', '--layers', ...proxyCa, '-f', recipe.containerfile, '-t', tag, context], env, log);
		run('buildah', [...storage, 'push', '--compression-format', 'gzip', tag, `oci:${path.join(out, 'oci')}:latest`], env, log);
		run('skopeo', ['copy', `oci:${path.join(out, 'oci')}:latest`, `docker-archive:${path.join(out, 'docker-save.tar')}:${tag}`], env, log);
		renameSync(out, dir);
	} finally {
		// The storage holds a copy of the root filesystem per layer (vfs): gigabytes, not kept.
		rmSync(path.join(work, 'storage'), {recursive: true, force: true});
		if (existsSync(dir)) rmSync(work, {recursive: true, force: true});
	}
	console.error(`real-images: ${recipe.name} built in ${((performance.now() - started) / 1000).toFixed(0)} s: ${dir}`);
	// Builds of an older Containerfile are gigabytes nobody reads any more.
	for (const name of readdirSync(realRoot())) if (name.startsWith(`${recipe.name}-`) && path.join(realRoot(), name) !== dir) rmSync(path.join(realRoot(), name), {recursive: true, force: true});
	return image;
}

/** bookworm's minimal base (debootstrap --variant=minbase), as a tarball for the Containerfiles' ADD; shared by both images. */
function ensureRootfs(): string {
	const tarball = path.join(realRoot(), `${SUITE}-minbase.tar`);
	if (existsSync(tarball)) return tarball;
	mkdirSync(realRoot(), {recursive: true});
	const work = mkdtempSync(path.join(realRoot(), '.build-rootfs-'));
	const log = path.join(work, 'debootstrap.log');
	console.error(`real-images: debootstrap ${SUITE} from ${MIRROR} (log: ${log})`);
	const rootfs = path.join(work, 'rootfs');
	run('debootstrap', ['--variant=minbase', SUITE, rootfs, MIRROR], process.env, log);
	// Device nodes and the mounts' folders' contents are the runtime's, not the image's.
	run('tar', ['--numeric-owner', '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.'], process.env, log);
	renameSync(path.join(work, 'rootfs.tar'), tarball);
	rmSync(work, {recursive: true, force: true});
	return tarball;
}

/** Runs a tool with its output appended to the build's log; a failure names the tool and the log's last lines. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: string, cwd?: string): void {
	const fd = openSync(log, 'a');
	const result = spawnSync(command, args, {env, cwd, stdio: ['ignore', fd, fd]});
	closeSync(fd);
	if (result.error) throw new Error(`${command}: ${result.error.message}`);
	if (result.status !== 0) {
		const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n  ');
		throw new Error(`${command} ${args.slice(0, 6).join(' ')}… exited ${result.status}; the end of ${log}:\n  ${tail}`);
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	try {
		for (const image of Object.values(ensureRealImages())) console.log(`${image.name}: ${image.ociLayout} ${image.dockerArchive}`);
	} catch (error) {
		console.error(`real-images: ${(error as Error).message}`);
		process.exitCode = 1;
	}
}
