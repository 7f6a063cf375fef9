/**
 * eStargz and zstd:chunked layers read through their tables of contents: `cat` of every file equals
 * its bytes; a file at the end of a large chunked layer is read without decompressing the rest (the
 * bytes read from the blob are counted); a layer the cache gave is read chunk by chunk, and a chunk
 * altered since is refused; a TOC whose digest is not the one the descriptor states is not used; a
 * hostile TOC (names that climb, offsets outside the blob, sizes that do not add up) locates nothing.
 */
import {createHash, randomBytes} from 'node:crypto';
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {filesystemAt} from '../../source/cli/files-command.js';
import {readChunkToc, type BlobAccess} from '../../source/content/chunk-toc.js';
import {copyFileContent, writeFileContent} from '../../source/content/file-content.js';
import {findFile} from '../../source/content/find-file.js';
import type {LayerSource} from '../../source/content/layer-source.js';
import {chunkedLayer, estargzFooter, type ChunkedFormat} from '../fixtures/chunked-layer.js';
import {writeImage} from '../fixtures/image-writer.js';
import {sampleImage} from '../interop/sample-image.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {Collect, openForReading} from './read-back.js';
import {runBinary} from './run-binary.js';
import {FaultProxy} from '../helpers/servers/fault-proxy.js';
import {RegistryServer} from '../helpers/servers/registry-server.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-toc-test-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

const FORMATS: ChunkedFormat[] = ['estargz', 'zstd-chunked'];
const BIG = randomBytes(300 * 1024);
const FILES: EntrySpec[] = [
	{type: 'dir', path: 'etc'},
	{type: 'file', path: 'etc/hosts', content: '127.0.0.1 localhost\n'},
	{type: 'file', path: 'etc/empty', content: ''},
	{type: 'file', path: 'data/big', content: BIG},
	{type: 'hardlink', path: 'data/big-link', target: 'data/big'},
	{type: 'symlink', path: 'data/hosts', target: '/etc/hosts'},
	{type: 'file', path: 'data/exact', content: Buffer.alloc(128 * 1024, 'x')},
];
const EXPECTED: Array<[string, Buffer]> = [
	['/etc/hosts', Buffer.from('127.0.0.1 localhost\n')],
	['/etc/empty', Buffer.alloc(0)],
	['/data/big', BIG],
	['/data/big-link', BIG],
	['/data/hosts', Buffer.from('127.0.0.1 localhost\n')],
	['/data/exact', Buffer.alloc(128 * 1024, 'x')],
];

let count = 0;
async function chunkedImage(format: ChunkedFormat, specs: readonly EntrySpec[], options: Parameters<typeof chunkedLayer>[2] & {annotations?: Record<string, string>} = {}) {
	const layer = chunkedLayer(specs, format, options);
	const written = await writeImage(
		{layers: [{blob: layer.blob, diffId: layer.diffId, mediaType: layer.mediaType, annotations: options.annotations ?? layer.annotations}]},
		{format: 'oci-dir', outPath: path.join(scratch, `${format}-${count++}`)},
	);
	return {written, layer, blobPath: path.join(written.path, written.where.layers[0]!)};
}

/** The source, with what a read asks of it counted: bytes of the blob read by range, and plain (whole-stream) reads. */
function counted(source: LayerSource) {
	const counts = {blobBytes: 0, plainReads: 0};
	const wrapped: LayerSource = {
		uncompressed: (layer, from, length) => (counts.plainReads++, source.uncompressed(layer, from, length)),
		verifiedInThisRun: layer => source.verifiedInThisRun(layer),
		chunkToc: layer => source.chunkToc!(layer),
		blob: layer => {
			const blob = source.blob!(layer);
			return {
				size: blob.size,
				read: async function* (start, end) {
					for await (const chunk of blob.read(start, end)) {
						counts.blobBytes += chunk.length;
						yield chunk;
					}
				},
			};
		},
		close: () => source.close(),
	};
	return {counts, source: wrapped};
}

async function catWith(input: string, file: string) {
	const opened = await openForReading(input);
	try {
		const {counts, source} = counted(opened.source);
		const out = new Collect();
		await writeFileContent(opened.image, source, findFile(filesystemAt(opened.image, 0), file, input), out, {verify: true});
		return {bytes: out.bytes, counts};
	} finally {
		await opened.close();
	}
}

/** Bytes this process has read from files so far (Linux). */
function bytesReadByProcess(): number {
	return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(FORMATS)('%s: files read through the table of contents', format => {
	it('cat of every file equals its bytes, and no file is read by decompressing the layer from its start', async () => {
		const {written} = await chunkedImage(format, FILES);
		for (const [file, bytes] of EXPECTED) {
			const {bytes: got, counts} = await catWith(written.path, file);
			expect(sha(got), file).toBe(sha(bytes));
			expect(counts.plainReads, file).toBe(0);
		}
	});

	it('the CLI gives the same bytes', async () => {
		const {written} = await chunkedImage(format, FILES);
		for (const [file, bytes] of EXPECTED) {
			const result = await runBinary(['cat', written.path, file]);
			expect(result.stderr, file).toBe('');
			expect(result.code, file).toBe(0);
			expect(sha(result.stdout), file).toBe(sha(bytes));
		}
	});

	it('a small file at the end of a 64 MiB layer: under 1 MiB of the blob is read', async () => {
		const specs: EntrySpec[] = Array.from({length: 16}, (_, i): EntrySpec => ({type: 'file', path: `fill/${i}`, content: randomBytes(4 * 1024 * 1024)}));
		specs.push({type: 'file', path: 'last', content: 'the last file\n'});
		const {written, layer} = await chunkedImage(format, specs, {chunkSize: 1024 * 1024});
		expect(layer.blob.length).toBeGreaterThan(64 * 1024 * 1024);
		const opened = await openForReading(written.path);
		try {
			const {counts, source} = counted(opened.source);
			const found = findFile(filesystemAt(opened.image, 0), '/last', written.path);
			const out = new Collect();
			const before = bytesReadByProcess();
			await writeFileContent(opened.image, source, found, out, {verify: true});
			const read = bytesReadByProcess() - before;
			expect(out.bytes.toString()).toBe('the last file\n');
			expect(counts.plainReads).toBe(0);
			expect(counts.blobBytes).toBeLessThan(64 * 1024);
			// Everything read from files, the TOC included: far below the layer's 64 MiB.
			expect(read).toBeLessThan(1024 * 1024);
		} finally {
			await opened.close();
		}
	}, 120_000);

	it('a layer the cache gave is read chunk by chunk: a chunk altered since is refused (one line, exit 2), the other files still read', async () => {
		const {written, blobPath} = await chunkedImage(format, FILES);
		const env = {LAYERSCOPE_CACHE_DIR: path.join(scratch, `cache-${count++}`)};
		expect((await runBinary(['cat', written.path, '/etc/hosts'], {env})).code).toBe(0);
		// Alter a byte inside big's second chunk (same size, same time: the cache takes the blob for the one it read).
		const blob = readFileSync(blobPath);
		const toc = (await readChunkToc(bufferBlob(blob), format === 'estargz' ? 'gzip' : 'zstd', {format, digest: null, position: positionOf(written, format)}))!;
		const chunk = toc.files.get('/data/big')!.chunks[1]!;
		const times = statSync(blobPath);
		const fd = openSync(blobPath, 'r+');
		// A stored zstd block or a gzip member's deflate data: a byte in its middle changes the chunk's bytes or breaks it; either way it is refused.
		const at = Math.floor((chunk.start + chunk.end) / 2);
		writeSync(fd, Buffer.from([blob[at]! ^ 0xff]), 0, 1, at);
		closeSync(fd);
		utimesSync(blobPath, times.atime, times.mtime);
		const altered = await runBinary(['cat', written.path, '/data/big'], {env});
		expect(altered.code).toBe(2);
		expect(altered.stderr.trimEnd().split('\n')).toHaveLength(1);
		expect(altered.stderr).toMatch(/layer 0, "\/data\/big": chunk 2 of 5 \(blob bytes \d+-\d+\)/);
		// Only big's chunk changed: another file of the cached layer still reads, from its own chunk (no whole-layer check that would fail).
		const other = await runBinary(['cat', written.path, '/etc/hosts'], {env});
		expect(other.stderr).toBe('');
		expect(other.stdout.toString()).toBe('127.0.0.1 localhost\n');
		// Without the cache, the load itself refuses the altered blob.
		expect((await runBinary(['cat', written.path, '/etc/hosts', '--no-cache'])).code).toBe(2);
	}, 60_000);

	it("a bounded read (the viewer's) reads the file's first chunk only", async () => {
		const {written} = await chunkedImage(format, FILES);
		const opened = await openForReading(written.path);
		try {
			const {counts, source} = counted(opened.source);
			const out = new Collect();
			const {complete} = await copyFileContent(opened.image, source, findFile(filesystemAt(opened.image, 0), '/data/big', written.path), out, {verify: true, limit: 1000});
			expect(complete).toBe(false);
			expect(out.bytes.equals(BIG.subarray(0, 1000))).toBe(true);
			expect(counts.plainReads).toBe(0);
			// One 64 KiB chunk of random bytes, compressed (no smaller): not the file's 300 KiB.
			expect(counts.blobBytes).toBeLessThan(80 * 1024);
		} finally {
			await opened.close();
		}
	});

	it('extract writes the same bytes', async () => {
		const {written} = await chunkedImage(format, FILES);
		const to = path.join(scratch, `extracted-${count++}`);
		const result = await runBinary(['extract', written.path, '/data', '/etc', '--to', to]);
		expect(result.stderr).toMatch(/^layerscope: 4 files, 2 dirs, 2 links/);
		expect(result.code).toBe(0);
		for (const [file, bytes] of EXPECTED) if (file !== '/data/hosts') expect(sha(readFileSync(path.join(to, file))), file).toBe(sha(bytes));
	});

	it('a TOC whose digest is not the one the descriptor states is not used: the file is read the plain way, and is right', async () => {
		const wrong = format === 'estargz' ? {'containerd.io/snapshot/stargz/toc.digest': `sha256:${'0'.repeat(64)}`} : undefined;
		const layer = chunkedLayer(FILES, format);
		const annotations = wrong ?? {...layer.annotations, 'io.github.containers.zstd-chunked.manifest-checksum': `sha256:${'0'.repeat(64)}`};
		const {written} = await chunkedImage(format, FILES, {annotations});
		const {bytes, counts} = await catWith(written.path, '/data/big');
		expect(sha(bytes)).toBe(sha(BIG));
		expect(counts.plainReads).toBe(1);
		expect(counts.blobBytes).toBe(0);
	});
});

describe('eStargz without a TOC digest annotation', () => {
	it('the TOC is trusted through stargz.index.json, whose digest the load recorded from the verified tar', async () => {
		const {written} = await chunkedImage('estargz', FILES, {tocDigest: false});
		const {bytes, counts} = await catWith(written.path, '/data/big');
		expect(sha(bytes)).toBe(sha(BIG));
		expect(counts.plainReads).toBe(0);
	});
});

describe('zstd:chunked without annotations', () => {
	it('has no trusted TOC: read the plain way', async () => {
		const {written} = await chunkedImage('zstd-chunked', FILES, {annotations: {}});
		const {bytes, counts} = await catWith(written.path, '/data/big');
		expect(sha(bytes)).toBe(sha(BIG));
		expect(counts.plainReads).toBe(1);
	});
});

function bufferBlob(bytes: Buffer): BlobAccess {
	return {
		size: bytes.length,
		read: async function* (start, end) {
			yield bytes.subarray(start, end);
		},
	};
}

function positionOf(written: Awaited<ReturnType<typeof writeImage>>, format: ChunkedFormat) {
	if (format === 'estargz') return null;
	const manifest = JSON.parse(readFileSync(path.join(written.path, written.where.manifest!), 'utf8'));
	const [offset, length, uncompressedLength] = manifest.layers[0].annotations['io.github.containers.zstd-chunked.manifest-position'].split(':').map(Number);
	return {offset, length, uncompressedLength};
}

describe('a hostile table of contents locates nothing it should not', () => {
	/** An eStargz blob whose TOC is the given JSON (data: one gzip member of 1,000 bytes). */
	const withToc = async (entries: unknown[]) => {
		const {gzipSync} = await import('node:zlib');
		const {buildLayerTar} = await import('../fixtures/layer-builder.js');
		const data = gzipSync(Buffer.alloc(1000, 'a'));
		const toc = gzipSync(buildLayerTar([{type: 'file', path: 'stargz.index.json', content: JSON.stringify({version: 1, entries})}]));
		return readChunkToc(bufferBlob(Buffer.concat([data, toc, estargzFooter(data.length)])), 'gzip', undefined);
	};
	const digest = `sha256:${sha(Buffer.alloc(1000, 'a'))}`;

	it('a well-formed entry is located', async () => {
		const toc = await withToc([{type: 'reg', name: './a', size: 1000, offset: 0, digest}]);
		expect(toc!.files.get('/a')).toEqual({size: 1000, sha256: digest.slice(7), chunks: [{start: 0, end: expect.any(Number), size: 1000, sha256: digest.slice(7)}]});
	});

	it('names that climb, offsets past the data, chunks that do not cover the file, bad digests: none located', async () => {
		const toc = await withToc([
			{type: 'reg', name: '../../etc/passwd', size: 1000, offset: 0, digest},
			{type: 'reg', name: 'past', size: 1000, offset: 10_000_000, digest},
			{type: 'reg', name: 'gap', size: 2000, offset: 0, chunkSize: 1000, digest},
			{type: 'reg', name: 'huge', size: 1e15, offset: 0, digest},
			{type: 'reg', name: 'digest', size: 1000, offset: 0, digest: 'sha256:../../x'},
			{type: 'reg', name: 'negative', size: 1000, offset: -1, digest},
			{type: 'reg', name: 'unknown-chunk-type', size: 1000, offset: 0, chunkType: 'holes', chunkDigest: digest, digest},
		]);
		expect([...toc!.files.keys()]).toEqual([]);
	});

	it('a footer pointing outside the blob, or a TOC that is not JSON: no TOC', async () => {
		expect(await readChunkToc(bufferBlob(Buffer.concat([Buffer.alloc(100), estargzFooter(1e12)])), 'gzip', undefined)).toBeNull();
		expect(await withTocText('not json')).toBeNull();
	});

	it('a zstd:chunked position larger than the limit is not read', async () => {
		const blob = bufferBlob(Buffer.alloc(1000));
		expect(await readChunkToc(blob, 'zstd', {format: 'zstd-chunked', digest: null, position: {offset: 8, length: 100 * 1024 * 1024, uncompressedLength: 10}})).toBeNull();
		expect(await readChunkToc(blob, 'zstd', {format: 'zstd-chunked', digest: null, position: {offset: 900, length: 200, uncompressedLength: 10}})).toBeNull();
	});

	async function withTocText(text: string) {
		const {gzipSync} = await import('node:zlib');
		const {buildLayerTar} = await import('../fixtures/layer-builder.js');
		const data = gzipSync(Buffer.alloc(1000, 'a'));
		const toc = gzipSync(buildLayerTar([{type: 'file', path: 'stargz.index.json', content: text}]));
		return readChunkToc(bufferBlob(Buffer.concat([data, toc, estargzFooter(data.length)])), 'gzip', undefined);
	}
});

describe('the zstd:chunked image skopeo writes (test/interop)', () => {
	it('every regular file is read through its TOC, and equals the same file of the gzip form', async () => {
		const chunked = await openForReading(sampleImage('sample.chunked.oci'));
		const gzip = await openForReading(sampleImage('sample.oci'));
		try {
			let read = 0;
			for (const layer of chunked.image.layers) {
				// As the layer left it: a file a later layer removes is still read.
				const fs = filesystemAt(chunked.image, layer.index);
				for (let index = 0; index < layer.entries.length; index++) {
					if (layer.entries.typeOf(index) !== 'file' || layer.entries.sizeOf(index) === 0) continue;
					const file = layer.entries.pathOf(index);
					const found = findFile(fs, file, chunked.image.input);
					if (found.layer !== layer.index || found.index !== index) continue;
					const {counts, source} = counted(chunked.source);
					const out = new Collect();
					await writeFileContent(chunked.image, source, found, out, {verify: true});
					expect(counts.plainReads, file).toBe(0);
					expect(sha(out.bytes), file).toBe(sha(await gzip.cat(file, layer.index)));
					read++;
				}
			}
			expect(read).toBeGreaterThanOrEqual(5);
		} finally {
			await Promise.all([chunked.close(), gzip.close()]);
		}
	}, 120_000);
});

describe('a chunked layer in a registry', () => {
	it.each(['estargz', 'zstd-chunked'] as const)('%s: a file is fetched by range requests for the TOC and its chunks, not the whole blob', async format => {
		const registry = await RegistryServer.start();
		const proxy = await FaultProxy.start(registry.host);
		try {
			// 6 MiB that no compressor folds away, then the file asked for.
			const specs: EntrySpec[] = [{type: 'file', path: 'data/bulk', content: randomBytes(6 * 1024 * 1024)}, {type: 'file', path: 'etc/last', content: 'the last file\n'}];
			const {written, layer} = await chunkedImage(format, specs);
			await registry.push(`oci:${written.path}:1`, 'chunked:1', ['--preserve-digests']);
			const image = `registry://${proxy.host}/chunked:1`;
			const digest = written.layerDigests[0]!;
			proxy.sent.length = 0;
			const result = await runBinary(['cat', image, '/etc/last', '--insecure', '--no-cache']);
			expect(result.stderr).toBe('');
			expect(result.stdout.toString()).toBe('the last file\n');
			// The load downloads the blob once (to read and verify it); cat's own requests are ranges, far less than a second copy.
			const blobRequests = proxy.sent.filter(sent => sent.path.endsWith(digest));
			expect(blobRequests[0]!.bytes).toBe(layer.blob.length);
			const again = blobRequests.slice(1).reduce((sum, sent) => sum + sent.bytes, 0);
			expect(blobRequests.length).toBeGreaterThan(1);
			expect(again).toBeLessThan(layer.blob.length / 20);
		} finally {
			await proxy.stop();
			await registry.stop();
		}
	}, 60_000);
});
