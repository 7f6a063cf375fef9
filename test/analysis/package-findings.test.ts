import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import prettyBytes from 'pretty-bytes';
import {SaxesParser} from 'saxes';
import {afterAll, describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import type {Finding} from '../../source/analysis/findings/index.js';
import {largestOwnedFiles} from '../../source/analysis/findings/package-kinds.js';
import {loadImage} from '../../source/image/load.js';
import {escapeForTerminal} from '../../source/report/escape.js';
import {writeImage} from '../fixtures/image-writer.js';
import {UNSAFE_FOR_TERMINAL} from '../fixtures/hostile-strings.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {runCli} from '../helpers/run-cli.js';
import {apkInstalled, dpkgDatabase, file, type DebPackage} from '../packages/databases.js';

/**
 * The findings that read the package attribution, on images whose layers
 * carry dpkg and apk databases. Every expected byte count is summed here
 * from the fixture's own file list, never read back from the attribution.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-package-findings-'));
afterAll(() => rmSync(scratch, {recursive: true, force: true}));
let images = 0;

/** A file entry and its size, so a test sums what it wrote. */
interface Sized {
	path: string;
	size: number;
}

const entries = (files: Sized[]): EntrySpec[] => files.map(item => file(item.path.slice(1), item.size));
const total = (files: Sized[]) => files.reduce((sum, item) => sum + item.size, 0);
const deb = (name: string, version: string, files: Sized[]): DebPackage => ({name, version, files: files.map(item => item.path)});

async function writeLayers(layers: EntrySpec[][], instructions = layers.map((_, index) => `RUN step ${index}`)): Promise<string> {
	const written = await writeImage({layers: layers.map(entries => ({entries})), history: instructions.map(created_by => ({created_by}))}, {format: 'oci-dir', outPath: path.join(scratch, `image-${images++}`)});
	return written.path;
}

async function findingsOf(layers: EntrySpec[][]): Promise<Finding[]> {
	return analyseImage(await loadImage(await writeLayers(layers))).findings;
}

function only(found: Finding[], id: string): Finding {
	const matching = found.filter(finding => finding.id === id);
	expect(matching, `${id} in ${found.map(f => f.id).join(', ')}`).toHaveLength(1);
	return matching[0]!;
}

const ids = (found: Finding[]) => found.map(finding => finding.id);

// A base layer as debootstrap leaves it: libc6 and gcc-12-base (a runtime package in every Debian image, named like a compiler).
const libc6 = [{path: '/usr/lib/x86_64-linux-gnu/libc.so.6', size: 2000}];
const gccBase = [{path: '/usr/share/doc/gcc-12-base/copyright', size: 30}];
const baseFiles = [...libc6, ...gccBase, {path: '/bin/sh', size: 100}];
const basePackages = [deb('libc6', '2.36-9', libc6), deb('gcc-12-base', '12.2.0-14', gccBase)];
const baseLayer: EntrySpec[] = [...entries(baseFiles), ...dpkgDatabase(basePackages)];

describe('build packages', () => {
	const gcc = [{path: '/usr/bin/gcc-12', size: 800}, {path: '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', size: 5000}];
	const headers = [{path: '/usr/include/stdio.h', size: 200}];
	const make = [{path: '/usr/bin/make', size: 300}];
	const curl = [{path: '/usr/bin/curl', size: 100}];
	// A toolchain no package lists: unpacked from a tarball.
	const go = [{path: '/usr/local/bin/go', size: 700}];
	const buildLayer = (withDatabase: boolean): EntrySpec[] => [
		...entries([...gcc, ...headers, ...make, ...curl, ...go]),
		...(withDatabase ? dpkgDatabase([...basePackages, deb('gcc-12', '12.2.0-14', gcc), deb('libc6-dev', '2.36-9', headers), deb('make', '4.3-4.1', make), deb('curl', '7.88', curl)]) : []),
	];

	it('by the layer that installed them, with the packages\' final bytes, their largest files and the purge command; the path rule keeps only the unpackaged toolchain', async () => {
		const found = await findingsOf([baseLayer, buildLayer(true)]);
		const build = only(found, 'build-packages-in-final-image');
		expect(build).toMatchObject({layer: 1, bytes: total([...gcc, ...headers, ...make]), severity: 'low', instruction: 'RUN step 1'});
		expect(build.title).toBe('3 build packages from layer 1 ship in the final image: gcc-12, make, libc6-dev');
		expect(build.fix).toContain('`apt-get purge -y --auto-remove gcc-12 make libc6-dev` in the same RUN that installs them');
		expect(build.fix).toMatch(/multi-stage build/);
		expect(build.paths).toEqual([...gcc, ...make, ...headers].sort((a, b) => b.size - a.size).map(item => ({path: item.path, bytes: item.size})));
		// The compiler files the packages own are theirs: the path rule tells of the tarball's alone, never of a file twice.
		expect(only(found, 'build-tools-in-final-image')).toMatchObject({layer: 1, bytes: total(go), paths: [{path: '/usr/local/bin/go', bytes: 700}]});
	});

	it('without package databases, the path rule finds every compiler and header file exactly as before', async () => {
		const found = await findingsOf([entries(baseFiles), buildLayer(false)]);
		expect(ids(found)).not.toContain('build-packages-in-final-image');
		const tools = only(found, 'build-tools-in-final-image');
		expect(tools).toMatchObject({layer: 1, bytes: total([...gcc, ...headers, ...make, ...go])});
		expect(tools.paths.map(item => item.path).sort()).toEqual([...gcc, ...headers, ...make, ...go].map(item => item.path).sort());
	});

	it('a runtime image (gcc-12-base, libc6, curl) has none', async () => {
		const found = await findingsOf([baseLayer, [...entries(curl), ...dpkgDatabase([...basePackages, deb('curl', '7.88', curl)])]]);
		expect(ids(found)).not.toContain('build-packages-in-final-image');
		expect(ids(found)).not.toContain('build-tools-in-final-image');
	});

	it('apk: build-base and musl-dev, removed with a virtual package', async () => {
		const musl = [{path: '/lib/ld-musl-x86_64.so.1', size: 600}];
		const muslDev = [{path: '/usr/include/stdio.h', size: 250}];
		const buildBase = [{path: '/usr/share/apk-tools/build-base', size: 5}];
		const apk = (items: Array<[string, Sized[]]>): EntrySpec => ({type: 'file', path: 'lib/apk/db/installed', content: apkInstalled(items.map(([name, files]) => ({name, version: '1-r0', files: files.map(item => item.path)})))});
		const found = await findingsOf([
			[...entries(musl), apk([['musl', musl]])],
			[...entries([...muslDev, ...buildBase]), apk([['musl', musl], ['musl-dev', muslDev], ['build-base', buildBase]])],
		]);
		const build = only(found, 'build-packages-in-final-image');
		expect(build).toMatchObject({layer: 1, bytes: total([...muslDev, ...buildBase])});
		expect(build.fix).toContain('`apk add --no-cache --virtual .build-deps musl-dev build-base`, then `apk del .build-deps` in the same RUN');
	});
	it('their largest files are found once per analysis, for the live build and docs packages only (asked of another, it says so)', async () => {
		const analysis = analyseImage(await loadImage(await writeLayers([baseLayer, buildLayer(true)])));
		const context = {image: analysis.image, history: analysis.history, waste: analysis.waste, finalFiles: analysis.finalFiles, packages: analysis.packages};
		const index = (name: string) => analysis.packages.packages.findIndex(record => record.name === name);
		const files = largestOwnedFiles(context, at => (at === index('gcc-12') || at === index('make') ? 'tools' : undefined));
		expect(files.get('tools')).toEqual([...gcc, ...make].sort((a, b) => b.size - a.size).map(item => ({path: item.path, bytes: item.size})));
		expect(() => largestOwnedFiles(context, at => (at === index('curl') ? 'curl' : undefined))).toThrow(/curl is neither a live build nor a docs package/);
	});
});

describe('documentation and locale packages', () => {
	const curl = [{path: '/usr/bin/curl', size: 1000}];
	const curlDocs = [{path: '/usr/share/doc/curl/changelog.gz', size: 400}, {path: '/usr/share/man/man1/curl.1.gz', size: 200}];
	const manpages = [{path: '/usr/share/man/man1/intro.1.gz', size: 500}, {path: '/usr/share/man/man5/passwd.5.gz', size: 100}];
	const locales = [{path: '/usr/share/i18n/locales/de_DE', size: 900}, {path: '/usr/share/locale/de/LC_MESSAGES/libc.mo', size: 250}];
	// A build package's manual is the build package's finding.
	const make = [{path: '/usr/bin/make', size: 300}, {path: '/usr/share/doc/make/NEWS.gz', size: 80}];
	// The base's docs are heavy-base-image's.
	const baseDocs = [{path: '/usr/share/doc/libc6/changelog.gz', size: 40}];

	it('the whole docs packages and the other packages\' files in /usr/share/{doc,man,info,locale}, by the layer that installed them, with path-exclude advice', async () => {
		const found = await findingsOf([
			[...baseLayer, ...entries(baseDocs)],
			[...entries([...curl, ...curlDocs, ...manpages, ...locales, ...make]), ...dpkgDatabase([...basePackages, deb('curl', '7.88', [...curl, ...curlDocs]), deb('manpages', '6.03', manpages), deb('locales', '2.36-9', locales), deb('make', '4.3', make)])],
		]);
		const docs = only(found, 'docs-in-final-image');
		expect(docs).toMatchObject({layer: 1, bytes: total([...locales, ...manpages, ...curlDocs])});
		expect(docs.title).toBe('documentation and translations from layer 1 ship in the final image: locales, manpages and 2 files of other packages in /usr/share/doc, man, info and locale');
		expect(docs.paths).toEqual([...locales, ...manpages, ...curlDocs].sort((a, b) => b.size - a.size).slice(0, 5).map(item => ({path: item.path, bytes: item.size})));
		expect(docs.fix).toContain('Do not install locales, manpages');
		expect(docs.fix).toContain('`apt-get install --no-install-recommends`');
		expect(docs.fix).toContain('`apt-get purge -y locales manpages`');
		expect(docs.fix).toContain('path-exclude=/usr/share/doc/*, path-include=/usr/share/doc/*/copyright, path-exclude=/usr/share/man/*');
		expect(only(found, 'build-packages-in-final-image').bytes).toBe(total(make));
	});

	it('a copyright file or two beside a large binary is no finding', async () => {
		const big = [{path: '/usr/bin/server', size: 100_000}];
		const copyright = [{path: '/usr/share/doc/server/copyright', size: 300}];
		const found = await findingsOf([baseLayer, [...entries([...big, ...copyright]), ...dpkgDatabase([...basePackages, deb('server', '1', [...big, ...copyright])])]]);
		expect(ids(found)).not.toContain('docs-in-final-image');
	});
});

describe('the base\'s largest packages', () => {
	it('heavy-base-image names them with their bytes, largest first', async () => {
		const perl = [{path: '/usr/bin/perl', size: 3000}];
		const docs = [{path: '/usr/share/doc/perl/changelog.gz', size: 400}, {path: '/usr/share/locale/de/LC_MESSAGES/perl.mo', size: 300}];
		const found = await findingsOf([
			[...entries([...baseFiles, ...perl, ...docs]), ...dpkgDatabase([...basePackages, deb('perl-base', '5.36', [...perl, ...docs])])],
			[file('app/main', 10)],
		]);
		const heavy = only(found, 'heavy-base-image');
		expect(heavy).toMatchObject({layer: 0, bytes: total([...docs, ...gccBase])});
		expect(heavy.fix).toContain(`The base's largest packages: perl-base 5.36 (${prettyBytes(total([...perl, ...docs]))}), libc6 2.36-9 (${prettyBytes(total(libc6))}), gcc-12-base 12.2.0-14 (${prettyBytes(total(gccBase))}).`);
	});
});

describe('packages removed or upgraded in a later layer', () => {
	const jq = [{path: '/usr/bin/jq', size: 50}];
	const tree = [{path: '/usr/bin/tree', size: 800}, {path: '/usr/share/doc/tree/changelog.gz', size: 100}];
	const scratchFile = [{path: '/tmp/download.tar', size: 3000}];

	it('installed in one layer, removed in a later one: the installing layer still ships its files, a finding of the package\'s, not of its paths', async () => {
		const found = await findingsOf([
			baseLayer,
			[...entries([...jq, ...tree, ...scratchFile]), ...dpkgDatabase([...basePackages, deb('jq', '1.6', jq), deb('tree', '2.1', tree)])],
			[{type: 'whiteout', path: 'usr/bin/tree'}, {type: 'whiteout', path: 'usr/share/doc/tree'}, {type: 'whiteout', path: 'var/lib/dpkg/info/tree.list'}, {type: 'whiteout', path: 'tmp/download.tar'}, ...dpkgDatabase([...basePackages, deb('jq', '1.6', jq)])],
		]);
		const removed = only(found, 'package-removed-in-later-layer');
		expect(removed).toMatchObject({layer: 1, bytes: total(tree), title: '1 package installed in layer 1 and removed in layer 2 still ships: tree'});
		expect(removed.paths).toEqual(tree.map(item => ({path: item.path, bytes: item.size})));
		expect(removed.fix).toContain('Install and remove tree in one RUN (`RUN apt-get install -y … && … && apt-get purge -y --auto-remove …`)');
		// The path rule tells of the file no package lists, and of none of tree's.
		const paths = found.filter(finding => finding.id === 'removed-in-later-layer').flatMap(finding => finding.paths.map(item => item.path));
		expect(paths).toContain('/tmp/download.tar');
		expect(paths.filter(item => tree.some(t => t.path === item))).toEqual([]);
	});

	it('installed and removed in one layer: nothing ships, no finding', async () => {
		// The RUN installed tree, used it and purged it: the layer holds neither its files nor its listing.
		const found = await findingsOf([baseLayer, [...entries(jq), ...dpkgDatabase([...basePackages, deb('jq', '1.6', jq)])]]);
		expect(ids(found)).not.toContain('package-removed-in-later-layer');
		expect(ids(found)).not.toContain('package-upgraded-in-later-layer');
	});

	it('upgraded in a later layer: the old version\'s files still ship in the base', async () => {
		const newLibc = [{path: '/usr/lib/x86_64-linux-gnu/libc.so.6', size: 2100}];
		const found = await findingsOf([baseLayer, [...entries(newLibc), ...dpkgDatabase([deb('libc6', '2.36-9+deb12u4', newLibc), basePackages[1]!])]]);
		const upgraded = only(found, 'package-upgraded-in-later-layer');
		expect(upgraded).toMatchObject({layer: 0, bytes: total(libc6), paths: [{path: '/usr/lib/x86_64-linux-gnu/libc.so.6', bytes: 2000}]});
		expect(upgraded.title).toBe('1 package from layer 0 upgraded in layer 1: the old version still ships (libc6 2.36-9 → 2.36-9+deb12u4)');
		expect(upgraded.fix).toMatch(/rebuild the base/);
		const overwritten = found.filter(finding => finding.id === 'overwritten-in-later-layer').flatMap(finding => finding.paths.map(item => item.path));
		expect(overwritten).not.toContain('/usr/lib/x86_64-linux-gnu/libc.so.6');
	});
});

describe('a hostile package name', {timeout: 60_000}, () => {
	const name = 'evil\u001B]0;pwned\u0007\u009B31m\u202E-dev';
	const headers = [{path: '/usr/include/evil.h', size: 400}];
	const layers = () => [baseLayer, [...entries(headers), ...dpkgDatabase([...basePackages, deb(name, '1\u001B[2J', headers)])]];

	it('is kept exactly in the finding and escaped in the text summary', async () => {
		const image = await writeLayers(layers());
		const build = only(analyseImage(await loadImage(image)).findings, 'build-packages-in-final-image');
		expect(build.title).toContain(name);
		const result = await runCli([image]);
		expect(result.code, result.stderr).toBe(0);
		expect(UNSAFE_FOR_TERMINAL.exec(result.stdout)).toBeNull();
		expect(result.stdout).toContain(escapeForTerminal(build.title));
		expect(result.stdout).toContain(`fix: ${escapeForTerminal(build.fix)}`);
	});

	it('leaves JUnit XML that a strict parser reads, its failure naming the finding by its id', async () => {
		const image = await writeLayers(layers());
		const junitFile = path.join(scratch, `junit-${images}.xml`);
		const result = await runCli([image, '--ci', '--fail-on-findings', 'low', '--junit', junitFile]);
		expect(result.code).toBe(1);
		expect(UNSAFE_FOR_TERMINAL.exec(result.stdout)).toBeNull();
		const junit = readFileSync(junitFile, 'utf8');
		const failures: string[] = [];
		const parser = new SaxesParser();
		parser.on('opentag', tag => {
			if (tag.name === 'failure') failures.push(String(tag.attributes.message));
		});
		parser.on('error', error => {
			throw error;
		});
		parser.write(junit).close();
		expect(failures.find(message => message.includes('build-packages-in-final-image'))).toBeDefined();
		expect(UNSAFE_FOR_TERMINAL.exec(junit)).toBeNull();
	});
});
