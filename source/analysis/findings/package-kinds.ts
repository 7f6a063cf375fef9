import type {Ecosystem} from '../../packages/listed-package.js';
import type {PackageRecord} from '../../packages/attribute.js';
import {TOP_PATHS, type FindingContext} from './finding.js';

/**
 * Which packages are build tools and which are documentation, by name, per
 * ecosystem. One place decides, so that two rules never count one package
 * (a build tool's manual is the build tool's finding, not the docs').
 */

/** Compilers, headers and build drivers: needed to build, never to run. Runtime pieces named alike are excluded below. */
const BUILD: Partial<Record<Ecosystem, RegExp>> = {
	deb: /^(build-essential|dpkg-dev|(gcc|g\+\+|cpp|gfortran)(-\d+)?(-[a-z0-9_-]+-linux-gnu)?|clang(-[a-z0-9.+-]+)?|llvm(-[a-z0-9.+-]+)?|make|cmake(-data)?|ninja-build|autoconf|automake|libtool|pkg-config|pkgconf(-bin)?|binutils(-[a-z0-9_-]+)?|.+-dev|libc-dev-bin|linux-headers-.+|linux-compiler-.+|python3-pip|python3-pip-whl|golang(-[\d.]+)?(-go|-src)?|rustc|cargo|(default|openjdk-\d+)-jdk(-headless)?)$/,
	apk: /^(build-base|gcc|g\+\+|gcc-[a-z]+|clang\d*|clang\d*-(dev|extra-tools|static)|llvm\d*|llvm\d*-(dev|static|test-utils)|make|cmake|samurai|ninja|autoconf|automake|libtool|pkgconf|binutils|fortify-headers|linux-headers|.+-dev|py3-pip|go|rust|cargo|openjdk\d+-jdk)$/,
	rpm: /^(gcc|gcc-c\+\+|gcc-gfortran|cpp|clang|clang-devel|llvm|llvm-devel|make|cmake|cmake-data|ninja-build|autoconf|automake|libtool|pkgconf|pkgconf-pkg-config|binutils|glibc-headers|kernel-headers|.+-devel|python3-pip|golang|rust|cargo)$/,
};

/** Runtime pieces that a build pattern would take: gcc-12-base and libgcc are in every Debian image, llvm*-libs serve mesa. */
const NOT_BUILD = /^gcc-\d+-base$|-libs$|-doc$|^manpages/;

/** Manuals, documentation and translations: `*-doc` packages, manpages, locales, language packs. */
const DOCS: Partial<Record<Ecosystem, RegExp>> = {
	deb: /^(.+-docs?|manpages(-.+)?|man-db|info|locales(-all)?|language-pack-.+)$/,
	apk: /^(.+-doc|docs|man-pages|mandoc|musl-locales|.+-lang)$/,
	rpm: /^(.+-doc|man-pages(-.+)?|man-db|glibc-all-langpacks|glibc-langpack-.+|langpacks-.+)$/,
};

export function isBuildPackage(record: PackageRecord): boolean {
	return BUILD[record.ecosystem]?.test(record.name) === true && !NOT_BUILD.test(record.name);
}

export function isDocsPackage(record: PackageRecord): boolean {
	return DOCS[record.ecosystem]?.test(record.name) === true;
}

/** Still installed in the final image. */
export function isLive(record: PackageRecord): boolean {
	return record.removedIn === undefined;
}

/**
 * The final filesystem's regular files whose (first) owner the `groupOf`
 * function places in a group, largest first and at most TOP_PATHS per group;
 * a path string only for the files kept. `groupOf` places only live build
 * and docs packages: their largest files are found once per analysis, in
 * one pass over the path ids, for every rule that asks.
 */
export function largestOwnedFiles<K>(context: FindingContext, groupOf: (packageIndex: number) => K | undefined): Map<K, Array<{path: string; bytes: number}>> {
	const fs = context.finalFiles.fs;
	const kept = new Map<K, Array<{id: number; bytes: number}>>();
	const tops = largestByPackage(context);
	for (let index = 0; index < context.packages.packages.length; index++) {
		const group = groupOf(index);
		if (group === undefined) continue;
		const record = context.packages.packages[index]!;
		if (!isLive(record) || !(isBuildPackage(record) || isDocsPackage(record))) throw new Error(`largestOwnedFiles: ${record.name} is neither a live build nor a docs package`);
		const list = kept.get(group) ?? [];
		kept.set(group, list);
		list.push(...(tops.get(index) ?? []));
	}
	return new Map([...kept].map(([group, list]) => [group, largest(list).map(({id, bytes}) => ({path: fs.paths.pathOf(id), bytes}))]));
}

/** Per analysis (its package report and final walk), each live build or docs package's largest regular files, by package index. */
const byPackage = new WeakMap<FindingContext['packages'], {finalFiles: FindingContext['finalFiles']; tops: Map<number, Array<{id: number; bytes: number}>>}>();

function largestByPackage({finalFiles, packages}: FindingContext): Map<number, Array<{id: number; bytes: number}>> {
	const known = byPackage.get(packages);
	if (known && known.finalFiles === finalFiles) return known.tops;
	const fs = finalFiles.fs;
	// Each package asked about once, not once per file it owns.
	const asked = packages.packages.map(record => isLive(record) && (isBuildPackage(record) || isDocsPackage(record)));
	const lists = new Map<number, Array<{id: number; bytes: number}>>();
	const owners = packages.owners;
	const ids = finalFiles.ids;
	for (let at = 0; at < ids.length; at++) {
		const id = ids[at]!;
		const owner = owners[id]!;
		if (owner === 0 || !asked[owner - 1] || fs.typeOf(id) !== 'file') continue;
		let list = lists.get(owner - 1);
		if (!list) lists.set(owner - 1, (list = []));
		list.push({id, bytes: fs.sizeOf(id)});
		// Bounded: cut to the largest TOP_PATHS once it holds 64 times that.
		if (list.length >= TOP_PATHS * 64) list.splice(0, list.length, ...largest(list));
	}
	const tops = new Map([...lists].map(([index, list]) => [index, largest(list)]));
	byPackage.set(packages, {finalFiles, tops});
	return tops;
}

function largest(list: Array<{id: number; bytes: number}>): Array<{id: number; bytes: number}> {
	return [...list].sort((a, b) => b.bytes - a.bytes || a.id - b.id).slice(0, TOP_PATHS);
}

/** "a, b, c and 4 more": at most `shown` names. */
export function someNames(names: string[], shown: number): string {
	const listed = names.slice(0, shown).join(', ');
	return names.length > shown ? `${listed} and ${names.length - shown} more` : listed;
}

/** Names for a command a fix quotes: at most `shown`, space-separated, and how many were left out ("" for none), to say outside the command. */
export function commandNames(names: string[], shown: number): {names: string; more: string} {
	return {names: names.slice(0, shown).join(' '), more: names.length > shown ? ` (and ${names.length - shown} more)` : ''};
}
