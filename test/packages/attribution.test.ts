import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import type {PackageRecord} from '../../source/packages/attribute.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {writeImage} from '../fixtures/image-writer.js';
import {apkInstalled, dpkgDatabase, file} from './databases.js';
import {rpmdbSqlite} from './rpm-fixture.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-packages-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let images = 0;

async function analyse(layers: EntrySpec[][]) {
	const written = await writeImage({layers: layers.map(entries => ({entries}))}, {format: 'oci-dir', outPath: path.join(scratch, `image-${images++}`)});
	return analyseImage(await loadImage(written.path));
}

/** The records without fields a case does not look at. */
function byName(packages: PackageRecord[]): Record<string, PackageRecord> {
	return Object.fromEntries(packages.map(record => [`${record.name} ${record.version}`, record]));
}

/** Content bytes of the final filesystem no package's record covers, summed from the image's own files. */
function finalBytesOutside(analysis: Awaited<ReturnType<typeof analyse>>, owned: string[]): number {
	let total = 0;
	const seen = new Set<number>();
	for (const [filePath, node] of analysis.finalFiles) {
		if (node.content === undefined || seen.has(node.content) || owned.includes(filePath)) continue;
		seen.add(node.content);
		total += node.size;
	}
	return total;
}

describe('deb packages', () => {
	const base = [
		{name: 'a', version: '1.0', files: ['/usr', '/usr/bin', '/bin/a', '/usr/share/a', '/usr/share/a/data']},
		{name: 'b', version: '2.0', files: ['/usr/bin/b']},
		{name: 'bash', version: '5.2', files: ['/usr/bin/bash', '/usr/bin/sh']},
		{name: 'dash', version: '0.5', files: ['/usr/bin/dash', '/usr/bin/sh']},
	];
	const layers: EntrySpec[][] = [
		[
			{type: 'dir', path: 'usr/bin'},
			{type: 'symlink', path: 'bin', target: 'usr/bin'},
			file('usr/bin/a', 100),
			file('usr/share/a/data', 50),
			file('usr/bin/b', 200),
			file('usr/bin/bash', 300),
			// dash diverts bash's /usr/bin/sh to /usr/bin/sh.distrib and installs its own
			file('usr/bin/sh.distrib', 11),
			file('usr/bin/sh', 5),
			file('usr/bin/dash', 80),
			file('usr/share/common', 30),
			file('tmp/x', 40),
			{type: 'file', path: 'var/lib/dpkg/diversions', content: '/usr/bin/sh\n/usr/bin/sh.distrib\ndash\n'},
			...dpkgDatabase(base),
		],
		[
			file('usr/bin/b', 250, 'y'),
			file('usr/bin/c', 70),
			{type: 'hardlink', path: 'usr/bin/c-link', target: 'usr/bin/c'},
			...dpkgDatabase([
				...base.filter(item => item.name !== 'b'),
				{name: 'b', version: '2.1', files: ['/usr/bin/b', '/usr/share/common']},
				{name: 'c', version: '3', architecture: 'arm64', archList: true, files: ['/usr/bin/c', '/usr/bin/c-link', '/usr/share/common']},
			]),
		],
		[
			{type: 'whiteout', path: 'usr/bin/a'},
			{type: 'whiteout', path: 'usr/share/a'},
			{type: 'whiteout', path: 'var/lib/dpkg/info/a.list'},
			{type: 'whiteout', path: 'tmp/x'},
			file('usr/bin/d', 10),
			file('app/data', 1000),
			...dpkgDatabase([
				...base.filter(item => item.name !== 'b' && item.name !== 'a'),
				{name: 'b', version: '2.1', files: ['/usr/bin/b', '/usr/share/common']},
				{name: 'c', version: '3', architecture: 'arm64', archList: true, files: ['/usr/bin/c', '/usr/bin/c-link', '/usr/share/common']},
				{name: 'd', version: '4', files: ['/usr/bin/d', '/usr/bin/d-missing']},
				{name: 'gone', version: '1', status: 'deinstall ok config-files', files: ['/etc/gone.conf']},
			]),
		],
	];

	it('tells each version\'s life: installed, upgraded, removed; its final and dead bytes; diversions, symlinked parents and hard links resolved', async () => {
		const analysis = await analyse(layers);
		const packages = byName(analysis.packages.packages);
		expect(Object.keys(packages).sort()).toEqual(['a 1.0', 'b 2.0', 'b 2.1', 'bash 5.2', 'c 3', 'd 4', 'dash 0.5']);
		expect(packages['a 1.0']).toEqual({ecosystem: 'deb', name: 'a', version: '1.0', architecture: 'amd64', bytes: 0, files: 0, layer: 0, removedIn: 2, deadBytes: 150, missingFiles: 0});
		expect(packages['b 2.0']).toEqual({ecosystem: 'deb', name: 'b', version: '2.0', architecture: 'amd64', bytes: 0, files: 0, layer: 0, removedIn: 1, upgradedTo: '2.1', deadBytes: 200, missingFiles: 0});
		expect(packages['b 2.1']).toMatchObject({bytes: 250 + 30, files: 2, layer: 1, deadBytes: 0});
		expect(packages['b 2.1']!.removedIn).toBeUndefined();
		// The hard link shows c's content again: counted once; c's list is c:arm64.list.
		expect(packages['c 3']).toMatchObject({architecture: 'arm64', bytes: 70 + 30, files: 3, layer: 1});
		// bash's /usr/bin/sh is where dash's diversion put it; dash's own is at the name.
		expect(packages['bash 5.2']).toMatchObject({bytes: 300 + 11, files: 2});
		expect(packages['dash 0.5']).toMatchObject({bytes: 80 + 5, files: 2});
		expect(packages['d 4']).toMatchObject({bytes: 10, files: 1, layer: 2, missingFiles: 1});
		// Largest first.
		expect(analysis.packages.packages.map(record => record.bytes)).toEqual([...analysis.packages.packages.map(record => record.bytes)].sort((x, y) => y - x));
		expect(analysis.packages.notes).toEqual(['1 file listed by 1 deb package is in no layer of the final filesystem ("d")', '1 file is listed by more than one package: each counts it']);
	});

	it('counts the bytes no package lists, by the layer that stored them, each content once', async () => {
		const analysis = await analyse(layers);
		const owned = ['/usr/bin/b', '/usr/share/common', '/usr/bin/c', '/usr/bin/c-link', '/usr/bin/bash', '/usr/bin/sh.distrib', '/usr/bin/dash', '/usr/bin/sh', '/usr/bin/d'];
		expect(analysis.packages.unownedBytes).toBe(finalBytesOutside(analysis, owned));
		expect(analysis.packages.unownedByLayer[2]).toBeGreaterThan(1000);
		expect(analysis.packages.unownedByLayer.reduce((sum, bytes) => sum + bytes, 0)).toBe(analysis.packages.unownedBytes);
		const stored = [0, 0, 0];
		for (const [filePath, node] of analysis.finalFiles) if (node.content !== undefined && !owned.includes(filePath) && node.ref === node.content) stored[node.layer]! += node.size;
		expect(analysis.packages.unownedByLayer).toEqual(stored);
	});

	it('reads a distroless status.d: one file per package, its files from NAME.md5sums', async () => {
		const analysis = await analyse([
			[
				file('usr/lib/os-release', 60),
				file('etc/debian_version', 5),
				file('usr/share/zoneinfo/UTC', 120),
				{type: 'file', path: 'var/lib/dpkg/status.d/base-files', content: 'Package: base-files\nVersion: 12.4\nArchitecture: amd64\n'},
				{type: 'file', path: 'var/lib/dpkg/status.d/base-files.md5sums', content: 'aaaa  usr/lib/os-release\nbbbb  etc/debian_version\n'},
				{type: 'file', path: 'var/lib/dpkg/status.d/tzdata', content: 'Package: tzdata\nVersion: 2024a\nArchitecture: all\n'},
			],
		]);
		expect(byName(analysis.packages.packages)).toEqual({
			'base-files 12.4': {ecosystem: 'deb', name: 'base-files', version: '12.4', architecture: 'amd64', bytes: 65, files: 2, layer: 0, deadBytes: 0, missingFiles: 0},
			'tzdata 2024a': {ecosystem: 'deb', name: 'tzdata', version: '2024a', architecture: 'all', bytes: 0, files: 0, layer: 0, deadBytes: 0, missingFiles: 0},
		});
		expect(analysis.packages.notes).toEqual(['deb package tzdata has no file list (/var/lib/dpkg/status.d/tzdata.md5sums): its bytes are not known']);
	});
});

describe('apk packages', () => {
	it('reads P/V/A and F/R lines: an upgrade, a removal, each in the layer that did it', async () => {
		const analysis = await analyse([
			[file('lib/ld-musl-x86_64.so.1', 100), file('bin/busybox', 200), {type: 'file', path: 'lib/apk/db/installed', content: apkInstalled([{name: 'musl', version: '1.2.5-r0', files: ['/lib/ld-musl-x86_64.so.1']}, {name: 'busybox', version: '1.36.1-r1', files: ['/bin/busybox']}])}],
			[file('bin/busybox', 210), file('usr/bin/curl', 50), {type: 'file', path: 'lib/apk/db/installed', content: apkInstalled([{name: 'musl', version: '1.2.5-r0', files: ['/lib/ld-musl-x86_64.so.1']}, {name: 'busybox', version: '1.36.1-r2', files: ['/bin/busybox']}, {name: 'curl', version: '8.5', files: ['/usr/bin/curl']}])}],
			[{type: 'whiteout', path: 'usr/bin/curl'}, {type: 'file', path: 'lib/apk/db/installed', content: apkInstalled([{name: 'musl', version: '1.2.5-r0', files: ['/lib/ld-musl-x86_64.so.1']}, {name: 'busybox', version: '1.36.1-r2', files: ['/bin/busybox']}])}],
		]);
		expect(analysis.packages.packages).toEqual([
			{ecosystem: 'apk', name: 'busybox', version: '1.36.1-r2', architecture: 'x86_64', bytes: 210, files: 1, layer: 1, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'apk', name: 'musl', version: '1.2.5-r0', architecture: 'x86_64', bytes: 100, files: 1, layer: 0, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'apk', name: 'busybox', version: '1.36.1-r1', architecture: 'x86_64', bytes: 0, files: 0, layer: 0, removedIn: 1, upgradedTo: '1.36.1-r2', deadBytes: 200, missingFiles: 0},
			{ecosystem: 'apk', name: 'curl', version: '8.5', architecture: 'x86_64', bytes: 0, files: 0, layer: 1, removedIn: 2, deadBytes: 50, missingFiles: 0},
		]);
	});
});

describe('python packages', () => {
	const site = 'usr/local/lib/python3.12/site-packages';
	it('reads RECORD (paths relative to site-packages, sizes checked) and installed-files.txt; an upgrade moves the dist-info', async () => {
		const record = (version: string, apiSize: number) => `requests/__init__.py,sha256=abc,40\nrequests/api.py,sha256=def,${apiSize}\nrequests-${version}.dist-info/RECORD,,\n../../../bin/req,sha256=x,5\n"requests/odd,name.py",,7\n`;
		const analysis = await analyse([
			[
				file(`${site}/requests/__init__.py`, 40),
				file(`${site}/requests/api.py`, 60),
				file(`${site}/requests/odd,name.py`, 7),
				file('usr/local/bin/req', 5),
				{type: 'file', path: `${site}/requests-2.31.0.dist-info/RECORD`, content: record('2.31.0', 61)},
				file(`${site}/foo/__init__.py`, 9),
				{type: 'file', path: `${site}/foo-1.0-py3.12.egg-info/installed-files.txt`, content: '../foo/__init__.py\nPKG-INFO\n'},
				file(`${site}/foo-1.0-py3.12.egg-info/PKG-INFO`, 3),
			],
			[
				{type: 'whiteout', path: `${site}/requests-2.31.0.dist-info`},
				file(`${site}/requests/api.py`, 66),
				{type: 'file', path: `${site}/requests-2.32.0.dist-info/RECORD`, content: record('2.32.0', 66)},
			],
		]);
		const packages = byName(analysis.packages.packages);
		const recordBytes = (version: string, size: number) => Buffer.byteLength(record(version, size));
		expect(packages['requests 2.32.0']).toEqual({ecosystem: 'python', name: 'requests', version: '2.32.0', bytes: 40 + 66 + 5 + 7 + recordBytes('2.32.0', 66), files: 5, layer: 1, deadBytes: 0, missingFiles: 0});
		expect(packages['requests 2.31.0']).toEqual({ecosystem: 'python', name: 'requests', version: '2.31.0', bytes: 0, files: 0, layer: 0, removedIn: 1, upgradedTo: '2.32.0', deadBytes: 60 + recordBytes('2.31.0', 61), missingFiles: 0});
		expect(packages['foo 1.0']).toMatchObject({bytes: 9 + 3, files: 2});
		expect(analysis.packages.notes).toEqual([]);
	});

	it('names a distribution as its METADATA (PKG-INFO) does, not by its normalised folder; an upgrade is one package', async () => {
		const metadata = (name: string, version: string) => ({type: 'file' as const, path: `${site}/my_pkg-${version}.dist-info/METADATA`, content: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\nA description.\n`});
		const analysis = await analyse([
			[
				file(`${site}/my_pkg/__init__.py`, 10),
				{type: 'file', path: `${site}/my_pkg-1.0.dist-info/RECORD`, content: 'my_pkg/__init__.py,sha256=a,10\n'},
				metadata('My-Pkg', '1.0'),
				file(`${site}/Old.Egg/__init__.py`, 4),
				{type: 'file', path: `${site}/Old_Egg-0.1_beta-py3.12.egg-info/installed-files.txt`, content: '../Old.Egg/__init__.py\n'},
				{type: 'file', path: `${site}/Old_Egg-0.1_beta-py3.12.egg-info/PKG-INFO`, content: 'Metadata-Version: 1.0\nName: Old.Egg\nVersion: 0.1-beta\n'},
			],
			[{type: 'whiteout', path: `${site}/my_pkg-1.0.dist-info`}, file(`${site}/my_pkg/__init__.py`, 12), {type: 'file', path: `${site}/my_pkg-2.0.dist-info/RECORD`, content: 'my_pkg/__init__.py,sha256=a,12\n'}, metadata('my.pkg', '2.0')],
		]);
		expect(analysis.packages.packages.map(record => [record.name, record.version, record.bytes, record.layer, record.upgradedTo])).toEqual([
			['my.pkg', '2.0', 12, 1, undefined],
			['Old.Egg', '0.1-beta', 4, 0, undefined],
			['My-Pkg', '1.0', 0, 0, '2.0'],
		]);
	});

	it("is no package of its own where a deb package lists its RECORD (Debian's python3-yaml); a metadata folder without a file list is none", async () => {
		const dist = 'usr/lib/python3/dist-packages';
		const record = 'yaml/__init__.py,,100\nPyYAML-6.0.dist-info/RECORD,,\n';
		const analysis = await analyse([
			[
				file(`${dist}/yaml/__init__.py`, 100),
				{type: 'file', path: `${dist}/PyYAML-6.0.dist-info/RECORD`, content: record},
				{type: 'file', path: `${dist}/PyYAML-6.0.dist-info/METADATA`, content: 'Name: PyYAML\nVersion: 6.0\n'},
				file(`${dist}/six.py`, 30),
				{type: 'file', path: `${dist}/six-1.16.0.egg-info/PKG-INFO`, content: 'Name: six\nVersion: 1.16.0\n'},
				...dpkgDatabase([
					{name: 'python3-yaml', version: '6.0-3', files: ['/usr', `/${dist}`, `/${dist}/yaml/__init__.py`, `/${dist}/PyYAML-6.0.dist-info`, `/${dist}/PyYAML-6.0.dist-info/RECORD`, `/${dist}/PyYAML-6.0.dist-info/METADATA`]},
					{name: 'python3-six', version: '1.16.0-4', files: [`/${dist}/six.py`, `/${dist}/six-1.16.0.egg-info/PKG-INFO`]},
				]),
			],
			// A pip install over it later: its RECORD is no deb package's, so it is python's own.
			[file('usr/local/lib/python3.11/dist-packages/six.py', 31), {type: 'file', path: 'usr/local/lib/python3.11/dist-packages/six-1.17.0.dist-info/RECORD', content: 'six.py,,31\n'}],
		]);
		expect(analysis.packages.packages.map(record => [record.ecosystem, record.name, record.version, record.bytes, record.files])).toEqual([
			['deb', 'python3-yaml', '6.0-3', 100 + Buffer.byteLength(record) + Buffer.byteLength('Name: PyYAML\nVersion: 6.0\n'), 3],
			['deb', 'python3-six', '1.16.0-4', 30 + Buffer.byteLength('Name: six\nVersion: 1.16.0\n'), 2],
			['python', 'six', '1.17.0', 31, 1],
		]);
		expect(analysis.packages.notes).toEqual([]);
	});

	it('says when RECORD sizes disagree with the files', async () => {
		const analysis = await analyse([[file(`${site}/six.py`, 10), {type: 'file', path: `${site}/six-1.16.0.dist-info/RECORD`, content: 'six.py,sha256=a,11\n'}]]);
		expect(analysis.packages.notes).toEqual(['1 file listed by 1 python package differs in size from what the database records ("six")']);
	});
});

describe('npm packages', () => {
	const pkg = (dir: string, name: string, version: string): EntrySpec => ({type: 'file', path: `${dir}/package.json`, content: JSON.stringify({name, version, description: 'x'})});
	it('owns what lies under a package directory, outside nested node_modules; removals and upgrades by layer', async () => {
		const nm = 'app/node_modules';
		const json = (name: string, version: string) => Buffer.byteLength(JSON.stringify({name, version, description: 'x'}));
		const analysis = await analyse([
			[
				pkg(`${nm}/left-pad`, 'left-pad', '1.3.0'),
				file(`${nm}/left-pad/index.js`, 100),
				pkg(`${nm}/@s/x`, '@s/x', '2.0.0'),
				file(`${nm}/@s/x/lib/a.js`, 50),
				{type: 'symlink', path: `${nm}/@s/x/node_modules/.bin/y`, target: '../y/y.js'},
				pkg(`${nm}/@s/x/node_modules/y`, 'y', '1.0.0'),
				file(`${nm}/@s/x/node_modules/y/y.js`, 20),
				{type: 'symlink', path: `${nm}/.bin/left-pad`, target: '../left-pad/index.js'},
				file('app/server.js', 500),
			],
			[{type: 'whiteout', path: `${nm}/left-pad`}, pkg(`${nm}/@s/x/node_modules/y`, 'y', '1.1.0'), file(`${nm}/@s/x/node_modules/y/y.js`, 25)],
		]);
		expect(analysis.packages.packages).toEqual([
			{ecosystem: 'npm', name: '@s/x', version: '2.0.0', bytes: 50 + json('@s/x', '2.0.0'), files: 2, layer: 0, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'npm', name: 'y', version: '1.1.0', bytes: 25 + json('y', '1.1.0'), files: 2, layer: 1, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'npm', name: 'left-pad', version: '1.3.0', bytes: 0, files: 0, layer: 0, removedIn: 1, deadBytes: 100 + json('left-pad', '1.3.0'), missingFiles: 0},
			{ecosystem: 'npm', name: 'y', version: '1.0.0', bytes: 0, files: 0, layer: 0, removedIn: 1, upgradedTo: '1.1.0', deadBytes: 20 + json('y', '1.0.0'), missingFiles: 0},
		]);
		expect(analysis.packages.unownedBytes).toBe(500);
	});
});

describe('rpm packages', () => {
	it('reads rpmdb.sqlite header blobs (name, epoch:version-release, arch, files and sizes): an upgrade and an install, by layer', async () => {
		const bash = (release: string, size: number) => ({name: 'bash', version: '5.2.26', release, arch: 'x86_64', files: [['/usr/bin', 4096], ['/usr/bin/bash', size]] as Array<[string, number]>});
		const analysis = await analyse([
			[{type: 'dir', path: 'usr/bin'}, file('usr/bin/bash', 300), {type: 'file', path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: await rpmdbSqlite([bash('1.fc40', 300)], [Buffer.from('not a header')])}],
			[file('usr/bin/bash', 310), file('usr/bin/curl', 40), {type: 'file', path: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: await rpmdbSqlite([bash('2.fc40', 310), {name: 'curl', version: '8.6.0', release: '1.fc40', epoch: 2, arch: 'x86_64', files: [['/usr/bin/curl', 41]]}])}],
		]);
		expect(analysis.packages.packages).toEqual([
			{ecosystem: 'rpm', name: 'bash', version: '5.2.26-2.fc40', architecture: 'x86_64', bytes: 310, files: 1, layer: 1, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'rpm', name: 'curl', version: '2:8.6.0-1.fc40', architecture: 'x86_64', bytes: 40, files: 1, layer: 1, deadBytes: 0, missingFiles: 0},
			{ecosystem: 'rpm', name: 'bash', version: '5.2.26-1.fc40', architecture: 'x86_64', bytes: 0, files: 0, layer: 0, removedIn: 1, upgradedTo: '5.2.26-2.fc40', deadBytes: 300, missingFiles: 0},
		]);
		expect(analysis.packages.notes).toEqual([
			'/usr/lib/sysimage/rpm/rpmdb.sqlite: 1 package header could not be read: not listed',
			'1 file listed by 1 rpm package differs in size from what the database records ("curl")',
		]);
	});

	it('says a Berkeley DB is present but not read, and a file that is not SQLite is not a database, never guessed', async () => {
		const analysis = await analyse([[file('var/lib/rpm/Packages', 64), file('usr/lib/sysimage/rpm/rpmdb.sqlite', 64)]]);
		expect(analysis.packages.packages).toEqual([]);
		expect(analysis.packages.notes).toHaveLength(2);
		expect(analysis.packages.notes[0]).toMatch(/^layer 0: \/usr\/lib\/sysimage\/rpm\/rpmdb.sqlite is not a SQLite database with rpm's Packages table \(.+\): its packages are not listed$/);
		expect(analysis.packages.notes[1]).toBe('/var/lib/rpm/Packages (rpm\'s Berkeley DB or ndb database) is present but not read: its packages are not listed');
	});
});
