import {execFileSync} from 'node:child_process';
import {existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {filesystemAt, fileRecord} from '../../source/cli/files-command.js';
import {loadImage} from '../../source/image/load.js';
import type {Image} from '../../source/model.js';
import {walkTree} from '../../source/tree/filesystem.js';
import {FORMATS, writeImage, type Format, type ImageSpec} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {runCli} from '../helpers/run-cli.js';
import {storageIndependent} from '../helpers/model.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-formats-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let counter = 0;
const out = (name: string) => path.join(scratch, `${counter++}-${name}`);

const bytes = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed * 7) % 251));

/** Every changeset rule of the OCI image spec in three layers, plus the tar spellings real producers use. */
const kitchenSink: ImageSpec = {
	layers: [
		{
			entries: [
				{type: 'dir', path: 'etc'},
				{type: 'file', path: 'etc/hosts', content: '127.0.0.1 localhost\n'},
				{type: 'file', path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n'},
				{type: 'hardlink', path: 'etc/hosts.hard', target: 'etc/hosts'},
				{type: 'dir', path: 'usr/lib'},
				{type: 'symlink', path: 'lib', target: 'usr/lib'},
				{type: 'file', path: 'usr/lib/libc.so', content: bytes(3000, 1), mode: 0o755},
				{type: 'dir', path: 'opq'},
				{type: 'file', path: 'opq/a', content: 'a'},
				{type: 'file', path: 'opq/b', content: 'b'},
				{type: 'dir', path: 'gone'},
				{type: 'file', path: 'gone/x', content: bytes(500, 2)},
				{type: 'file', path: 'willdir', content: 'file first'},
				{type: 'dir', path: 'willfile'},
				{type: 'file', path: 'willfile/child', content: 'child'},
				{type: 'file', path: 'target', content: 'v1'},
				{type: 'char', path: 'dev/null', devmajor: 1, devminor: 3, mode: 0o666},
				{type: 'block', path: 'dev/sda', devmajor: 8, devminor: 0, mode: 0o660},
				{type: 'fifo', path: 'run/pipe', mode: 0o600},
				{type: 'file', path: 'dot/file', content: 'dot', name: 'dot-slash'},
				{type: 'file', path: 'slash/file', content: 'slash', name: 'slash'},
				{type: 'file', path: `long-pax/${'p'.repeat(150)}`, content: 'pax', longName: 'pax'},
				{type: 'file', path: `long-gnu/${'g'.repeat(150)}`, content: 'gnu', longName: 'gnu', magic: 'gnu'},
				{type: 'file', path: `${'d'.repeat(90)}/${'q'.repeat(90)}`, content: 'prefix', longName: 'prefix'},
				{type: 'symlink', path: 'long-link', target: 't'.repeat(180), longLink: 'gnu', magic: 'gnu'},
				{type: 'file', path: 'pax/owned', content: 'owned', pax: {uid: '70000', gid: '80000', mtime: '1700000000.5'}},
				{type: 'file', path: 'bin/su', content: bytes(100, 3), mode: 0o4755},
				{type: 'dir', path: 'tmp', mode: 0o1777},
				{type: 'file', path: 'deep/a/b/c/file', content: 'implied parents'},
				{type: 'file', path: 'twice', content: 'first'},
				{type: 'file', path: 'twice', content: 'second', mode: 0o600},
				{type: 'sparse', path: 'sparse/gnu', realSize: 70000, segments: [{offset: 4096, data: bytes(1024, 4)}, {offset: 65536, data: bytes(512, 5)}], format: 'gnu-old'},
				{type: 'sparse', path: 'sparse/pax00', realSize: 70000, segments: [{offset: 4096, data: bytes(1024, 4)}, {offset: 65536, data: bytes(512, 5)}], format: 'pax-0.0'},
				{type: 'sparse', path: 'sparse/pax01', realSize: 70000, segments: [{offset: 4096, data: bytes(1024, 4)}, {offset: 65536, data: bytes(512, 5)}], format: 'pax-0.1'},
				{type: 'sparse', path: 'sparse/pax10', realSize: 70000, segments: [{offset: 4096, data: bytes(1024, 4)}, {offset: 65536, data: bytes(512, 5)}], format: 'pax-1.0'},
			],
		},
		{
			entries: [
				{type: 'whiteout', path: 'gone'},
				{type: 'whiteout', path: 'etc/passwd'},
				{type: 'opaque', path: 'opq'},
				{type: 'file', path: 'opq/c', content: 'c'},
				{type: 'dir', path: 'willdir'},
				{type: 'file', path: 'willdir/inside', content: 'inside'},
				{type: 'file', path: 'willfile', content: 'was a directory'},
				{type: 'hardlink', path: 'keeper', target: 'target'},
				{type: 'file', path: 'lib/libextra.so', content: bytes(700, 6)},
			],
		},
		{
			entries: [
				{type: 'file', path: 'target', content: 'v2, rewritten'},
				{type: 'file', path: 'willdir', content: 'a file again'},
				{type: 'file', path: 'etc/hosts', content: '127.0.0.1 localhost\n', mode: 0o600},
			],
		},
	],
	history: [
		{created_by: '/bin/sh -c #(nop) ADD file:base in / '},
		{created_by: '/bin/sh -c #(nop) ENV A=1', empty_layer: true},
		{created_by: '/bin/sh -c change things'},
		{created_by: '/bin/sh -c rewrite things'},
		{created_by: '/bin/sh -c #(nop) CMD ["sh"]', empty_layer: true},
	],
	config: {User: '1000:1000', WorkingDir: '/app', Entrypoint: ['/bin/su'], Volumes: {'/data': {}}, Labels: {a: 'b'}, Healthcheck: {Test: ['CMD', 'true'], Interval: 30_000_000_000, Retries: 3}},
	repoTags: ['fixture.test/sink:1'],
};

function finalFiles(image: Image): Array<Record<string, unknown>> {
	return [...walkTree(filesystemAt(image))].map(([p, node]) => fileRecord(p, node));
}

describe('the kitchen-sink image in every format', () => {
	let reference: Image;
	beforeAll(async () => {
		const written = await writeImage(kitchenSink, {format: 'oci-dir', compression: 'none', outPath: out('reference')});
		reference = await loadImage(written.path);
	});

	const cases: Array<[Format, 'none' | 'gzip' | 'zstd' | 'estargz-like' | 'zstd-chunked-like']> = [];
	for (const format of FORMATS) for (const compression of ['none', 'gzip', 'zstd', 'estargz-like', 'zstd-chunked-like'] as const) if (format !== 'docker-legacy' || compression === 'none') cases.push([format, compression]);

	it.each(cases)('%s with %s layers gives the identical model', async (format, compression) => {
		const written = await writeImage(kitchenSink, {format, compression, outPath: out(`${format}-${compression}`), symlinkLayers: format === 'docker-legacy'});
		const image = await loadImage(written.path);
		expect(storageIndependent(image)).toEqual(storageIndependent(reference));
		expect(image.layers.map(layer => layer.diffId)).toEqual(written.diffIds);
		expect(image.id).toBe(written.configDigest);
		expect(image.manifestDigest).toBe(written.manifestDigest);
		if (format !== 'oci-dir') expect(image.repoTags).toEqual(format === 'oci-archive' ? [] : ['fixture.test/sink:1']);
	});

	it.each(['docker-legacy', 'docker25', 'oci-archive'] as const)('%s arrives on stdin in any order, gzip-compressed or not, and reads the same', async format => {
		for (const [order, outerGzip] of [['index-last', false], ['index-first', true], ['reverse', false]] as const) {
			const written = await writeImage(kitchenSink, {format, outPath: out(`${format}-${order}`), order, outerGzip, symlinkLayers: format === 'docker-legacy'});
			const result = await runCli(['files', '--json', '-'], {stdin: readFileSync(written.path)});
			expect(result.stderr, `${format} ${order}`).toBe('');
			expect(result.stdout.trim().split('\n').map(line => JSON.parse(line))).toEqual(finalFiles(reference));
		}
	});

	it('reads media types that lie about compression by the bytes instead', async () => {
		const written = await writeImage(kitchenSink, {format: 'oci-dir', compression: 'none', mediaTypeLie: true, outPath: out('lie')});
		const image = await loadImage(written.path);
		expect(image.layers[0]!.mediaType).toMatch(/gzip/);
		expect(image.layers[0]!.compression).toBe('none');
		expect(finalFiles(image)).toEqual(finalFiles(reference));
	});

	it('keeps the config, history and its mapping to layers', () => {
		expect(reference.config).toMatchObject({user: '1000:1000', workingDir: '/app', entrypoint: ['/bin/su'], volumes: ['/data'], labels: {a: 'b'}, healthcheck: {test: ['CMD', 'true'], interval: 30_000_000_000, retries: 3}});
		expect(reference.history.map(step => step.layerIndex)).toEqual([0, null, 1, 2, null]);
		expect(reference.layers.map(layer => layer.historyIndex)).toEqual([0, 2, 3]);
	});

	it('applies every changeset rule', () => {
		const files = new Map(finalFiles(reference).map(record => [record.path as string, record]));
		const has = (p: string) => files.has(p);
		expect(has('/gone') || has('/gone/x') || has('/etc/passwd')).toBe(false);
		expect(['/opq/a', '/opq/b', '/opq/c'].filter(has)).toEqual(['/opq/c']);
		expect(files.get('/willdir')).toMatchObject({type: 'file', size: 12});
		expect(has('/willdir/inside')).toBe(false);
		expect(files.get('/willfile')).toMatchObject({type: 'file'});
		expect(files.get('/keeper')).toMatchObject({type: 'hardlink', size: 2, linkTarget: '/target'});
		expect(files.get('/target')).toMatchObject({type: 'file', size: 13});
		expect(files.get('/usr/lib/libextra.so')).toMatchObject({type: 'file', size: 700});
		expect(files.get('/lib')).toMatchObject({type: 'symlink', linkTarget: 'usr/lib'});
		expect(files.get('/dev/null')).toMatchObject({type: 'char', mode: 0o666});
		expect(files.get('/dev/sda')).toMatchObject({type: 'block'});
		expect(files.get('/run/pipe')).toMatchObject({type: 'fifo', mode: 0o600});
		expect(files.get('/dev')).toMatchObject({type: 'dir', mode: 0o755, uid: 0, gid: 0});
		expect(has('/dot/file') && has('/slash/file')).toBe(true);
		expect(has(`/long-pax/${'p'.repeat(150)}`) && has(`/long-gnu/${'g'.repeat(150)}`) && has(`/${'d'.repeat(90)}/${'q'.repeat(90)}`)).toBe(true);
		expect(files.get('/long-link')).toMatchObject({linkTarget: 't'.repeat(180)});
		expect(files.get('/pax/owned')).toMatchObject({uid: 70000, gid: 80000});
		expect(files.get('/bin/su')).toMatchObject({mode: 0o4755});
		expect(files.get('/tmp')).toMatchObject({mode: 0o1777});
		expect(files.get('/twice')).toMatchObject({size: 6, mode: 0o600});
		expect(files.get('/etc/hosts')).toMatchObject({mode: 0o600});
		for (const format of ['gnu', 'pax00', 'pax01', 'pax10']) expect(files.get(`/sparse/${format}`), format).toMatchObject({type: 'file', size: 70000});
	});

	it('hashes sparse files as their expanded content, whatever the encoding', () => {
		const digests = new Set(['gnu', 'pax00', 'pax01', 'pax10'].map(format => [...reference.layers[0]!.entries].find(entry => entry.path === `/sparse/${format}`)!.digest));
		expect(digests.size).toBe(1);
	});

	it('keeps the pax mtime with its fraction', () => {
		expect([...reference.layers[0]!.entries].find(entry => entry.path === '/pax/owned')!.mtime).toBe(1700000000.5);
	});

	it.runIf(existsSync('/usr/bin/umoci'))('equals the root filesystem umoci unpack produces', async () => {
		// umoci refuses old-GNU sparse entries (typeflag 'S'); everything else is compared.
		const [first, ...rest] = kitchenSink.layers as Array<{entries: EntrySpec[]}>;
		const spec = {...kitchenSink, layers: [{entries: first!.entries.filter(entry => entry.path !== 'sparse/gnu')}, ...rest]};
		const written = await writeImage(spec, {format: 'oci-dir', compression: 'gzip', outPath: out('umoci')});
		const bundle = out('bundle');
		execFileSync('umoci', ['unpack', '--image', `${written.path}:1`, bundle], {stdio: 'pipe'});
		const unpacked = walkUnpacked(path.join(bundle, 'rootfs'));
		const ours = finalFiles(await loadImage(written.path)).map(record => {
			if (record.type !== 'hardlink') return record;
			const {linkTarget, ...rest} = record;
			return {...rest, type: 'file'};
		});
		expect(ours).toEqual(unpacked);
	});
});

/** A real directory tree in the `files --json` shape (hard links are files there). */
function walkUnpacked(root: string): Array<Record<string, unknown>> {
	const records: Array<Record<string, unknown>> = [];
	const visit = (dir: string, prefix: string) => {
		for (const name of readdirSync(dir).sort()) {
			const full = path.join(dir, name);
			const info = lstatSync(full);
			const type = info.isDirectory() ? 'dir' : info.isSymbolicLink() ? 'symlink' : info.isCharacterDevice() ? 'char' : info.isBlockDevice() ? 'block' : info.isFIFO() ? 'fifo' : 'file';
			const record: Record<string, unknown> = {path: `${prefix}/${name}`, type, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, size: type === 'file' ? info.size : 0};
			if (type === 'symlink') record.linkTarget = readlinkSync(full);
			records.push(record);
			if (type === 'dir') visit(full, `${prefix}/${name}`);
		}
	};
	visit(root, '');
	return records;
}
