/**
 * Issue 10, section 2: nothing outside the input is read. Every case is
 * built here, in a temp dir, and run through the built CLI as a user would:
 * exit code, one line on stderr naming the input and the problem, no stack
 * trace, no trace of what lies outside in any output, nothing new beside the
 * input or in TMPDIR.
 */
import {execFile} from 'node:child_process';
import {createWriteStream, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it, vi} from 'vitest';
import {builtCli} from '../helpers/paths.js';
import {expectOneLineError} from '../helpers/expect-error.js';
import {runCli, type CliResult} from '../helpers/run-cli.js';
import {LayoutRegistry} from '../helpers/servers/layout-registry.js';
import {hexOf} from '../fixtures/digest.js';
import {writeImage, type Format} from '../fixtures/image-writer.js';
import {
	archiveOf,
	dropDiffIds,
	oneFileSpec,
	rehashLayout,
	secretName,
	writeArchiveLinkingOut,
	writeImageDirectory,
	writeLayoutLinkingOut,
	writeLayoutLinkingToFifo,
	writeLayoutWithSpecialBlob,
	type LinkedPart,
	type SpecialFile,
} from '../fixtures/outside-input.js';

// Several CLI runs per case, beside the rest of the suite on two cores; a case that hangs (a FIFO opened) still fails.
vi.setConfig({testTimeout: 30_000});

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-outside-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

function fresh(name: string): string {
	return mkdtempSync(path.join(scratch, `${name}-`));
}

/** Everything below `dir`, with sizes: what must be the same after a run (nothing written beside the input). */
function listing(dir: string): string[] {
	const out: string[] = [];
	const walk = (at: string) => {
		for (const entry of readdirSync(at, {withFileTypes: true})) {
			const full = path.join(at, entry.name);
			out.push(`${path.relative(dir, full)}:${entry.isFile() ? statSync(full).size : entry.isSymbolicLink() ? 'link' : entry.isDirectory() ? 'dir' : 'special'}`);
			if (entry.isDirectory()) walk(full);
		}
	};
	walk(dir);
	return out.sort();
}

/** The CLI with a TMPDIR of its own, which must still be empty when it is done, and the tree around the input unchanged. */
async function run(args: string[], around: string, options: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
	const tmp = fresh('tmpdir');
	const before = listing(around);
	const result = await runCli(args, {...options, env: {TMPDIR: tmp, ...options.env}});
	expect(readdirSync(tmp), 'nothing left in TMPDIR').toEqual([]);
	expect(listing(around), 'nothing new beside the input').toEqual(before);
	return result;
}

function expectNotRead(result: CliResult, secret: string): void {
	expect(result.stdout + result.stderr).not.toContain(secret);
}

function escaped(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names `files --json` lists, for comparing two forms of one image. */
function listedPaths(result: CliResult): string[] {
	expect(result.code, result.stderr).toBe(0);
	return result.stdout
		.trim()
		.split('\n')
		.map(line => (JSON.parse(line) as {path: string}).path)
		.sort();
}

/** Runs the CLI under bash, so that `<(…)` hands it a /dev/fd path to a pipe, as a shell user would. */
function runInBash(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
	return new Promise(resolve => {
		const {CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, FORCE_COLOR, ...inherited} = process.env;
		execFile('bash', ['-c', script, builtCli, ...args], {env: {...inherited, NO_COLOR: '1', ...env}}, (error, stdout, stderr) => {
			resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

describe('a layout directory: links that lead outside are not followed', () => {
	it('the outside copies are valid images that list the secret (so following a link would show it)', async () => {
		const root = fresh('valid-outside');
		const {secret} = await writeLayoutLinkingOut(root, 'layer');
		expect(listedPaths(await runCli(['files', '--json', path.join(root, 'outside')]))).toEqual([`/${secret}`]);
	});

	const cases: Array<{part: LinkedPart; format?: Format}> = [
		{part: 'layer'},
		{part: 'config'},
		{part: 'manifest'},
		{part: 'index.json'},
		{part: 'blobs directory'},
		{part: 'manifest.json', format: 'docker25'},
		{part: 'index.json', format: 'docker25'},
		{part: 'layer', format: 'docker25'},
		{part: 'layer', format: 'docker-legacy'},
		{part: 'config', format: 'docker-legacy'},
	];
	for (const {part, format} of cases) {
		for (const absolute of [false, true]) {
			it(`${format ?? 'oci-dir'}: the ${part} is a ${absolute ? 'absolute' : 'relative'} symbolic link out of the directory`, async () => {
				const root = fresh('link-out');
				const {input, linkName, secret} = await writeLayoutLinkingOut(root, part, {format, absolute});
				const result = await run(['files', '--json', input], root);
				// A linked directory refuses the first file read below it; a linked file refuses itself.
				const named = part === 'blobs directory' ? 'blobs/sha256/[0-9a-f]{64}' : escaped(linkName);
				expectOneLineError(result, input, new RegExp(`${named} leads outside the input directory`));
				expectNotRead(result, secret);
			});
		}
	}

	it('--no-verify does not make a link out acceptable', async () => {
		const root = fresh('link-out-no-verify');
		const {input, linkName, secret} = await writeLayoutLinkingOut(root, 'layer');
		const result = await run(['files', '--json', '--no-verify', input], root);
		expectOneLineError(result, input, new RegExp(`${escaped(linkName)} leads outside the input directory`));
		expectNotRead(result, secret);
	});

	it('a layer linking to a FIFO outside is refused without opening it (opening it would block for ever)', async () => {
		const root = fresh('link-fifo');
		const {input, linkName} = await writeLayoutLinkingToFifo(root);
		expectOneLineError(await run(['files', input], root), input, new RegExp(`${escaped(linkName)} leads outside the input directory`));
	});

	it('an oci-layout file linking to a FIFO outside is never opened', async () => {
		const root = fresh('oci-layout-fifo');
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const fifo = path.join(root, 'outside.fifo');
		await new Promise<void>((resolve, reject) => execFile('mkfifo', [fifo], error => (error ? reject(error) : resolve())));
		rmSync(path.join(input, 'oci-layout'));
		symlinkSync(fifo, path.join(input, 'oci-layout'));
		expect(listedPaths(await run(['files', '--json', input], root))).toEqual(['/inside.txt']);
	});
});

describe('a layout directory: links that stay inside keep working', () => {
	it("skopeo's docker-archive, unpacked: <id>/layer.tar -> ../<diffid>.tar", async () => {
		const root = fresh('inside-skopeo');
		const input = path.join(root, 'input');
		const image = await writeImageDirectory(oneFileSpec('inside.txt'), 'docker-legacy', input, {symlinkLayers: true});
		expect(readdirSync(input)).toContain(image.where.layers[0]);
		expect(listedPaths(await run(['files', '--json', input], root))).toEqual(['/inside.txt']);
		// On worker threads too, which open each checked file again through its descriptor.
		expect(listedPaths(await run(['files', '--json', input], root, {env: {LAYERSCOPE_WORKERS: '2'}}))).toEqual(['/inside.txt']);
	});

	it("docker save's repeated layer: the second <id>/layer.tar links to the first", async () => {
		const root = fresh('inside-repeated');
		const input = path.join(root, 'input');
		const same = {entries: [{type: 'file' as const, path: 'same.txt', content: 'twice\n'}]};
		await writeImageDirectory({layers: [same, {entries: [{type: 'file', path: 'top.txt', content: 'top\n'}]}, same]}, 'docker-legacy', input);
		const result = await run(['files', '--json', input], root);
		expect(listedPaths(result)).toEqual(['/same.txt', '/top.txt']);
	});

	it('an OCI layout whose blobs directory is a link to a directory inside it', async () => {
		const root = fresh('inside-blobs');
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		mkdirSync(path.join(input, 'store'));
		cpSync(path.join(input, 'blobs'), path.join(input, 'store', 'blobs'), {recursive: true});
		rmSync(path.join(input, 'blobs'), {recursive: true});
		symlinkSync('store/blobs', path.join(input, 'blobs'));
		expect(listedPaths(await run(['files', '--json', input], root))).toEqual(['/inside.txt']);
	});

	it('an input directory given through a symbolic link', async () => {
		const root = fresh('inside-root-link');
		const input = path.join(root, 'real');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		symlinkSync(input, path.join(root, 'alias'));
		expect(listedPaths(await run(['files', '--json', path.join(root, 'alias')], root))).toEqual(['/inside.txt']);
	});

	it('a link inside that points at nothing is a missing file', async () => {
		const root = fresh('inside-broken');
		const input = path.join(root, 'input');
		const image = await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const layer = image.where.layers[0]!;
		rmSync(path.join(input, layer));
		symlinkSync('nothing-here', path.join(input, layer));
		expectOneLineError(await run(['files', input], root), input, new RegExp(`${escaped(layer)} is missing \\(a broken symbolic link\\)`));
	});
});

describe('a layout directory: FIFOs, sockets and devices in place of files are errors, never read', () => {
	const kinds: Array<{kind: SpecialFile; said: RegExp}> = [
		{kind: 'fifo', said: /is a FIFO \(named pipe\), not a regular file/},
		{kind: 'socket', said: /is a socket, not a regular file/},
		// A copy of /dev/zero: read, it never ends.
		{kind: 'char device', said: /is a character device, not a regular file/},
	];
	for (const {kind, said} of kinds) {
		it(`a ${kind} as the layer blob`, async () => {
			const root = fresh(kind.replace(' ', '-'));
			const {input, name, close} = await writeLayoutWithSpecialBlob(path.join(root, 'input'), kind);
			try {
				const result = await run(['files', input], root);
				expectOneLineError(result, input, new RegExp(`${escaped(name)} ${said.source}`));
				expect(result.stderr).not.toContain('not a blob');
			} finally {
				await close();
			}
		});
	}

	for (const part of ['index.json', 'manifest', 'config'] as const) {
		it(`a FIFO as the ${part}`, async () => {
			const root = fresh(`fifo-${part}`);
			const {input, name} = await writeLayoutWithSpecialBlob(path.join(root, 'input'), 'fifo', part);
			expectOneLineError(await run(['files', input], root), input, new RegExp(`${escaped(name)} is a FIFO`));
		});
	}
});

describe('a tar archive: its links resolve inside the archive, never on the host', () => {
	const cases = [
		{name: 'a symlink member to ../../<diffid>.tar', options: {}},
		{name: 'a symlink member to an absolute host path', options: {absolute: true}},
		{name: 'a hard link member to ../<diffid>.tar', options: {hardlink: true}},
		{name: 'a hard link member to an absolute host path', options: {hardlink: true, absolute: true}},
	];
	for (const {name, options} of cases) {
		it(`${name}, read by offsets from the file`, async () => {
			const root = fresh('archive-link');
			const {archive, secret} = await writeArchiveLinkingOut(root, options);
			const result = await run(['files', '--json', archive], root);
			expectOneLineError(result, archive, /layer\.tar is missing from the archive/);
			expectNotRead(result, secret);
		});

		it(`${name}, read once from standard input`, async () => {
			const root = fresh('archive-link-stdin');
			const {archive, secret} = await writeArchiveLinkingOut(root, options);
			const result = await run(['files', '--json', '-'], root, {stdin: readFileSync(archive), cwd: path.dirname(archive)});
			expectOneLineError(result, '-', /layer\.tar is missing from the archive/);
			expectNotRead(result, secret);
		});
	}

	it('a symlink member to ../../<diffid>.tar in a gzip-compressed archive', async () => {
		const root = fresh('archive-link-gzip');
		const {archive, secret} = await writeArchiveLinkingOut(root, {gzip: true});
		const result = await run(['files', '--json', archive], root);
		expectOneLineError(result, archive, /layer\.tar is missing from the archive/);
		expectNotRead(result, secret);
	});
});

describe('every layer is verified against something the image states', () => {
	for (const form of ['directory', 'archive', 'stdin'] as const) {
		it(`a docker save ${form} whose config lists no diff_ids stops, unless --no-verify says so`, async () => {
			const root = fresh(`no-diff-ids-${form}`);
			const archive = path.join(root, 'image.tar');
			const dir = path.join(root, 'image');
			const image =
				form === 'directory'
					? await writeImageDirectory(oneFileSpec('inside.txt'), 'docker-legacy', dir, {edit: {config: dropDiffIds}})
					: await writeImage(oneFileSpec('inside.txt'), {format: 'docker-legacy', outPath: archive, edit: {config: dropDiffIds}});
			const input = form === 'directory' ? dir : form === 'archive' ? archive : '-';
			const stdin = form === 'stdin' ? readFileSync(archive) : undefined;
			const layer = image.where.layers[0]!;
			expectOneLineError(
				await run(['files', input], root, {stdin}),
				input,
				new RegExp(`layer 0 \\(${escaped(layer)}\\) cannot be verified: the config lists no diff_id for it and nothing states its digest \\(use --no-verify`),
			);
			expect(listedPaths(await run(['files', '--json', '--no-verify', input], root, {stdin}))).toEqual(['/inside.txt']);
		});
	}

	it('a Docker 25 directory with no diff_ids is verified against the digests its blob names state', async () => {
		const root = fresh('no-diff-ids-docker25');
		const input = path.join(root, 'input');
		const image = await writeImageDirectory(oneFileSpec('inside.txt'), 'docker25', input, {edit: {config: dropDiffIds}});
		expect(listedPaths(await run(['files', '--json', input], root))).toEqual(['/inside.txt']);
		// Another valid layer under the first one's name: only the name's digest can tell.
		const other = await writeImage(oneFileSpec(secretName()), {format: 'docker25', outPath: path.join(root, 'other.tar')});
		writeFileSync(path.join(input, image.where.layers[0]!), other.layerTars[0]!);
		rmSync(path.join(root, 'other.tar'));
		expectOneLineError(await run(['files', input], root), input, /layer 0 \(blobs\/sha256\/[0-9a-f]{64}\) does not match its digest/);
	});

	it('a Docker 25 config that does not match the digest its name states', async () => {
		const root = fresh('docker25-config');
		const input = path.join(root, 'input');
		const image = await writeImageDirectory(oneFileSpec('inside.txt'), 'docker25', input);
		const config = path.join(input, image.where.config);
		writeFileSync(config, readFileSync(config, 'utf8').replace('"/bin/sh"', '"/bin/evil"'));
		expectOneLineError(await run(['files', input], root), input, new RegExp(`config ${escaped(image.where.config)} does not match its digest`));
	});
});

describe('sha256 and sha512 are verified; any other algorithm is an error', () => {
	async function sha512Layout(root: string, options: Parameters<typeof rehashLayout>[2] = {}): Promise<{input: string; layerPaths: string[]}> {
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const {layerPaths} = rehashLayout(input, 'sha512', options);
		return {input, layerPaths};
	}

	it('a layout hashed with sha512 throughout (blobs, config, manifest, diff_ids) reads, as a directory and as an archive', async () => {
		const root = fresh('sha512');
		const {input} = await sha512Layout(root, {diffIds: true});
		expect(readdirSync(path.join(input, 'blobs/sha256'))).toEqual([]);
		expect(readdirSync(path.join(input, 'blobs/sha512'))).toHaveLength(3);
		expect(listedPaths(await run(['files', '--json', input], root))).toEqual(['/inside.txt']);
		const archive = archiveOf(input, path.join(root, 'sha512.tar'));
		expect(listedPaths(await run(['files', '--json', archive], root))).toEqual(['/inside.txt']);
	});

	it('a sha512 layer whose bytes do not match its digest', async () => {
		const root = fresh('sha512-mismatch');
		const {input, layerPaths} = await sha512Layout(root);
		const other = await writeImage(oneFileSpec(secretName()), {format: 'oci-dir', outPath: path.join(root, 'other')});
		writeFileSync(path.join(input, layerPaths[0]!), readFileSync(path.join(root, 'other', other.where.layers[0]!)));
		rmSync(path.join(root, 'other'), {recursive: true});
		const result = await run(['files', input], root);
		expectOneLineError(result, input, /layer 0 \(blobs\/sha512\/[0-9a-f]{128}\) does not match its digest: expected sha512:[0-9a-f]{128}, got sha512:[0-9a-f]{128}/);
	});

	it('a sha512 diff_id that does not match the uncompressed layer', async () => {
		const root = fresh('sha512-diff-id');
		const {input} = await sha512Layout(root, {diffIds: true, wrongDiffId: true});
		expectOneLineError(await run(['files', input], root), input, /layer 0 \(blobs\/sha512\/[0-9a-f]{128}\) does not match its diff_id: expected sha512:/);
	});

	it('a sha512 layout on standard input: its blobs are hashed as they pass, and a wrong one is caught', async () => {
		const root = fresh('sha512-stdin');
		const {input, layerPaths} = await sha512Layout(root);
		const good = readFileSync(archiveOf(input, path.join(root, 'sha512.tar')));
		expect(listedPaths(await run(['files', '--json', '-'], root, {stdin: good}))).toEqual(['/inside.txt']);
		const other = await writeImage(oneFileSpec(secretName()), {format: 'oci-dir', outPath: path.join(root, 'other')});
		writeFileSync(path.join(input, layerPaths[0]!), readFileSync(path.join(root, 'other', other.where.layers[0]!)));
		rmSync(path.join(root, 'other'), {recursive: true});
		const bad = readFileSync(archiveOf(input, path.join(root, 'sha512-bad.tar')));
		expectOneLineError(await run(['files', '-'], root, {stdin: bad}), '-', /layer 0 \(blobs\/sha512\/[0-9a-f]{128}\) does not match its digest: expected sha512:/);
	});

	it('a sha512 diff_id of a gzip layer on standard input cannot be checked: said so, not skipped', async () => {
		const root = fresh('sha512-diff-stdin');
		const {input} = await sha512Layout(root, {diffIds: true});
		const archive = readFileSync(archiveOf(input, path.join(root, 'sha512.tar')));
		expectOneLineError(await run(['files', '-'], root, {stdin: archive}), '-', /states a sha512 diff_id, which can be verified only when the image is read from a file or directory/);
		expect(listedPaths(await run(['files', '--json', '--no-verify', '-'], root, {stdin: archive}))).toEqual(['/inside.txt']);
	});

	it('a registry serving a sha512 image: the manifest by its tag digest, the blobs as they download', async () => {
		const root = fresh('sha512-registry');
		const {input, layerPaths} = await sha512Layout(root);
		const served = await LayoutRegistry.start(input);
		try {
			const reference = `registry://${served.host}/app:1`;
			expect(listedPaths(await run(['files', '--json', reference, '--insecure'], root))).toEqual(['/inside.txt']);
			const other = await writeImage(oneFileSpec(secretName()), {format: 'oci-dir', outPath: path.join(root, 'other')});
			writeFileSync(path.join(input, layerPaths[0]!), readFileSync(path.join(root, 'other', other.where.layers[0]!)));
			rmSync(path.join(root, 'other'), {recursive: true});
			expectOneLineError(await run(['files', reference, '--insecure'], root), reference, /layer 0 \(blobs\/sha512\/[0-9a-f]{128}\) does not match its digest: expected sha512:/);
		} finally {
			await served.stop();
		}
	});

	it('a registry claiming an md5 digest for a tag is refused, naming the algorithm', async () => {
		const root = fresh('md5-registry');
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const served = await LayoutRegistry.start(input, {tagDigest: `md5:${'0'.repeat(32)}`});
		try {
			const reference = `registry://${served.host}/app:1`;
			expectOneLineError(await run(['files', reference, '--insecure'], root), reference, /digest "md5:0{32}" uses the algorithm "md5", which cannot be verified/);
		} finally {
			await served.stop();
		}
	});

	it('an md5 manifest, config and layers: the first digest met is refused, naming the algorithm', async () => {
		const root = fresh('md5');
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		rehashLayout(input, 'md5');
		expectOneLineError(await run(['files', input], root), input, /digest "md5:[0-9a-f]{32}" uses the algorithm "md5", which cannot be verified \(layerscope verifies sha256 and sha512\)/);
	});

	it('an md5 layer is refused, in a directory, an archive and on standard input; --no-verify reads it deliberately', async () => {
		const root = fresh('md5-layer');
		const input = path.join(root, 'input');
		await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const {layerPaths} = rehashLayout(input, 'md5', {layersOnly: true});
		const archive = archiveOf(input, path.join(root, 'md5.tar'));
		const refused = new RegExp(`layer 0 \\(${escaped(layerPaths[0]!)}\\) digest "md5:[0-9a-f]{32}" uses the algorithm "md5", which cannot be verified`);
		expectOneLineError(await run(['files', input], root), input, refused);
		expectOneLineError(await run(['files', archive], root), archive, refused);
		expectOneLineError(await run(['files', '-'], root, {stdin: readFileSync(archive)}), '-', refused);
		expect(listedPaths(await run(['files', '--json', '--no-verify', input], root))).toEqual(['/inside.txt']);
	});

	it('a sha256 digest of the wrong length is not a digest', async () => {
		const root = fresh('short-digest');
		const input = path.join(root, 'input');
		const image = await writeImage(oneFileSpec('inside.txt'), {format: 'oci-dir', outPath: input});
		const index = JSON.parse(readFileSync(path.join(input, 'index.json'), 'utf8'));
		const short = index.manifests[0].digest.slice(0, 40);
		index.manifests[0].digest = short;
		writeFileSync(path.join(input, 'index.json'), JSON.stringify(index));
		const manifest = path.join(input, image.where.manifest!);
		cpSync(manifest, path.join(input, 'blobs/sha256', hexOf(short)));
		expectOneLineError(await run(['files', input], root), input, /is not a valid sha256 digest \(64 lowercase hex digits\)/);
	});
});

describe('pipes given as paths are read as streams', () => {
	async function dockerArchive(root: string, options: {gzip?: boolean} = {}): Promise<string> {
		const archive = path.join(root, options.gzip ? 'image.tar.gz' : 'image.tar');
		await writeImage({layers: [{entries: [{type: 'file', path: 'one.txt', content: '1\n'}]}, {entries: [{type: 'file', path: 'two.txt', content: '2\n'}]}]}, {format: 'docker-legacy', outPath: archive, outerGzip: options.gzip});
		return archive;
	}

	it('a process substitution, <(cat image.tar), reads as the file does', async () => {
		const root = fresh('procsub');
		const archive = await dockerArchive(root);
		const tmp = fresh('procsub-tmp');
		const result = await runInBash('exec node "$0" files --json <(cat "$1")', [archive], {TMPDIR: tmp});
		expect(listedPaths(result)).toEqual(listedPaths(await runCli(['files', '--json', archive])));
		expect(readdirSync(tmp)).toEqual([]);
	});

	it('a process substitution of a gzip-compressed archive', async () => {
		const root = fresh('procsub-gzip');
		const archive = await dockerArchive(root, {gzip: true});
		expect(listedPaths(await runInBash('exec node "$0" files --json <(cat "$1")', [archive]))).toEqual(['/one.txt', '/two.txt']);
	});

	it('an empty process substitution is empty, said in one line naming it', async () => {
		const result = await runInBash('exec node "$0" files <(true)', []);
		expectOneLineError(result, '/dev/fd/', /is empty/);
	});

	it('/dev/stdin, when standard input is a pipe', async () => {
		const root = fresh('dev-stdin');
		const archive = await dockerArchive(root);
		expect(listedPaths(await run(['files', '--json', '/dev/stdin'], root, {stdin: readFileSync(archive)}))).toEqual(['/one.txt', '/two.txt']);
	});

	it('a named FIFO given as the image argument', async () => {
		const root = fresh('named-fifo');
		const archive = await dockerArchive(root);
		const fifo = path.join(root, 'image.fifo');
		await new Promise<void>((resolve, reject) => execFile('mkfifo', [fifo], error => (error ? reject(error) : resolve())));
		// Opening the FIFO to write waits for the reader: the CLI.
		const writer = createWriteStream(fifo);
		writer.end(readFileSync(archive));
		writer.on('error', () => {});
		expect(listedPaths(await runCli(['files', '--json', fifo]))).toEqual(['/one.txt', '/two.txt']);
	});
});
