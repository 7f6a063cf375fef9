/**
 * Proves the fixture builders under test/fixtures/ write what they claim, checked with tools that
 * share no code with them: GNU tar, gzip, zstd, skopeo (when installed), and plain sha256.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {
	corruptBytesAt,
	escapingEntries,
	hostileEntries,
	noise,
	truncateFile,
	writeBlobDigestMismatch,
	writeCorruptGzipLayer,
	writeCorruptZstdLayer,
	writeDiffIdMismatch,
	writeEmptyFile,
	writeHostileNamesLayer,
	writeManifestWithUnknownBlob,
	writeMissingBlob,
	writeNotALayout,
	writePathEscapeLayer,
	writeTruncatedArchive,
} from './fixtures/bad-inputs.js';
import {writeImage, writeMultiPlatformLayout, type Format, type ImageSpec} from './fixtures/image-writer.js';
import {buildLayerTar, compressLayer, COMPRESSIONS, zstdChunkedAnnotations, type EntrySpec} from './fixtures/layer-builder.js';
import {buildTar, encodeEntry, encodeSparse, expandSparse, paxHeader, type SparseFormat} from './fixtures/tar-writer.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-fixtures-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

let counter = 0;
/** A fresh path inside the scratch directory. */
function tmp(name: string): string {
	return path.join(scratch, `${++counter}-${name}`);
}

function tmpDir(name: string): string {
	const dir = tmp(name);
	mkdirSync(dir, {recursive: true});
	return dir;
}

function run(command: string, args: string[], input?: Buffer): {status: number | null; stdout: Buffer; stderr: string} {
	// UTC and the C locale: GNU tar's dates and its escaping of non-ASCII names depend on both.
	const result = spawnSync(command, args, {input, maxBuffer: 256 * 1024 * 1024, env: {...process.env, TZ: 'UTC', LC_ALL: 'C'}});
	return {status: result.status, stdout: result.stdout, stderr: result.stderr.toString()};
}

/** Runs a command that must succeed; returns stdout. */
function ok(command: string, args: string[], input?: Buffer): Buffer {
	const result = run(command, args, input);
	expect(result.status, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result.stdout;
}

function sha256(data: Buffer): string {
	return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function writeTemp(name: string, data: Buffer): string {
	const file = tmp(name);
	writeFileSync(file, data);
	return file;
}

/** GNU tar's verbose listing of a tar held in memory, one line per member. */
function listTar(tar: Buffer, extra: string[] = []): string[] {
	return ok('tar', ['--numeric-owner', ...extra, '-tvf', writeTemp('list.tar', tar)])
		.toString('utf8')
		.trimEnd()
		.split('\n');
}

function extractTar(tar: Buffer): string {
	const dir = tmpDir('x');
	ok('tar', ['-xf', writeTemp('extract.tar', tar), '-C', dir]);
	return dir;
}

/** Decompresses with the gzip or zstd command line tool, chosen by magic bytes. */
function decompressCli(blob: Buffer): Buffer {
	if (blob[0] === 0x1f && blob[1] === 0x8b) return ok('gzip', ['-dc'], blob);
	if (blob.length >= 4 && blob.readUInt32LE(0) === 0xfd2fb528) return ok('zstd', ['-dcq'], blob);
	return blob;
}

function readJson(file: string): any {
	return JSON.parse(readFileSync(file, 'utf8'));
}

/** Unpacks an archive with GNU tar (gzipped or not); a directory is returned as is. */
function unpackImage(imagePath: string): string {
	if (statSync(imagePath).isDirectory()) return imagePath;
	const dir = tmpDir('unpacked');
	ok('tar', ['-xf', imagePath, '-C', dir]);
	return dir;
}

function blobPath(layout: string, digest: string): string {
	return path.join(layout, 'blobs', ...digest.split(':'));
}

/** Follows index.json to every manifest and checks each referenced blob's size and sha256; returns the image manifests. */
function verifyOciLayout(layout: string): any[] {
	expect(readFileSync(path.join(layout, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion": "1.0.0"}');
	const manifests: any[] = [];
	const checkBlob = (descriptor: any): Buffer => {
		const data = readFileSync(blobPath(layout, descriptor.digest));
		expect(sha256(data)).toBe(descriptor.digest);
		expect(data.length).toBe(descriptor.size);
		return data;
	};
	const visit = (descriptor: any): void => {
		const data = JSON.parse(checkBlob(descriptor).toString());
		if (Array.isArray(data.manifests)) return data.manifests.forEach(visit);
		const config = JSON.parse(checkBlob(data.config).toString());
		const layers = data.layers.map((layer: any) => checkBlob(layer));
		if (config.rootfs.type === 'layers' && !data.layers.some((l: any) => l.mediaType.includes('in-toto'))) {
			expect(layers.map((blob: Buffer) => sha256(decompressCli(blob)))).toEqual(config.rootfs.diff_ids);
		}
		manifests.push(data);
	};
	readJson(path.join(layout, 'index.json')).manifests.forEach(visit);
	return manifests;
}

/** manifest.json: Config and Layers files exist (symlinks followed), config is named by its sha256, layers match diff_ids. */
function verifyDockerManifest(dir: string): any {
	const [entry] = readJson(path.join(dir, 'manifest.json'));
	const configBytes = readFileSync(path.join(dir, entry.Config));
	expect(path.basename(entry.Config).replace(/\.json$/, '')).toBe(sha256(configBytes).slice(7));
	const config = JSON.parse(configBytes.toString());
	const diffIds = entry.Layers.map((layer: string) => sha256(decompressCli(readFileSync(path.join(dir, layer)))));
	expect(diffIds).toEqual(config.rootfs.diff_ids);
	return {entry, config};
}

const hasSkopeo = existsSync('/usr/bin/skopeo');

function skopeoRef(format: Format, imagePath: string): string {
	return `${format === 'oci-dir' ? 'oci' : format === 'oci-archive' ? 'oci-archive' : 'docker-archive'}:${imagePath}`;
}

/** A small image exercising every entry type, with one layer repeated. */
function richSpec(): ImageSpec {
	const base: EntrySpec[] = [
		{type: 'dir', path: 'etc'},
		{type: 'file', path: 'etc/hostname', content: 'fixture\n'},
		{type: 'file', path: 'bin/tool', content: noise(20000), mode: 0o755},
		{type: 'symlink', path: 'usr/bin/tool', target: '/bin/tool'},
	];
	return {
		layers: [
			{entries: base},
			{entries: [{type: 'whiteout', path: 'etc/hostname'}, {type: 'opaque', path: 'var/cache'}, {type: 'hardlink', path: 'bin/tool2', target: 'bin/tool'}]},
			{entries: base},
		],
		config: {Env: ['PATH=/bin', 'MODE=test'], Cmd: ['/bin/tool'], WorkingDir: '/srv', ExposedPorts: {'8080/tcp': {}}, Labels: {a: 'b'}},
		history: [
			{created_by: 'ADD base'},
			{created_by: 'ENV MODE=test', empty_layer: true},
			{created_by: 'RUN change'},
			{created_by: 'ADD base again'},
		],
	};
}

// -------------------------------------------------------------------------------------------------

describe('tar-writer', () => {
	it('writes every basic type as GNU tar lists it', () => {
		const tar = buildTar([
			...encodeEntry({name: 'dir/', typeflag: '5', mode: 0o755}),
			...encodeEntry({name: 'dir/file', data: Buffer.from('hello'), uid: 1000, gid: 100}),
			...encodeEntry({name: 'dir/link', typeflag: '2', linkname: 'file', mode: 0o777}),
			...encodeEntry({name: 'dir/hard', typeflag: '1', linkname: 'dir/file'}),
			...encodeEntry({name: 'dev/null', typeflag: '3', devmajor: 1, devminor: 3, mode: 0o666}),
			...encodeEntry({name: 'dev/sda', typeflag: '4', devmajor: 8, devminor: 1}),
			...encodeEntry({name: 'dev/fifo', typeflag: '6'}),
		]);
		expect(tar.length % 512).toBe(0);
		expect(tar.subarray(-1024).equals(Buffer.alloc(1024))).toBe(true);
		const lines = listTar(tar);
		expect(lines[0]).toMatch(/^drwxr-xr-x 0\/0 +0 2023-11-14 \d\d:\d\d dir\/$/);
		expect(lines[1]).toMatch(/^-rw-r--r-- 1000\/100 +5 .* dir\/file$/);
		expect(lines[2]).toMatch(/^lrwxrwxrwx .* dir\/link -> file$/);
		expect(lines[3]).toMatch(/^hrw-r--r-- .* dir\/hard link to dir\/file$/);
		expect(lines[4]).toMatch(/^crw-rw-rw- 0\/0 +1,3 .* dev\/null$/);
		expect(lines[5]).toMatch(/^brw-r--r-- 0\/0 +8,1 .* dev\/sda$/);
		expect(lines[6]).toMatch(/^prw-r--r-- .* dev\/fifo$/);
		expect(readFileSync(path.join(extractTar(buildTar(encodeEntry({name: 'f', data: Buffer.from('hello')}))), 'f'), 'utf8')).toBe('hello');
	});

	it('computes the header checksum, and can be told to write a wrong one', () => {
		const good = buildTar([{name: 'a', data: Buffer.from('x')}]);
		expect(run('tar', ['-tf', writeTemp('good.tar', good)]).status).toBe(0);
		const bad = buildTar([{name: 'a', data: Buffer.from('x'), checksum: 1234}]);
		const result = run('tar', ['-tf', writeTemp('bad.tar', bad)]);
		expect(result.status).not.toBe(0);
		expect(result.stderr).toMatch(/Skipping to next header|This does not look like a tar archive/);
	});

	it('carries names over 100 bytes by PAX path, GNU LongLink, or the ustar prefix', () => {
		const name = `${'d'.repeat(90)}/${'e'.repeat(60)}/file.txt`;
		for (const longName of ['pax', 'gnu', 'prefix'] as const) {
			const records = encodeEntry({name, longName, data: Buffer.from(longName)});
			const kinds = records.map(r => r.typeflag ?? '0');
			expect(kinds).toEqual({pax: ['x', '0'], gnu: ['L', '0'], prefix: ['0']}[longName]);
			const tar = buildTar(records);
			expect(listTar(tar)[0]).toMatch(new RegExp(` ${name}$`));
			expect(readFileSync(path.join(extractTar(tar), name), 'utf8')).toBe(longName);
		}
		expect(() => encodeEntry({name: 'x'.repeat(120), longName: 'prefix'})).toThrow(/cannot split/);
	});

	it('carries link targets over 100 bytes by PAX linkpath or GNU K', () => {
		const target = `${'t'.repeat(150)}/end`;
		for (const longLink of ['pax', 'gnu'] as const) {
			const records = encodeEntry({name: 'link', typeflag: '2', linkname: target, longLink});
			expect(records[0]!.typeflag).toBe(longLink === 'pax' ? 'x' : 'K');
			const dir = extractTar(buildTar(records));
			expect(readlinkSync(path.join(dir, 'link'))).toBe(target);
		}
	});

	it('writes extra PAX records and global headers that GNU tar applies', () => {
		const tar = buildTar([
			paxHeader({comment: 'global comment'}, {global: true}),
			...encodeEntry({name: 'owned', data: Buffer.from('x'), pax: {uid: '4000000', gid: '4000001', mtime: '1700000000.5', uname: 'someone'}}),
		]);
		const lines = listTar(tar, ['--full-time']);
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(/ 4000000\/4000001 +1 2023-11-14 22:13:20(\.5)? owned$/);
		const dir = extractTar(tar);
		expect(statSync(path.join(dir, 'owned')).mtimeMs).toBe(1_700_000_000_500);
	});

	it('writes numbers beyond the octal fields in base-256, and base-256 on request', () => {
		const tar = buildTar([{name: 'big', uid: 3_000_000_000, gid: 2_097_152, mtime: -1, data: Buffer.from('abc'), numeric: {size: 'base256'}}]);
		const header = tar.subarray(0, 512);
		expect(header[108]).toBe(0x80); // uid: does not fit 7 octal digits
		expect(header[124]).toBe(0x80); // size: forced
		expect(header[136]).toBe(0xff); // negative mtime
		expect(listTar(tar, ['--full-time'])[0]).toMatch(/^-rw-r--r-- 3000000000\/2097152 +3 1969-12-31 23:59:59 big$/);
	});

	it('writes v7 headers without magic, and the end marker and record padding asked for', () => {
		const v7 = buildTar([{name: 'old', magic: 'v7', data: Buffer.from('v7')}], {endBlocks: 2, recordSize: 10240});
		expect(v7.length).toBe(10240);
		expect(v7.subarray(257, 265).equals(Buffer.alloc(8))).toBe(true);
		expect(listTar(v7)[0]).toMatch(/ old$/);
		expect(buildTar([{name: 'a'}], {endBlocks: 0}).length).toBe(512);
	});

	const sparseFormats: SparseFormat[] = ['gnu-old', 'pax-0.0', 'pax-0.1', 'pax-1.0'];
	const segments = [
		{offset: 4096, data: noise(1024, 3)},
		{offset: 10000, data: noise(512, 4)},
		{offset: 20480, data: noise(2048, 5)},
		{offset: 30000, data: noise(512, 6)},
		{offset: 40000, data: noise(512, 7)},
		{offset: 50000, data: Buffer.from('tail bytes')},
	];
	const expected = expandSparse(65536, segments);

	for (const format of sparseFormats) {
		it(`writes ${format} sparse files that GNU tar expands byte for byte`, () => {
			const tar = buildTar(encodeSparse({name: 'var/sparse.img', realSize: 65536, segments, format}));
			expect(listTar(tar)[0]).toMatch(/^-rw-r--r-- 0\/0 +65536 .* var\/sparse\.img$/);
			const dir = extractTar(tar);
			expect(readdirSync(path.join(dir, 'var'))).toEqual(['sparse.img']);
			expect(readFileSync(path.join(dir, 'var/sparse.img')).equals(expected)).toBe(true);
		});

		it(`writes ${format} sparse files with names over 100 bytes`, () => {
			const name = `${'l'.repeat(90)}/${'m'.repeat(90)}/sparse.img`;
			const dir = extractTar(buildTar(encodeSparse({name, realSize: 65536, segments, format})));
			expect(readFileSync(path.join(dir, name)).equals(expected)).toBe(true);
		});
	}

	it('writes sparse files the way GNU tar lays them out', () => {
		const one = [{offset: 8192, data: Buffer.alloc(4096, 0x41)}];
		const old = buildTar(encodeSparse({name: 'd/s', realSize: 100000, segments: one, format: 'gnu-old'}));
		expect(old.toString('latin1', 156, 157)).toBe('S');
		expect(old.toString('latin1', 257, 265)).toBe('ustar  \0');
		expect(old.toString('latin1', 386, 410)).toBe('00000020000\u000000000010000\u0000');
		expect(old.toString('latin1', 410, 434)).toBe('00000303240\u000000000000000\u0000'); // the trailing hole: (100000, 0)
		expect(old.toString('latin1', 483, 495)).toBe('00000303240\u0000');
		const v10 = buildTar(encodeSparse({name: 'd/s', realSize: 100000, segments: one, format: 'pax-1.0'}));
		expect(v10.toString('latin1', 0, 15)).toBe('d/PaxHeaders/s\0');
		expect(v10.toString('latin1', 1024, 1024 + 21)).toBe('d/GNUSparseFile.0/s\0\0');
		expect(v10.toString('latin1', 1536, 1536 + 19)).toBe('2\n8192\n4096\n100000\n');
		expect(() => encodeSparse({name: 's', realSize: 9000, segments: [{offset: 0, data: Buffer.alloc(100)}, {offset: 5000, data: Buffer.alloc(10)}], format: 'pax-1.0'})).toThrow(/partial block/);
	});
});

// -------------------------------------------------------------------------------------------------

describe('layer-builder', () => {
	const entries: EntrySpec[] = [
		{type: 'dir', path: 'etc'},
		{type: 'file', path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n'},
		{type: 'file', path: '/opt/dotted', name: 'dot-slash', content: 'd'},
		{type: 'file', path: 'abs', name: 'slash', content: 'a'},
		{type: 'symlink', path: 'lib', target: 'usr/lib'},
		{type: 'hardlink', path: 'etc/passwd-', target: 'etc/passwd'},
		{type: 'char', path: 'dev/null', devmajor: 1, devminor: 3},
		{type: 'block', path: 'dev/loop0', devmajor: 7, devminor: 0},
		{type: 'fifo', path: 'run/fifo'},
		{type: 'whiteout', path: 'usr/share/doc'},
		{type: 'opaque', path: 'var/lib/apt'},
		{type: 'file', path: `deep/${'n'.repeat(120)}`, longName: 'gnu', content: 'long'},
		{type: 'sparse', path: 'big.img', realSize: 1 << 20, segments: [{offset: 1 << 19, data: Buffer.from('middle')}], format: 'pax-1.0'},
		{type: 'raw', entry: {name: 'raw-entry', typeflag: '0', mode: 0o600, data: Buffer.from('raw')}},
	];

	it('turns specs into the entries GNU tar lists', () => {
		const lines = listTar(buildLayerTar(entries));
		expect(lines.map(l => l.replace(/^(\S+) +\S+ +\S+ +\S+ +\S+ /, '$1 '))).toEqual([
			'drwxr-xr-x etc/',
			'-rw-r--r-- etc/passwd',
			'-rw-r--r-- ./opt/dotted',
			'-rw-r--r-- /abs',
			'lrwxrwxrwx lib -> usr/lib',
			'hrw-r--r-- etc/passwd- link to etc/passwd',
			'crw-r--r-- dev/null',
			'brw-r--r-- dev/loop0',
			'prw-r--r-- run/fifo',
			'---------- usr/share/.wh.doc',
			'---------- var/lib/apt/.wh..wh..opq',
			`-rw-r--r-- deep/${'n'.repeat(120)}`,
			'-rw-r--r-- big.img',
			'-rw------- raw-entry',
		]);
		expect(lines[6]).toMatch(/ 1,3 /);
		expect(lines[12]).toMatch(/ 1048576 /);
	});

	it('is deterministic, tar and every compression', () => {
		const tar = buildLayerTar(entries);
		expect(buildLayerTar(entries).equals(tar)).toBe(true);
		for (const compression of COMPRESSIONS) expect(compressLayer(tar, compression).equals(compressLayer(tar, compression))).toBe(true);
		expect(compressLayer(tar, 'gzip').readUInt32LE(4)).toBe(0); // gzip MTIME
	});

	for (const compression of COMPRESSIONS.filter(c => c !== 'none')) {
		it(`${compression}: the command line tool tests and decodes it to the same tar`, () => {
			const tar = buildLayerTar([...entries, {type: 'file', path: 'noise', content: noise(300000)}]);
			const blob = compressLayer(tar, compression);
			const gz = compression === 'gzip' || compression === 'estargz-like';
			const file = writeTemp(`layer.${gz ? 'gz' : 'zst'}`, blob);
			ok(gz ? 'gzip' : 'zstd', gz ? ['-t', file] : ['-tq', file]);
			expect(decompressCli(blob).equals(tar)).toBe(true);
		});
	}

	it('estargz-like is several gzip members, the last empty with an extra field', () => {
		const tar = buildLayerTar([{type: 'file', path: 'noise', content: noise(100000)}]);
		const blob = compressLayer(tar, 'estargz-like');
		// Each member decodes on its own: split at the member starts and decode every piece.
		const starts = [...blob.entries()].filter(([i, b]) => b === 0x1f && blob[i + 1] === 0x8b && blob[i + 2] === 8 && (blob[i + 3] === 0 || blob[i + 3] === 4)).map(([i]) => i);
		const pieces = starts.map((s, n) => blob.subarray(s, starts[n + 1]));
		const decoded = pieces.filter(p => run('gzip', ['-dc'], p).status === 0);
		expect(decoded.length).toBeGreaterThanOrEqual(3);
		expect(blob[starts.at(-1)! + 3]).toBe(4);
		expect(ok('gzip', ['-dc'], pieces.at(-1)!).length).toBe(0);
	});

	it('zstd-chunked-like ends in a TOC frame and a footer that the annotations describe', () => {
		const tar = buildLayerTar([{type: 'file', path: 'noise', content: noise(100000)}]);
		const blob = compressLayer(tar, 'zstd-chunked-like');
		const annotations = zstdChunkedAnnotations(blob);
		const [offset, length, uncompressed, type] = annotations['io.containers.zstd-chunked.manifest-position']!.split(':').map(Number);
		expect(type).toBe(1);
		expect(blob.readUInt32LE(offset! - 8)).toBe(0x184d2a50); // a skippable frame holds the TOC
		const tocCompressed = blob.subarray(offset!, offset! + length!);
		expect(sha256(tocCompressed)).toBe(annotations['io.containers.zstd-chunked.manifest-checksum']);
		const toc = ok('zstd', ['-dcq'], tocCompressed);
		expect(toc.length).toBe(uncompressed);
		expect(JSON.parse(toc.toString())).toEqual({version: 1, entries: []});
		expect(blob.readUInt32LE(blob.length - 48)).toBe(0x184d2a50);
		expect(blob.toString('latin1', blob.length - 8)).toBe('GnUlInUx');
	});
});

// -------------------------------------------------------------------------------------------------

describe('image-writer', () => {
	const cases: {format: Format; compression?: (typeof COMPRESSIONS)[number]}[] = [
		{format: 'docker-legacy'},
		...COMPRESSIONS.map(compression => ({format: 'docker25' as Format, compression})),
		...COMPRESSIONS.map(compression => ({format: 'oci-dir' as Format, compression})),
		...COMPRESSIONS.map(compression => ({format: 'oci-archive' as Format, compression})),
	];

	for (const {format, compression} of cases) {
		describe(`${format}${compression ? ` ${compression}` : ''}`, () => {
			const out = path.join(scratch, `image-${format}-${compression ?? 'none'}${format === 'oci-dir' ? '' : '.tar'}`);
			// Written once, on first use, and shared by the tests below.
			let pending: ReturnType<typeof writeImage> | undefined;
			const image = () => (pending ??= writeImage(richSpec(), {format, compression, outPath: out}));

			it('digests, sizes and diff_ids are the real sha256 of what is on disk', async () => {
				const written = await image();
				const dir = unpackImage(out);
				if (format === 'docker-legacy') {
					const {entry, config} = verifyDockerManifest(dir);
					expect(entry.RepoTags).toEqual(['example.test/fixture:1']);
					expect(sha256(readFileSync(path.join(dir, entry.Config)))).toBe(written.configDigest);
					expect(config.rootfs.diff_ids).toEqual(written.diffIds);
				} else {
					const [manifest] = verifyOciLayout(dir);
					expect(sha256(readFileSync(blobPath(dir, written.manifestDigest!)))).toBe(written.manifestDigest);
					expect(manifest.layers.map((l: any) => l.digest)).toEqual(written.layerDigests);
					expect(manifest.layers.map((l: any) => l.size)).toEqual(written.layerSizes.map(s => s.compressed));
					if (format === 'docker25') verifyDockerManifest(dir);
					else expect(existsSync(path.join(dir, 'manifest.json'))).toBe(false);
				}
				expect(written.layerTars.map(t => t!.length)).toEqual(written.layerSizes.map(s => s.uncompressed));
			});

			it('carries the config, history and platform given', async () => {
				const written = await image();
				const dir = unpackImage(out);
				const configFile = path.join(dir, written.where.config);
				const config = readJson(configFile);
				expect(config.architecture).toBe('amd64');
				expect(config.os).toBe('linux');
				expect(config.config).toMatchObject({Env: ['PATH=/bin', 'MODE=test'], Cmd: ['/bin/tool'], WorkingDir: '/srv', ExposedPorts: {'8080/tcp': {}}});
				expect(config.history.map((h: any) => h.created_by)).toEqual(['ADD base', 'ENV MODE=test', 'RUN change', 'ADD base again']);
				expect(config.history[1].empty_layer).toBe(true);
			});

			it('stores a repeated layer once and references it twice', async () => {
				const written = await image();
				expect(written.layerDigests[0]).toBe(written.layerDigests[2]);
				const dir = unpackImage(out);
				if (format === 'docker-legacy') {
					const [entry] = readJson(path.join(dir, 'manifest.json'));
					// Docker writes the second copy as a symlink to the first.
					expect(lstatSync(path.join(dir, entry.Layers[2])).isSymbolicLink()).toBe(true);
					expect(readlinkSync(path.join(dir, entry.Layers[2]))).toBe(`../${entry.Layers[0]}`);
				} else {
					const blobs = readdirSync(path.join(dir, 'blobs/sha256'));
					expect(blobs.filter(b => `sha256:${b}` === written.layerDigests[0])).toHaveLength(1);
				}
			});

			it('its layers hold the files given, as GNU tar lists them', async () => {
				const written = await image();
				const dir = unpackImage(out);
				const layer = decompressCli(readFileSync(path.join(dir, written.where.layers[1]!)));
				expect(layer.equals(written.layerTars[1]!)).toBe(true);
				expect(listTar(layer).map(l => l.split(' ').at(-1))).toEqual(['etc/.wh.hostname', 'var/cache/.wh..wh..opq', 'bin/tool']);
			});

			it.runIf(hasSkopeo)('skopeo reads it and copies it (checking every digest)', async () => {
				const written = await image();
				const inspected = JSON.parse(ok('skopeo', ['inspect', '--config', skopeoRef(format, out)]).toString());
				expect(inspected.rootfs.diff_ids).toEqual(written.diffIds);
				const copy = tmpDir('copy');
				ok('skopeo', ['copy', '-q', skopeoRef(format, out), `dir:${copy}`]);
				expect(existsSync(path.join(copy, 'manifest.json'))).toBe(true);
				// Two skopeo processes: a loaded machine (CI beside other jobs) took over 30 s once.
			}, 120_000);
		});
	}

	it('docker-legacy with symlinkLayers is skopeo docker-archive: <diffid>.tar plus <id>/layer.tar symlinks', async () => {
		const out = tmp('skopeo-style.tar');
		const image = await writeImage(richSpec(), {format: 'docker-legacy', symlinkLayers: true, outPath: out});
		const names = ok('tar', ['-tf', out]).toString().trim().split('\n');
		const hex = image.diffIds[0]!.slice(7);
		expect(names[0]).toBe(`${hex}.tar`);
		expect(names.slice(-2)).toEqual(['manifest.json', 'repositories']);
		const dir = unpackImage(out);
		const {entry} = verifyDockerManifest(dir);
		expect(entry.Layers).toEqual(image.diffIds.map(d => `${d.slice(7)}.tar`));
		const ids = names.filter(n => n.endsWith('/layer.tar'));
		expect(ids).toHaveLength(3);
		for (const id of ids) expect(readlinkSync(path.join(dir, id))).toMatch(/^\.\.\/[0-9a-f]{64}\.tar$/);
		const repositories = readJson(path.join(dir, 'repositories'));
		expect(repositories).toEqual({'example.test/fixture': {'1': ids.at(-1)!.split('/')[0]}});
		const top = readJson(path.join(dir, ids.at(-1)!.replace('layer.tar', 'json')));
		expect(top.config.Cmd).toEqual(['/bin/tool']);
	});

	it('docker25 has what Docker 25 writes: blob dirs, index with image name and tag, manifest.json, repositories', async () => {
		const out = tmp('docker25.tar');
		const image = await writeImage({...richSpec(), repoTags: ['alpine:3.19', 'registry.example:5000/team/app:v2']}, {format: 'docker25', outPath: out});
		const names = ok('tar', ['-tf', out]).toString().trim().split('\n');
		expect(names.slice(0, 2)).toEqual(['blobs/', 'blobs/sha256/']);
		expect(names.slice(-4)).toEqual(['index.json', 'manifest.json', 'oci-layout', 'repositories']);
		const dir = unpackImage(out);
		const index = readJson(path.join(dir, 'index.json'));
		expect(index.manifests.map((m: any) => m.annotations)).toEqual([
			{'io.containerd.image.name': 'docker.io/library/alpine:3.19', 'org.opencontainers.image.ref.name': '3.19'},
			{'io.containerd.image.name': 'registry.example:5000/team/app:v2', 'org.opencontainers.image.ref.name': 'v2'},
		]);
		expect(index.manifests.every((m: any) => m.digest === image.manifestDigest)).toBe(true);
		expect(readJson(path.join(dir, 'manifest.json'))[0].RepoTags).toEqual(['alpine:3.19', 'registry.example:5000/team/app:v2']);
		expect(Object.keys(readJson(path.join(dir, 'repositories')))).toEqual(['alpine', 'registry.example:5000/team/app']);
	});

	it('orders the outer tar as asked', async () => {
		const listing = async (order: 'index-last' | 'index-first' | 'reverse') => {
			const out = tmp(`order-${order}.tar`);
			await writeImage(richSpec(), {format: 'oci-archive', order, outPath: out});
			return ok('tar', ['-tf', out]).toString().trim().split('\n');
		};
		const last = await listing('index-last');
		expect(last.slice(-2)).toEqual(['index.json', 'oci-layout']);
		const first = await listing('index-first');
		expect(first.slice(0, 2)).toEqual(['index.json', 'oci-layout']);
		expect(await listing('reverse')).toEqual([...last].reverse());
	});

	it('gzips the whole archive when asked', async () => {
		const out = tmp('outer.tar.gz');
		await writeImage(richSpec(), {format: 'docker25', outerGzip: true, outPath: out});
		ok('gzip', ['-t', out]);
		expect(ok('tar', ['-tzf', out]).toString()).toContain('index.json');
		verifyOciLayout(unpackImage(out));
	});

	it('labels blobs with the wrong media type when asked', async () => {
		const gz = await writeImage(richSpec(), {format: 'oci-dir', compression: 'gzip', mediaTypeLie: true, outPath: tmp('lie-gz')});
		expect(gz.manifest!.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
		expect(readFileSync(path.join(gz.path, gz.where.layers[0]!)).subarray(0, 2).toString('hex')).toBe('1f8b');
		const raw = await writeImage(richSpec(), {format: 'oci-dir', compression: 'none', mediaTypeLie: true, outPath: tmp('lie-raw')});
		expect(raw.manifest!.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
		expect(listTar(readFileSync(path.join(raw.path, raw.where.layers[0]!))).length).toBeGreaterThan(0);
	});

	it('uses Docker schema 2 media types with flavor docker, and a ref name of choice', async () => {
		const image = await writeImage(richSpec(), {format: 'oci-dir', flavor: 'docker', refName: 'custom', outPath: tmp('flavor')});
		expect(image.manifest!.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
		expect(image.manifest!.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
		expect(image.manifest!.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
		expect(readJson(path.join(image.path, 'index.json')).manifests[0].annotations).toEqual({'org.opencontainers.image.ref.name': 'custom'});
		verifyOciLayout(image.path);
	});

	it('zstd-chunked-like layers carry the zstd:chunked annotations', async () => {
		const image = await writeImage(richSpec(), {format: 'oci-dir', compression: 'zstd-chunked-like', outPath: tmp('chunked')});
		for (const layer of image.manifest!.layers) {
			expect(Object.keys(layer.annotations)).toEqual(['io.containers.zstd-chunked.manifest-checksum', 'io.containers.zstd-chunked.manifest-position']);
		}
	});

	describe('multi-platform layout', () => {
		it('nests an image index with platform and attestation manifests; missing platforms have no blobs', async () => {
			const out = tmp('multi');
			const written = await writeMultiPlatformLayout({outPath: out, missingPlatforms: ['linux/arm/v7'], refNames: ['latest', 'v1'], dockerManifest: true});
			const top = readJson(path.join(out, 'index.json'));
			expect(top.manifests.map((m: any) => m.annotations['org.opencontainers.image.ref.name'])).toEqual(['latest', 'v1']);
			expect(top.manifests.every((m: any) => m.mediaType === 'application/vnd.oci.image.index.v1+json')).toBe(true);
			const nested = readJson(blobPath(out, top.manifests[0].digest));
			expect(sha256(readFileSync(blobPath(out, top.manifests[0].digest)))).toBe(top.manifests[0].digest);
			const platforms = nested.manifests.map((m: any) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'));
			expect(platforms).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'unknown/unknown', 'unknown/unknown', 'unknown/unknown']);
			const attestations = nested.manifests.slice(3);
			expect(attestations.map((a: any) => a.annotations['vnd.docker.reference.type'])).toEqual(['attestation-manifest', 'attestation-manifest', 'attestation-manifest']);
			expect(attestations.map((a: any) => a.annotations['vnd.docker.reference.digest'])).toEqual(nested.manifests.slice(0, 3).map((m: any) => m.digest));

			for (const image of written.images) {
				expect(existsSync(blobPath(out, image.manifestDigest))).toBe(image.present);
				if (!image.present) continue;
				const manifest = readJson(blobPath(out, image.manifestDigest));
				const layer = decompressCli(readFileSync(blobPath(out, manifest.layers[0].digest)));
				expect(sha256(layer)).toBe(image.diffIds[0]);
				const dir = extractTar(layer);
				expect(readFileSync(path.join(dir, 'platform'), 'utf8')).toBe(image.platform);
				expect(readFileSync(path.join(dir, 'ref'), 'utf8')).toBe(image.refName);
			}
			expect(written.images.filter(i => !i.present).map(i => i.platform)).toEqual(['linux/arm/v7', 'linux/arm/v7']);
			const [entry] = readJson(path.join(out, 'manifest.json'));
			expect(entry.RepoTags).toEqual(['fixture:latest']);
			expect(entry.Config).toBe(`blobs/sha256/${written.images[0]!.configDigest.slice(7)}`);
		});

		it('can list platform manifests directly in index.json, and write an archive', async () => {
			const out = tmp('multi-flat.tar');
			const written = await writeMultiPlatformLayout({outPath: out, archive: true, nestedIndex: false, attestations: false, platforms: ['linux/amd64', 'linux/s390x']});
			const dir = unpackImage(out);
			const manifests = verifyOciLayout(dir);
			expect(manifests).toHaveLength(2);
			expect(readJson(path.join(dir, 'index.json')).manifests.map((m: any) => m.platform.architecture)).toEqual(['amd64', 's390x']);
			expect(written.indexDigests).toEqual({latest: null});
		});

		it.runIf(hasSkopeo)('skopeo picks each platform out of it', async () => {
			const out = tmp('multi-skopeo');
			await writeMultiPlatformLayout({outPath: out, missingPlatforms: ['linux/arm/v7']});
			const amd64 = JSON.parse(ok('skopeo', ['inspect', '--config', `oci:${out}:latest`]).toString());
			expect(amd64.architecture).toBe('amd64');
			const arm64 = JSON.parse(ok('skopeo', ['--override-arch', 'arm64', '--override-variant', 'v8', 'inspect', '--config', `oci:${out}:latest`]).toString());
			expect(arm64.architecture).toBe('arm64');
			const missing = run('skopeo', ['--override-arch', 'arm', '--override-variant', 'v7', 'inspect', '--config', `oci:${out}:latest`]);
			expect(missing.status).not.toBe(0);
		});
	});
});

// -------------------------------------------------------------------------------------------------

describe('bad-inputs', () => {
	function layoutOf(imagePath: string): string {
		return unpackImage(imagePath);
	}

	it('truncateFile and corruptBytesAt change exactly what they say', () => {
		const file = writeTemp('bytes.bin', Buffer.from('0123456789'));
		corruptBytesAt(file, 2, 2);
		expect(readFileSync(file)).toEqual(Buffer.from([0x30, 0x31, 0x32 ^ 0xff, 0x33 ^ 0xff, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]));
		corruptBytesAt(file, 0, Buffer.from('ab'));
		truncateFile(file, 4);
		expect(readFileSync(file).subarray(0, 2).toString()).toBe('ab');
		expect(statSync(file).size).toBe(4);
	});

	it('a truncated archive: GNU tar reports the archive as cut short', async () => {
		const bad = await writeTruncatedArchive({outPath: tmp('truncated.tar')});
		const result = run('tar', ['-tf', bad.path]);
		expect(result.status).not.toBe(0);
		expect(result.stderr).toMatch(/Unexpected EOF/);
	});

	for (const damage of ['deflate', 'crc', 'truncated'] as const) {
		it(`a corrupt gzip layer (${damage}): gzip -t fails, yet the manifest digest matches the blob`, async () => {
			const bad = await writeCorruptGzipLayer({outPath: tmp(`gz-${damage}`), damage});
			const blobFile = path.join(bad.path, bad.image.where.layers[1]!);
			expect(run('gzip', ['-t', blobFile]).status).not.toBe(0);
			expect(sha256(readFileSync(blobFile))).toBe(bad.image.layerDigests[1]);
			verifyOciLayoutBlobsOnly(bad.path);
		});
	}

	for (const damage of ['checksum', 'block', 'truncated'] as const) {
		it(`a corrupt zstd layer (${damage}): zstd -t fails, yet the manifest digest matches the blob`, async () => {
			const bad = await writeCorruptZstdLayer({outPath: tmp(`zst-${damage}`), damage});
			const blobFile = path.join(bad.path, bad.image.where.layers[1]!);
			expect(run('zstd', ['-tq', blobFile]).status).not.toBe(0);
			expect(sha256(readFileSync(blobFile))).toBe(bad.image.layerDigests[1]);
			verifyOciLayoutBlobsOnly(bad.path);
		});
	}

	for (const which of ['layer', 'config', 'manifest'] as const) {
		it(`a missing ${which} blob`, async () => {
			const bad = await writeMissingBlob({outPath: tmp(`missing-${which}`), which});
			const missingPath = which === 'layer' ? bad.image.where.layers[0]! : which === 'config' ? bad.image.where.config : bad.image.where.manifest!;
			expect(existsSync(path.join(bad.path, missingPath))).toBe(false);
			expect(readdirSync(path.join(bad.path, 'blobs/sha256')).length).toBeGreaterThan(0);
		});
	}

	it('a missing layer in docker-legacy: manifest.json names a file the archive lacks', async () => {
		const bad = await writeMissingBlob({outPath: tmp('missing-legacy.tar'), format: 'docker-legacy'});
		const names = ok('tar', ['-tf', bad.path]).toString().split('\n');
		const [entry] = readJson(path.join(layoutOf(bad.path), 'manifest.json'));
		expect(names).not.toContain(entry.Layers[0]);
	});

	for (const format of ['oci-dir', 'docker25', 'docker-legacy'] as const) {
		it(`a manifest naming a blob that does not exist (${format})`, async () => {
			const bad = await writeManifestWithUnknownBlob({outPath: tmp(`unknown-${format}${format === 'oci-dir' ? '' : '.tar'}`), format});
			const dir = layoutOf(bad.path);
			const [entry] = existsSync(path.join(dir, 'manifest.json')) ? readJson(path.join(dir, 'manifest.json')) : [null];
			if (entry) expect(existsSync(path.join(dir, entry.Layers[0]))).toBe(false);
			if (format !== 'docker-legacy') {
				expect(existsSync(blobPath(dir, bad.image.manifest!.layers[0].digest))).toBe(false);
				// Everything the index names up to the manifest is intact.
				const top = readJson(path.join(dir, 'index.json')).manifests[0];
				expect(sha256(readFileSync(blobPath(dir, top.digest)))).toBe(top.digest);
			}
		});
	}

	it('a config whose diff_id does not match its layer', async () => {
		const bad = await writeDiffIdMismatch({outPath: tmp('diffid')});
		const layer = decompressCli(readFileSync(path.join(bad.path, bad.image.where.layers[0]!)));
		expect(sha256(layer)).not.toBe(bad.image.config.rootfs.diff_ids[0]);
		expect(sha256(decompressCli(readFileSync(path.join(bad.path, bad.image.where.layers[1]!))))).toBe(bad.image.config.rootfs.diff_ids[1]);
		verifyOciLayoutBlobsOnly(bad.path);
	});

	for (const which of ['layer', 'config'] as const) {
		it(`a ${which} blob whose bytes do not match its name`, async () => {
			const bad = await writeBlobDigestMismatch({outPath: tmp(`mismatch-${which}`), which});
			const file = path.join(bad.path, which === 'layer' ? bad.image.where.layers[0]! : bad.image.where.config);
			expect(`sha256:${path.basename(file)}`).not.toBe(sha256(readFileSync(file)));
			if (which === 'layer') expect(listTar(readFileSync(file)).length).toBe(3);
		});

		it.runIf(hasSkopeo)(`skopeo refuses to copy an image whose ${which} blob does not match its name`, async () => {
			const bad = await writeBlobDigestMismatch({outPath: tmp(`mismatch-skopeo-${which}`), which});
			const result = run('skopeo', ['copy', '-q', `oci:${bad.path}`, `dir:${tmpDir('copy')}`]);
			expect(result.status).not.toBe(0);
			expect(result.stderr).toMatch(/digest/i);
		});
	}

	it('a layer whose entries escape the root', async () => {
		const bad = await writePathEscapeLayer({outPath: tmp('escape')});
		const layer = decompressCli(readFileSync(path.join(bad.path, bad.image.where.layers[1]!)));
		const names = listTar(layer).map(l => l.replace(/^(\S+ +){5}/, ''));
		expect(names).toEqual([
			'../../etc/passwd',
			'a/../../outside.txt',
			'./../dot-escape.txt',
			'hard link to etc/shadow', // GNU tar strips the leading ../ when listing link targets
			'up -> ../../../../',
			'up/etc/through-symlink.txt',
		]);
		expect(escapingEntries()).toHaveLength(6);
		// …but the archive holds the target as written: find the hard link's header and read its linkname field.
		const hardHeader = [...Array(layer.length / 512).keys()].map(i => layer.subarray(i * 512, i * 512 + 512)).find(h => h.toString('latin1', 0, 5) === 'hard\0')!;
		expect(hardHeader.toString('latin1', 157, 157 + 17)).toBe('../../etc/shadow\0');
		// GNU tar itself refuses the .. members.
		const result = run('tar', ['-xf', writeTemp('escape.tar', layer), '-C', tmpDir('escape-x')]);
		expect(result.stderr).toMatch(/Member name contains '\.\.'|contains `\.\.'/);
	});

	it('a layer with hostile names', async () => {
		const bad = await writeHostileNamesLayer({outPath: tmp('hostile')});
		const layer = decompressCli(readFileSync(path.join(bad.path, bad.image.where.layers[1]!)));
		const names = ok('tar', ['-tf', writeTemp('hostile.tar', layer), '--quoting-style=escape']).toString().trimEnd().split('\n');
		expect(names).toEqual([
			'\\033]0;pwned\\a',
			'red-\\033[31mtext\\033[0m.txt',
			'x'.repeat(5000),
			'line\\nbreak',
			'rtl-\\342\\200\\256txt.exe', // U+202E, octal-escaped in the C locale
			'escape-link',
			'bad\\377\\376.txt',
		]);
		expect(hostileEntries()).toHaveLength(7);
	});

	it('an empty file and a directory that is not a layout', () => {
		const empty = writeEmptyFile(tmp('empty.tar'));
		expect(statSync(empty).size).toBe(0);
		const dir = writeNotALayout(tmp('plain-dir'));
		expect(readdirSync(dir).sort()).toEqual(['blobs', 'hello.txt', 'manifest.txt']);
		expect(existsSync(path.join(dir, 'oci-layout'))).toBe(false);
	});
});

/** For deliberately broken images: every blob the manifests name exists and hashes to its name (layers not decoded). */
function verifyOciLayoutBlobsOnly(layout: string): void {
	const index = readJson(path.join(layout, 'index.json'));
	for (const descriptor of index.manifests) {
		const manifestBytes = readFileSync(blobPath(layout, descriptor.digest));
		expect(sha256(manifestBytes)).toBe(descriptor.digest);
		const manifest = JSON.parse(manifestBytes.toString());
		for (const blob of [manifest.config, ...manifest.layers]) {
			const data = readFileSync(blobPath(layout, blob.digest));
			expect(sha256(data)).toBe(blob.digest);
			expect(data.length).toBe(blob.size);
		}
	}
}
