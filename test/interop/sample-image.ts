/**
 * The project's own real images: what test/interop/sample.Containerfile builds, where build-images.ts
 * keeps every form of it, and the known answers that follow from the sizes the Containerfile and its
 * build context write. The contents are random (dd from /dev/urandom, fresh timestamps) and so differ
 * from build to build; the sizes do not, and every number a test expects is computed from them here.
 */
import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {repoRoot} from '../helpers/paths.js';

export const containerfile = path.join(repoRoot, 'test/interop/sample.Containerfile');
export const buildScript = path.join(repoRoot, 'test/interop/build-images.ts');
const thisModule = path.join(repoRoot, 'test/interop/sample-image.ts');
/** The comparison's real pair (issue 13): two versions of one app on the sample's base. */
export const appContainerfiles = {v1: path.join(repoRoot, 'test/interop/app-v1.Containerfile'), v2: path.join(repoRoot, 'test/interop/app-v2.Containerfile')};

/** The eight forms, by file name in the cache: who writes each is in build-images.ts. */
export const FORMS = {
	'sample.docker.tar': {format: 'docker-archive', compression: 'none'},
	'sample.docker25.tar': {format: 'docker-archive-oci', compression: 'none'},
	'sample.containerd.tar': {format: 'docker-archive-oci', compression: 'gzip'},
	'sample.oci': {format: 'oci-layout', compression: 'gzip'},
	'sample.oci.tar': {format: 'oci-archive', compression: 'gzip'},
	'sample.zstd.oci': {format: 'oci-layout', compression: 'zstd'},
	'sample.chunked.oci': {format: 'oci-layout', compression: 'zstd'},
	'sample.raw.oci': {format: 'oci-layout', compression: 'none'},
} as const;
export type FormName = keyof typeof FORMS;

export const REPO_TAG = 'localhost/sample:1';

/** The build context the script writes, and what the Containerfile's RUN lines write (dd bs=1024). */
export const SIZES = {
	passwd: 30,
	dataBin: 200_000,
	gitPack: 120_000,
	runSh: 12,
	cacheBlob: 300 * 1024,
	packageList: 100 * 1024,
} as const;

/** The applets the base layer links to busybox: what the Containerfile's RUN lines use, and cat/cp/echo. */
export const APPLETS = ['cat', 'chmod', 'cp', 'dd', 'echo', 'ln', 'mkdir', 'rm', 'sh'] as const;

/** One key per Containerfile, script and facts: a change to any of them builds a new cache. */
export function cacheKey(): string {
	const hash = createHash('sha256');
	for (const file of [containerfile, appContainerfiles.v1, appContainerfiles.v2, buildScript, thisModule]) hash.update(readFileSync(file)).update('\0');
	return hash.digest('hex').slice(0, 16);
}

/** `<repo>/.cache/interop/` (git-ignored) unless LAYERSCOPE_INTEROP_CACHE says otherwise. */
export function cacheRoot(): string {
	const override = process.env.LAYERSCOPE_INTEROP_CACHE;
	return override ? path.resolve(override) : path.join(repoRoot, '.cache/interop');
}

export function imagesDir(): string {
	return path.join(cacheRoot(), cacheKey());
}

/** Where one form is; a clear error when the cache has not been built (the test set-up builds it). */
export function sampleImage(name: FormName | AppFormName): string {
	const dir = imagesDir();
	if (!existsSync(dir)) throw new Error(`the interoperability images are not built: run node --import tsx test/interop/build-images.ts (expected ${dir})`);
	return path.join(dir, name);
}

/** The app pair's forms: version 1 as `docker save` writes it and as a layout, version 2 as a layout (the tests push it to a registry too). */
export const APP_FORMS = ['app-v1.docker.tar', 'app-v1.oci', 'app-v2.oci'] as const;

export type AppFormName = (typeof APP_FORMS)[number];

/** The final root filesystem as `umoci unpack` of sample.oci gave it, in `layerscope files --json`'s shape. */
export function expectedFiles(): Array<Record<string, unknown>> {
	const file = path.join(path.dirname(sampleImage('sample.oci')), 'expected-files.ndjson');
	return readFileSync(file, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The known answers, from the sizes above and the one size the project does not choose: Debian's busybox
 * binary (taken from umoci's unpack, a second opinion, not from layerscope).
 */
export function knownAnswers(busybox = busyboxSize()) {
	const base = busybox + SIZES.passwd;
	const app = SIZES.dataBin + SIZES.gitPack + SIZES.runSh;
	// Layer by layer, the bytes of file content each stores: the chmod rewrites the whole COPY; the hard link
	// to a lower layer's file is stored in full; the rm layer holds only a whiteout.
	const layerContents = [base, app, app, SIZES.cacheBlob + SIZES.packageList + SIZES.dataBin, 0];
	const storedBytes = layerContents.reduce((sum, bytes) => sum + bytes, 0);
	// What is left at the end: the base, one copy of the app, the package list, and the hard link's copy.
	const finalBytes = base + app + SIZES.packageList + SIZES.dataBin;
	// dive: a path seen in several layers wastes all its copies; the score is the sum of each path's
	// smallest copy over the sum of all copies (the removed blob's smallest is its 0-byte whiteout).
	const inefficientFiles = [
		{path: '/app/data.bin', count: 2, cumulativeBytes: 2 * SIZES.dataBin},
		{path: '/var/cache/tool/blob', count: 2, cumulativeBytes: SIZES.cacheBlob},
		{path: '/app/.git/pack', count: 2, cumulativeBytes: 2 * SIZES.gitPack},
		{path: '/app/run.sh', count: 2, cumulativeBytes: 2 * SIZES.runSh},
	];
	const wastedBytes = inefficientFiles.reduce((sum, file) => sum + file.cumulativeBytes, 0);
	const userSizeBytes = storedBytes - base;
	return {
		layerContents,
		storedBytes,
		finalBytes,
		/** Rewritten identically by chmod -R, and removed by the later rm. */
		reclaimableBytes: storedBytes - finalBytes,
		duplicateBytes: app,
		removedBytes: SIZES.cacheBlob,
		dive: {score: finalBytes / storedBytes, wastedBytes, userWastedPercent: wastedBytes / userSizeBytes, sizeBytes: storedBytes, userSizeBytes, inefficientFiles},
	};
}

export function busyboxSize(): number {
	const busybox = expectedFiles().find(file => file.path === '/bin/busybox');
	if (typeof busybox?.size !== 'number') throw new Error('umoci\'s unpack of the sample has no /bin/busybox');
	return busybox.size;
}

export interface LayoutFacts {
	manifestDigest: string;
	configDigest: string;
	layers: Array<{digest: string; size: number; mediaType: string}>;
	config: {history: Array<{created_by?: string}>; rootfs: {diff_ids: string[]}};
}

/** What the tool that wrote an OCI layout form says about it: digests and sizes to hold layerscope to. */
export function layoutFacts(name: FormName): LayoutFacts {
	const dir = sampleImage(name);
	const blob = (digest: string) => readFileSync(path.join(dir, 'blobs/sha256', digest.slice('sha256:'.length)), 'utf8');
	const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {manifests: Array<{digest: string}>};
	const manifestDigest = index.manifests[0]!.digest;
	const manifest = JSON.parse(blob(manifestDigest)) as {config: {digest: string}; layers: LayoutFacts['layers']};
	return {manifestDigest, configDigest: manifest.config.digest, layers: manifest.layers, config: JSON.parse(blob(manifest.config.digest)) as LayoutFacts['config']};
}
