import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ensureRealImage, type RealImage} from '../bench/real-images.js';
import {runCli} from '../helpers/run-cli.js';
import {dpkgInstalled, dpkgListed, filesOutsideNodeModules, listedBytes, measured, npmPackages, pythonDistributions, unpackRootfs, type NpmPackage, type PythonDistribution} from './real-oracles.js';
import type {PackageRecord} from '../../source/packages/attribute.js';

/**
 * A real Debian image with Python and npm packages (test/packages/python-npm.Containerfile): Debian's
 * python3-* and nodejs, a local project pip-installed into /usr/local, an app whose node_modules the
 * host's npm installed from the registry, both upgraded in the last layer. The oracles are the package
 * managers' own, run by the host over the image's root filesystem as umoci unpacks it (real-oracles.ts):
 * dpkg-query, Python's importlib.metadata, npm ls; bytes are the files those name, measured there.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-real-python-npm-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));

/** The Containerfile's layers. */
const APT = 1;
const PIP = 2;
const APP = 3;
const UPGRADE = 4;
const DEBIAN_SITE = '/usr/lib/python3/dist-packages';
const LOCAL_SITE = '/usr/local/lib/python3.11/dist-packages';

/** What `packages --json` prints per package: the report's records. */
type Record_ = PackageRecord;

let image: RealImage;
let rootfs: string;
let records: Record_[];
let python: PythonDistribution[];
let npm: NpmPackage[];
beforeAll(async () => {
	image = ensureRealImage('python-npm');
	rootfs = unpackRootfs(image, scratch);
	python = pythonDistributions(rootfs, [DEBIAN_SITE, LOCAL_SITE]);
	npm = npmPackages(rootfs, '/app');
	const result = await runCli(['packages', image.ociLayout, '--json']);
	if (result.code !== 0) throw new Error(`layerscope packages: exit ${result.code}: ${result.stderr}`);
	records = (JSON.parse(result.stdout) as {packages: Record_[]}).packages;
}, 900_000);

const live = (ecosystem: string) => records.filter(record => record.ecosystem === ecosystem && record.removedIn === undefined);
const sorted = <T>(items: T[]) => items.map(item => JSON.stringify(item)).sort();

/** The app's lockfile as the context ships it: image folder -> version. */
function locked(app: string): Map<string, string> {
	const lock = JSON.parse(readFileSync(path.join(here, 'python-npm', app, 'package-lock.json'), 'utf8')) as {packages: Record<string, {version: string}>};
	return new Map(Object.entries(lock.packages).filter(([key]) => key !== '').map(([key, entry]) => [`/app/${key}`, entry.version]));
}

describe('a real Debian image with Python and npm packages', () => {
	it("lists Debian's packages as dpkg-query does, python3-* included, with the bytes their lists name", () => {
		const deb = live('deb');
		expect(deb.map(record => `${record.name} ${record.version} ${record.architecture}`).sort()).toEqual(dpkgInstalled(rootfs));
		expect(deb.map(record => record.name)).toEqual(expect.arrayContaining(['python3-yaml', 'python3-six', 'python3-pip', 'python3-setuptools', 'nodejs']));
		expect(deb.map(record => ({name: record.name, bytes: record.bytes, files: record.files}))).toEqual(deb.map(record => ({name: record.name, ...listedBytes(rootfs, record.name, record.architecture!)})));
	});

	it("lists the python distributions importlib.metadata finds with a file list no deb package lists, with the bytes of those files; Debian's own are dpkg's", () => {
		const debListed = new Set(live('deb').flatMap(record => dpkgListed(rootfs, record.name, record.architecture!)));
		// Debian's python3-* ship their metadata folders (python3-pip and python3-yaml with a RECORD): the deb package's files, never a python package too.
		const debian = python.filter(dist => dist.metadataDir.startsWith(`${DEBIAN_SITE}/`));
		expect(debian.map(dist => dist.name).sort()).toEqual(['PyYAML', 'pip', 'setuptools', 'six', 'wheel']);
		expect(debian.filter(dist => dist.fileList !== undefined).length).toBeGreaterThan(0);
		expect(debian.filter(dist => !debListed.has(dist.metadataDir) || (dist.fileList !== undefined && !debListed.has(dist.fileList)))).toEqual([]);
		const own = python.filter(dist => dist.fileList !== undefined && !debListed.has(dist.fileList));
		expect(own.map(dist => dist.name)).toEqual(['layerscope-greeting']);
		expect(sorted(live('python').map(record => ({name: record.name, version: record.version, bytes: record.bytes, files: record.files, missingFiles: record.missingFiles})))).toEqual(sorted(own.map(dist => ({name: dist.name, version: dist.version, ...measured(rootfs, dist.files), missingFiles: 0}))));
		// pip installed 1.0.0 in its layer; the last layer's pip upgraded it.
		const first = /^version = "(.+)"$/m.exec(readFileSync(path.join(here, 'python-npm/greeting-1/pyproject.toml'), 'utf8'))![1]!;
		expect(records.filter(record => record.ecosystem === 'python' && record.removedIn !== undefined)).toEqual([
			{ecosystem: 'python', name: own[0]!.name, version: first, bytes: 0, files: 0, layer: PIP, removedIn: UPGRADE, upgradedTo: own[0]!.version, deadBytes: expect.any(Number), missingFiles: 0},
		]);
		expect(live('python')[0]!.layer).toBe(UPGRADE);
		expect(records.find(record => record.ecosystem === 'python' && record.removedIn !== undefined)!.deadBytes).toBeGreaterThan(0);
	});

	it('lists the packages npm ls lists, nested ones included, each with the bytes of its folder outside nested node_modules', () => {
		expect(npm.some(item => item.dir.split('/node_modules/').length > 2)).toBe(true);
		expect(sorted(live('npm').map(record => ({name: record.name, version: record.version, bytes: record.bytes, files: record.files})))).toEqual(sorted(npm.map(item => ({name: item.name, version: item.version, ...measured(rootfs, filesOutsideNodeModules(rootfs, item.dir))}))));
	});

	it("tells the npm packages' layers as the two lockfiles do: kept, dropped, upgraded, new", () => {
		const before = locked('app');
		const now = new Map(npm.map(item => [item.dir, item]));
		expect(locked('app-next')).toEqual(new Map(npm.map(item => [item.dir, item.version])));
		const expected: Array<Partial<Record_>> = npm.map(item => ({name: item.name, version: item.version, layer: before.get(item.dir) === item.version ? APP : UPGRADE}));
		for (const [dir, version] of before) {
			if (now.get(dir)?.version === version) continue;
			const name = dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
			expected.push({name, version, layer: APP, removedIn: UPGRADE, ...(now.has(dir) ? {upgradedTo: now.get(dir)!.version} : {})});
		}
		expect(expected.filter(record => record.removedIn !== undefined).length).toBeGreaterThan(1);
		const told = records.filter(record => record.ecosystem === 'npm').map(({name, version, layer, removedIn, upgradedTo}) => ({name, version, layer, ...(removedIn === undefined ? {} : {removedIn}), ...(upgradedTo === undefined ? {} : {upgradedTo})}));
		expect(sorted(told)).toEqual(sorted(expected));
		for (const record of records.filter(record => record.ecosystem === 'npm' && record.removedIn !== undefined)) expect(record).toMatchObject({bytes: 0, files: 0, deadBytes: expect.any(Number)});
		expect(records.filter(record => record.ecosystem === 'npm' && record.removedIn !== undefined).every(record => record.deadBytes > 0)).toBe(true);
	});

	it('says the same of the image as docker save writes it; nothing in Debian\'s base layer is python\'s or npm\'s', async () => {
		const result = await runCli(['packages', image.dockerArchive, '--json']);
		expect(result.code, result.stderr).toBe(0);
		expect((JSON.parse(result.stdout) as {packages: Record_[]}).packages).toEqual(records);
		expect(records.filter(record => record.ecosystem === 'python' || record.ecosystem === 'npm').every(record => record.layer >= PIP)).toBe(true);
		expect(records.filter(record => record.ecosystem === 'deb' && record.layer === APT).length).toBeGreaterThan(0);
	});
});
