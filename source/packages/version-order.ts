import {createRequire} from 'node:module';
import type {Ecosystem} from './listed-package.js';

// Loaded when an npm or a python version is first compared: importing both costs every diff 30 ms, and most compare neither.
const require = createRequire(import.meta.url);
let semver: {valid: typeof import('semver').valid; compare: typeof import('semver').compare} | undefined;
let pep440: typeof import('@renovatebot/pep440') | undefined;
const npmVersions = () => (semver ??= {valid: require('semver/functions/valid.js'), compare: require('semver/functions/compare.js')});
const pythonVersions = () => (pep440 ??= require('@renovatebot/pep440'));

/**
 * Which of two versions of one package is newer, by its ecosystem's own
 * rules: negative when x is older, positive when newer, 0 when the two are
 * equal versions; null when no ordering is known here or either version does
 * not parse by those rules. Never guessed: a null is said as "changed".
 *
 * deb: dpkg's comparison (Debian Policy 5.6.12), written out below and
 * checked against `dpkg --compare-versions` in the tests; npm: `semver`, the
 * parser npm itself uses; python: PEP 440 (`@renovatebot/pep440`). apk and
 * rpm have no well-kept library, so their versions are not ordered.
 */
export function compareVersions(ecosystem: Ecosystem, x: string, y: string): number | null {
	if (x === y) return 0;
	switch (ecosystem) {
		case 'deb':
			return validDebian(x) && validDebian(y) ? Math.sign(compareDebian(x, y)) : null;
		case 'npm': {
			const {valid, compare} = npmVersions();
			return valid(x) && valid(y) ? compare(x, y) : null;
		}
		case 'python': {
			const {valid, compare} = pythonVersions();
			return valid(x) && valid(y) ? Math.sign(compare(x, y)) : null;
		}
		default:
			return null;
	}
}

/** Whether `ecosystem` has an order here at all (apk and rpm do not). */
export function hasVersionOrder(ecosystem: Ecosystem): boolean {
	return ecosystem === 'deb' || ecosystem === 'npm' || ecosystem === 'python';
}

/** [epoch:]upstream[-revision], as dpkg accepts it: a numeric epoch, an upstream version starting with a digit, only the characters Policy allows. */
const DEBIAN_VERSION = /^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$/;

function validDebian(version: string): boolean {
	if (!DEBIAN_VERSION.test(version) || version.endsWith('-')) return false;
	// Past the epoch's colon, upstream may hold colons; the revision (after the last hyphen) may not.
	return !splitDebian(version).revision.includes(':');
}

function splitDebian(version: string): {epoch: number; upstream: string; revision: string} {
	const colon = version.indexOf(':');
	const epoch = colon === -1 ? 0 : Number(version.slice(0, colon));
	const rest = colon === -1 ? version : version.slice(colon + 1);
	const hyphen = rest.lastIndexOf('-');
	return {epoch, upstream: hyphen === -1 ? rest : rest.slice(0, hyphen), revision: hyphen === -1 ? '' : rest.slice(hyphen + 1)};
}

/** dpkg's dpkg_version_compare: the epochs as numbers, then upstream, then revision by verrevcmp. */
function compareDebian(x: string, y: string): number {
	const a = splitDebian(x);
	const b = splitDebian(y);
	return a.epoch - b.epoch || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isAlpha = (code: number) => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/** dpkg's order of a non-digit character: the end and digits 0, `~` before everything (the end included), letters before other characters. */
function order(code: number): number {
	if (Number.isNaN(code) || isDigit(code)) return 0;
	if (isAlpha(code)) return code;
	if (code === 0x7e) return -1;
	return code + 256;
}

/** dpkg's verrevcmp: alternating runs of non-digits (by order()) and digits (as numbers). */
function verrevcmp(a: string, b: string): number {
	let i = 0;
	let j = 0;
	// charCodeAt past the end is NaN: the end of the string, as C's NUL.
	while (i < a.length || j < b.length) {
		while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
			const ac = order(a.charCodeAt(i));
			const bc = order(b.charCodeAt(j));
			if (ac !== bc) return ac - bc;
			i++;
			j++;
		}
		while (a.charCodeAt(i) === 0x30) i++;
		while (b.charCodeAt(j) === 0x30) j++;
		let firstDiff = 0;
		while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
			if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
			i++;
			j++;
		}
		if (isDigit(a.charCodeAt(i))) return 1;
		if (isDigit(b.charCodeAt(j))) return -1;
		if (firstDiff !== 0) return firstDiff;
	}
	return 0;
}
