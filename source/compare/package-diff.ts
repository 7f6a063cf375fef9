import type {PackageRecord, PackageTotals} from '../packages/attribute.js';
import type {Ecosystem} from '../packages/listed-package.js';
import {compareVersions} from '../packages/version-order.js';

/**
 * What happened to a package from A to B: `added` (B alone ships it),
 * `removed` (A alone), `upgraded` / `downgraded` (another version, newer or
 * older by the ecosystem's order), `changed` (another version where no order
 * is known, or versions came and went both ways), `resized` (the same
 * versions, other bytes: files rewritten, or a copy more or fewer).
 */
export const PACKAGE_CHANGE_KINDS = ['added', 'removed', 'upgraded', 'downgraded', 'changed', 'resized'] as const;
export type PackageChangeKind = (typeof PACKAGE_CHANGE_KINDS)[number];

export interface PackageChange {
	kind: PackageChangeKind;
	ecosystem: Ecosystem;
	/** As B's database spells it (A's for a removed package). */
	name: string;
	architecture: string | null;
	/** The distinct versions each side ships, oldest first where the ecosystem is ordered (else as text); [] on the side without it. */
	versions: {a: string[]; b: string[]};
	/** How many installations each side has: an npm name at several node_modules roots, a python name in several site-packages. */
	installs: {a: number; b: number};
	/** Bytes in each final filesystem, all installations together, as the package report counts them. */
	bytes: {a: number; b: number; delta: number};
}

export interface PackageDiff {
	/** Every package that changed, the largest change in bytes first (then by ecosystem, name, architecture). */
	changes: PackageChange[];
	/** Per kind: how many, and their bytes on each side. */
	totals: Record<PackageChangeKind, {count: number; a: number; b: number; delta: number}>;
	/** Packages both sides ship at the same versions with the same bytes. */
	unchanged: number;
	/** Final-filesystem bytes no package lists, on each side. */
	unowned: {a: number; b: number; delta: number};
}

interface Side {
	ecosystem: Ecosystem;
	name: string;
	architecture: string | null;
	versions: string[];
	installs: number;
	bytes: number;
}

/**
 * A's packages against B's: those each final image ships (a version a later
 * layer removed or upgraded is not shipped). A package is the same one on
 * both sides when its ecosystem, name and architecture are; python names
 * compare as PEP 503 normalises them (`Foo_Bar` is `foo-bar`). Where one
 * image holds a name several times (npm's nested node_modules, two
 * site-packages), its installations are one package: their versions
 * together, their bytes summed — where each copy sits is not an identity
 * that survives a rebuild.
 */
export function diffPackages(a: PackageTotals, b: PackageTotals): PackageDiff {
	const before = shipped(a.packages);
	const after = shipped(b.packages);
	const changes: PackageChange[] = [];
	let unchanged = 0;
	for (const key of new Set([...before.keys(), ...after.keys()])) {
		const was = before.get(key);
		const is = after.get(key);
		const named = (is ?? was)!;
		const kind = changeKind(was, is);
		if (kind === null) {
			unchanged++;
			continue;
		}
		const [bytesA, bytesB] = [was?.bytes ?? 0, is?.bytes ?? 0];
		changes.push({
			kind,
			ecosystem: named.ecosystem,
			name: named.name,
			architecture: named.architecture,
			versions: {a: was?.versions ?? [], b: is?.versions ?? []},
			installs: {a: was?.installs ?? 0, b: is?.installs ?? 0},
			bytes: {a: bytesA, b: bytesB, delta: bytesB - bytesA},
		});
	}
	changes.sort((x, y) => Math.abs(y.bytes.delta) - Math.abs(x.bytes.delta) || text(x.ecosystem, y.ecosystem) || text(x.name, y.name) || text(x.architecture ?? '', y.architecture ?? ''));
	const totals = Object.fromEntries(PACKAGE_CHANGE_KINDS.map(kind => [kind, {count: 0, a: 0, b: 0, delta: 0}])) as PackageDiff['totals'];
	for (const change of changes) {
		const total = totals[change.kind];
		total.count++;
		total.a += change.bytes.a;
		total.b += change.bytes.b;
		total.delta += change.bytes.delta;
	}
	return {changes, totals, unchanged, unowned: {a: a.unownedBytes, b: b.unownedBytes, delta: b.unownedBytes - a.unownedBytes}};
}

/** The shipped versions by identity, installations grouped. */
function shipped(records: PackageRecord[]): Map<string, Side> {
	const sides = new Map<string, Side>();
	for (const record of records) {
		if (record.removedIn !== undefined) continue;
		const architecture = record.architecture ?? null;
		const name = record.ecosystem === 'python' ? record.name.toLowerCase().replace(/[-_.]+/g, '-') : record.name;
		const key = JSON.stringify([record.ecosystem, name, architecture]);
		const side = sides.get(key) ?? {ecosystem: record.ecosystem, name: record.name, architecture, versions: [], installs: 0, bytes: 0};
		if (!side.versions.includes(record.version)) side.versions.push(record.version);
		side.installs++;
		side.bytes += record.bytes;
		sides.set(key, side);
	}
	for (const side of sides.values()) side.versions = ordered(side.ecosystem, side.versions);
	return sides;
}

/** Oldest first when every version is ordered by the ecosystem's rules; else by text, so the list reads the same every run. */
function ordered(ecosystem: Ecosystem, versions: string[]): string[] {
	const byText = [...versions].sort(text);
	const all = byText.every(version => compareVersions(ecosystem, byText[0]!, version) !== null);
	return all ? byText.sort((x, y) => compareVersions(ecosystem, x, y)!) : byText;
}

/**
 * null for no change. Versions only A has against versions only B has:
 * upgraded when each of B's is newer than each of A's, downgraded when
 * older; changed when the order is unknown or mixed, or when versions only
 * came or only went while the others stayed (a second copy installed).
 */
function changeKind(was: Side | undefined, is: Side | undefined): PackageChangeKind | null {
	if (!was) return 'added';
	if (!is) return 'removed';
	const gone = was.versions.filter(version => !is.versions.includes(version));
	const come = is.versions.filter(version => !was.versions.includes(version));
	if (gone.length === 0 && come.length === 0) return was.bytes === is.bytes ? null : 'resized';
	if (gone.length === 0 || come.length === 0) return 'changed';
	const orders = gone.flatMap(old => come.map(neu => compareVersions(was.ecosystem, neu, old)));
	if (orders.every(order => order !== null && order > 0)) return 'upgraded';
	if (orders.every(order => order !== null && order < 0)) return 'downgraded';
	return 'changed';
}

function text(x: string, y: string): number {
	return x < y ? -1 : x > y ? 1 : 0;
}
