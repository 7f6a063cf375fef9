import {describe, expect, it} from 'vitest';
import {decodeLayer, encodeLayer} from '../../source/cache/layer-codec.js';
import {captureKind, packageFileBytes} from '../../source/layer/package-capture.js';
import {readLayer} from '../../source/layer/read-layer.js';
import {MAX_PACKAGE_FILE_BYTES} from '../../source/limits.js';
import type {PackageFiles} from '../../source/model.js';
import {buildLayerTar, compressLayer, type EntrySpec} from '../fixtures/layer-builder.js';

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
	for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function kept(files: PackageFiles | undefined): Record<string, string> {
	if (!files) return {};
	return Object.fromEntries(files.paths.map((path, i) => [path, Buffer.from(packageFileBytes(files, i)).toString('utf8')]));
}

describe('package database capture', () => {
	it('names the database files of every ecosystem, and nothing that merely looks like one', () => {
		const wanted = [
			'/var/lib/dpkg/status',
			'/var/lib/dpkg/diversions',
			'/var/lib/dpkg/info/libc6:amd64.list',
			'/var/lib/dpkg/info/bash.list',
			'/var/lib/dpkg/status.d/base-files',
			'/var/lib/dpkg/status.d/base-files.md5sums',
			'/lib/apk/db/installed',
			'/var/lib/rpm/rpmdb.sqlite',
			'/usr/lib/sysimage/rpm/rpmdb.sqlite',
			'/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD',
			'/usr/local/lib/python3.12/site-packages/pip-24.0.dist-info/RECORD',
			'/usr/lib/python3/dist-packages/foo-1.0.egg-info/installed-files.txt',
			'/usr/local/lib/python3.11/dist-packages/my_pkg-1.0.dist-info/METADATA',
			'/usr/lib/python3/dist-packages/foo-1.0.egg-info/PKG-INFO',
			'/app/node_modules/left-pad/package.json',
			'/app/node_modules/@types/node/package.json',
			'/app/node_modules/a/node_modules/b/package.json',
		];
		const unwanted = [
			'/var/lib/dpkg/status-old',
			'/var/lib/dpkg/info/bash.md5sums',
			'/var/lib/dpkg/info/bash.postinst',
			'/var/lib/dpkg/status.d/sub/x',
			'/srv/var/lib/dpkg/status',
			'/app/six-1.16.0.dist-info/RECORD',
			'/usr/lib/python3/dist-packages/six/RECORD',
			'/usr/lib/python3/dist-packages/six/METADATA',
			'/app/foo-1.0.egg-info/PKG-INFO',
			'/app/package.json',
			'/app/node_modules/left-pad/lib/package.json',
			'/app/node_modules/@types/package.json',
			'/app/node_modules/.bin/package.json',
			'/etc/installed',
		];
		expect(wanted.filter(path => captureKind(path) === null)).toEqual([]);
		expect(unwanted.filter(path => captureKind(path) !== null)).toEqual([]);
	});

	it('keeps database bytes as the layer streams by, whatever the chunks, and only name and version of a package.json and of a METADATA', async () => {
		const status = 'Package: bash\nStatus: install ok installed\nVersion: 5.2\n\n'.repeat(40);
		const specs: EntrySpec[] = [
			{type: 'file', path: 'var/lib/dpkg/status', content: status},
			{type: 'file', path: 'var/lib/dpkg/info/bash.list', content: '/.\n/bin\n/bin/bash\n'},
			{type: 'file', path: 'var/lib/dpkg/diversions', content: ''},
			{type: 'file', path: 'bin/bash', content: Buffer.alloc(5000, 1)},
			{type: 'file', path: 'app/node_modules/x/package.json', content: JSON.stringify({name: 'x', version: '1.2.3', description: 'd'.repeat(3000), dependencies: {y: '1'}})},
			// Headers up to the first empty line; the description after it may say "Name:" too.
			{type: 'file', path: 'usr/lib/python3/dist-packages/my_pkg-1.0.dist-info/METADATA', content: `Metadata-Version: 2.1\r\nname:  My.Pkg \r\nVersion: 1.0\r\nSummary: s\r\n\r\nName: not-this\n${'d'.repeat(3000)}`},
			{type: 'file', path: 'usr/lib/python3/dist-packages/foo-1.0.egg-info/PKG-INFO', content: 'Metadata-Version: 1.0\nSummary: no name\n\nName: body\nVersion: 9\n'},
		];
		const tar = buildLayerTar(specs);
		for (const [compression, size] of [['none', 100], ['gzip', 513], ['zstd', 4096]] as const) {
			const result = await readLayer(chunks(compressLayer(tar, compression), size));
			expect(kept(result.packageFiles), `${compression} in chunks of ${size}`).toEqual({
				'/var/lib/dpkg/status': status,
				'/var/lib/dpkg/info/bash.list': '/.\n/bin\n/bin/bash\n',
				'/var/lib/dpkg/diversions': '',
				'/app/node_modules/x/package.json': '{"name":"x","version":"1.2.3"}',
				'/usr/lib/python3/dist-packages/my_pkg-1.0.dist-info/METADATA': 'Name: My.Pkg\nVersion: 1.0\n',
				'/usr/lib/python3/dist-packages/foo-1.0.egg-info/PKG-INFO': '',
			});
			expect(result.packageFiles!.notes).toEqual([]);
		}
	});

	it('keeps nothing for a layer without databases', async () => {
		const result = await readLayer(chunks(buildLayerTar([{type: 'file', path: 'etc/hosts', content: 'x'}]), 4096));
		expect(result.packageFiles).toBeUndefined();
	});

	it('notes a database over its cap rather than keep it or fail', async () => {
		const big = Buffer.alloc(MAX_PACKAGE_FILE_BYTES + 1, 0x41);
		const result = await readLayer(chunks(buildLayerTar([
			{type: 'file', path: 'var/lib/dpkg/status', content: big},
			{type: 'file', path: 'lib/apk/db/installed', content: 'P:musl\nV:1\n'},
		]), 1 << 20));
		expect(kept(result.packageFiles)).toEqual({'/lib/apk/db/installed': 'P:musl\nV:1\n'});
		expect(result.packageFiles!.notes).toEqual([`/var/lib/dpkg/status is ${big.length} bytes, more than the 16 MiB a package database file may have: its packages are not read`]);
	});

	it('carries the kept files through the layer cache, and refuses cached files whose offsets do not add up', async () => {
		const result = await readLayer(chunks(buildLayerTar([
			{type: 'file', path: 'lib/apk/db/installed', content: 'P:musl\nV:1\n'},
			{type: 'file', path: 'var/lib/dpkg/status', content: 'Package: a\n'},
		]), 4096));
		const back = decodeLayer(encodeLayer(result))!;
		expect(kept(back.packageFiles)).toEqual(kept(result.packageFiles));
		expect(Object.keys(kept(back.packageFiles))).toHaveLength(2);
		const broken = {...result, packageFiles: {...result.packageFiles!, ends: Uint32Array.from([5, 500])}};
		expect(decodeLayer(encodeLayer(broken))).toBeNull();
	});
});
