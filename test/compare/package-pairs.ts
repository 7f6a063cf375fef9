/**
 * A pair of images built here for the package diff: A (a base, then a layer that upgrades one of its
 * packages) and B (A's base again, then a layer that changes the databases), with between them every
 * kind of change the diff reports, in deb, apk, npm and python databases: an upgrade, a downgrade (by
 * the epoch), a removal, additions, a rewrite at the same version, an apk version change (apk has no
 * order here), a Multi-Arch package at two architectures, an npm name at two node_modules roots, a
 * copy of an npm package deduplicated away, a python name spelled two ways, and a hostile name.
 */
import {writeImage, type WrittenImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {apkInstalled, dpkgDatabase, file, type DebPackage} from '../packages/databases.js';

/** A deb package name that is terminal escapes and Markdown table syntax, and a version with Markdown emphasis. */
export const HOSTILE_PACKAGE = {name: 'evil\u001b[31m|*x*`y`<b>\u0007', version: '1|*2*'};

/** What the pair was built to show, per package as ecosystem, name and architecture: the fixture's own intent. */
export const EXPECTED_KINDS: Record<string, string> = {
	'deb tool amd64': 'upgraded',
	'deb lib amd64': 'downgraded',
	'deb same amd64': 'resized',
	'deb gone amd64': 'removed',
	'deb fresh amd64': 'added',
	[`deb ${HOSTILE_PACKAGE.name} amd64`]: 'added',
	'deb libc6 i386': 'upgraded',
	'apk busybox x86_64': 'changed',
	'npm y': 'upgraded',
	'npm dup': 'resized',
	'python requests': 'upgraded',
};

/** Shipped by both at the same versions and bytes. */
export const EXPECTED_UNCHANGED = ['deb steady amd64', 'deb libc6 amd64', 'npm x', 'python foo-bar'];

const site = 'usr/lib/python3/dist-packages';
const nm = 'app/node_modules';

const libc6 = (version: string): DebPackage[] => [
	{name: 'libc6', version: '2.36-9', architecture: 'amd64', archList: true, files: ['/usr/lib/x86_64-linux-gnu/libc.so.6']},
	{name: 'libc6', version, architecture: 'i386', archList: true, files: ['/usr/lib/i386-linux-gnu/libc.so.6']},
];

const debA: DebPackage[] = [
	{name: 'tool', version: '1.0', files: ['/usr/bin/tool']},
	{name: 'same', version: '1.0', files: ['/usr/share/same/data']},
	{name: 'steady', version: '1.0', files: ['/usr/bin/steady']},
	{name: 'gone', version: '3.0', files: ['/usr/bin/gone']},
	...libc6('2.36-9'),
];

const npmPackage = (dir: string, name: string, version: string, size: number): EntrySpec[] => [
	{type: 'file', path: `${dir}/package.json`, content: JSON.stringify({name, version})},
	file(`${dir}/index.js`, size),
];

const record = (dist: string, files: Array<[string, number]>) => ({type: 'file' as const, path: `${site}/${dist}/RECORD`, content: [...files.map(([name, size]) => `${name},sha256=x,${size}`), `${dist}/RECORD,,`].join('\n') + '\n'});

/** The layer both images start from. */
export const PACKAGE_BASE: EntrySpec[] = [
	file('usr/bin/tool', 300),
	file('usr/lib/libthing.so', 500),
	file('usr/share/same/data', 100),
	file('usr/bin/steady', 60),
	file('usr/bin/gone', 70),
	file('usr/lib/x86_64-linux-gnu/libc.so.6', 2000),
	file('usr/lib/i386-linux-gnu/libc.so.6', 1800),
	...dpkgDatabase([...debA, {name: 'lib', version: '2:0.9', files: ['/usr/lib/libthing.so']}]),
	file('bin/busybox', 800),
	{type: 'file', path: 'lib/apk/db/installed', content: apkInstalled([{name: 'busybox', version: '1.36.1-r1', files: ['/bin/busybox']}])},
	...npmPackage(`${nm}/x`, 'x', '1.0.0', 30),
	...npmPackage(`${nm}/y`, 'y', '1.0.0', 40),
	...npmPackage(`${nm}/x/node_modules/y`, 'y', '2.0.0', 50),
	...npmPackage(`${nm}/dup`, 'dup', '1.0.0', 25),
	...npmPackage(`${nm}/x/node_modules/dup`, 'dup', '1.0.0', 25),
	file(`${site}/requests/__init__.py`, 400),
	record('requests-2.31.0.dist-info', [['requests/__init__.py', 400]]),
	file(`${site}/foo_bar/__init__.py`, 9),
	record('Foo_Bar-1.0.dist-info', [['foo_bar/__init__.py', 9]]),
	file('app/data', 1000),
];

/** A's own layer: lib upgraded within A (its 2:0.9 is not shipped, so no side of the diff has it). */
const aTop: EntrySpec[] = [file('usr/lib/libthing.so', 500, 'a'), ...dpkgDatabase([...debA, {name: 'lib', version: '2:1.0', files: ['/usr/lib/libthing.so']}])];

const bTop: EntrySpec[] = [
	file('usr/bin/tool', 320, 'b'),
	file('usr/lib/libthing.so', 480, 'b'),
	file('usr/share/same/data', 150, 'b'),
	{type: 'whiteout', path: 'usr/bin/gone'},
	{type: 'whiteout', path: 'var/lib/dpkg/info/gone.list'},
	file('usr/bin/fresh', 90),
	file('usr/bin/evil', 40),
	file('usr/lib/i386-linux-gnu/libc.so.6', 1850, 'b'),
	...dpkgDatabase([
		{name: 'tool', version: '1.1', files: ['/usr/bin/tool']},
		{name: 'lib', version: '1:9.0', files: ['/usr/lib/libthing.so']},
		{name: 'same', version: '1.0', files: ['/usr/share/same/data']},
		{name: 'steady', version: '1.0', files: ['/usr/bin/steady']},
		{name: 'fresh', version: '0.1~rc1', files: ['/usr/bin/fresh']},
		{name: HOSTILE_PACKAGE.name, version: HOSTILE_PACKAGE.version, files: ['/usr/bin/evil']},
		...libc6('2.36-9+deb12u1'),
	]),
	file('bin/busybox', 810, 'b'),
	{type: 'file', path: 'lib/apk/db/installed', content: apkInstalled([{name: 'busybox', version: '1.36.1-r2', files: ['/bin/busybox']}])},
	...npmPackage(`${nm}/x/node_modules/y`, 'y', '2.1.0', 70),
	{type: 'whiteout', path: `${nm}/x/node_modules/dup`},
	{type: 'whiteout', path: `${site}/requests-2.31.0.dist-info`},
	file(`${site}/requests/__init__.py`, 440, 'b'),
	record('requests-2.32.0.dist-info', [['requests/__init__.py', 440]]),
	{type: 'whiteout', path: `${site}/Foo_Bar-1.0.dist-info`},
	record('foo_bar-1.0.dist-info', [['foo_bar/__init__.py', 9]]),
	file('app/data', 1500, 'b'),
];

export interface PackagePair {
	a: WrittenImage;
	b: WrittenImage;
}

export async function writePackagePair(dir: string): Promise<PackagePair> {
	const a = await writeImage({layers: [{entries: PACKAGE_BASE}, {entries: aTop}], repoTags: ['example.test/pkgs:1']}, {format: 'oci-dir', outPath: `${dir}/pkgs-v1`});
	const b = await writeImage({layers: [{entries: PACKAGE_BASE}, {entries: bTop}], repoTags: ['example.test/pkgs:2']}, {format: 'oci-archive', outPath: `${dir}/pkgs-v2.tar`});
	return {a, b};
}
