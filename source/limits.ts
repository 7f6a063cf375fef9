import process from 'node:process';
import {UsageError} from './errors.js';

/**
 * How much work an image may ask for. Every image is hostile: a few
 * kilobytes can claim a petabyte file or list one blob ten thousand times,
 * so whatever grows with what the input says (not with bytes actually read)
 * is capped. The defaults are far above what real images reach; the ones a
 * legitimate image could still hit can be raised through the environment
 * (also seen by worker threads, which inherit it).
 */
export interface Limits {
	/** Bytes one layer may expand to: its uncompressed tar plus the holes of its sparse files. */
	layerBytes: number;
	/** Entries the image may hold, counting a layer as often as the manifest lists it. */
	entries: number;
	/** Bytes of one manifest, index or config (registries cap manifests at 4 MiB). */
	documentBytes: number;
}

export const LIMIT_VARIABLES = {
	layerBytes: 'LAYERSCOPE_MAX_LAYER_SIZE',
	entries: 'LAYERSCOPE_MAX_ENTRIES',
	documentBytes: 'LAYERSCOPE_MAX_DOCUMENT_SIZE',
} as const satisfies Record<keyof Limits, string>;

export const DEFAULT_LIMITS: Limits = {
	layerBytes: 64 * 2 ** 30,
	entries: 5_000_000,
	documentBytes: 4 * 2 ** 20,
};

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so do we, for every lookup. */
export const MAX_SYMLINKS_PER_LOOKUP = 40;

/**
 * Directories deeper than this cannot be made by a runtime (a path of one-letter names would be
 * over twice PATH_MAX); a layer that nests deeper is refused before any walk of its tree.
 */
export const MAX_PATH_DEPTH = 8192;

/** A size with an optional binary or decimal unit: "64GiB", "500MB", "1048576". */
export function parseLimitBytes(text: string): number | undefined {
	const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?)b?\s*$/i.exec(text);
	if (!match) return undefined;
	// No unit is bytes ('kmgtp'.indexOf('') would be 0, making a bare number kilobytes).
	const power = match[2] ? 'kmgtp'.indexOf(match[2].toLowerCase()) + 1 : 0;
	const value = Number(match[1]) * (match[3] ? 1024 : 1000) ** power;
	return Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

let cached: Limits | undefined;

/** The limits in force: the defaults, raised (or lowered) by LAYERSCOPE_MAX_* variables. */
export function limits(env: NodeJS.ProcessEnv = process.env): Limits {
	if (env === process.env && cached) return cached;
	const read = (key: keyof Limits, parse: (text: string) => number | undefined): number => {
		const text = env[LIMIT_VARIABLES[key]];
		if (text === undefined || text === '') return DEFAULT_LIMITS[key];
		const value = parse(text);
		if (value === undefined) throw new LimitSettingError(`${LIMIT_VARIABLES[key]} must be a positive ${key === 'entries' ? 'number' : 'size (e.g. 128GiB)'}, not "${text}"`);
		return value;
	};
	const result: Limits = {
		layerBytes: read('layerBytes', parseLimitBytes),
		entries: read('entries', text => (/^\s*\d+\s*$/.test(text) && Number(text) > 0 ? Number(text) : undefined)),
		documentBytes: read('documentBytes', parseLimitBytes),
	};
	if (env === process.env) cached = result;
	return result;
}

/** A LAYERSCOPE_MAX_* variable that does not read as a limit. */
export class LimitSettingError extends UsageError {}

/** "64 GiB": limits are said the way they are set. */
export function formatLimit(bytes: number): string {
	for (const [unit, size] of [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
		if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
	}
	return `${bytes} bytes`;
}

/** A package database file (dpkg status, a .list, apk's installed, a RECORD) larger than this is noted, not read. */
export const MAX_PACKAGE_FILE_BYTES = 16 * 2 ** 20;
/** rpm's SQLite database holds every header: larger than the others. */
export const MAX_RPMDB_BYTES = 64 * 2 ** 20;
/** Package database bytes one layer may keep in all (a real layer keeps a few MiB). */
export const MAX_PACKAGE_DATABASE_BYTES = 256 * 2 ** 20;
/** Package database files one layer may keep (a node_modules tree has a package.json per package). */
export const MAX_PACKAGE_FILES_PER_LAYER = 200_000;
