import os from 'node:os';
import path from 'node:path';
import {UsageError} from '../errors.js';
import {formatLimit, parseLimitBytes} from '../limits.js';
import {LayerCache} from './layer-cache.js';

export const CACHE_DIR_VARIABLE = 'LAYERSCOPE_CACHE_DIR';
export const CACHE_SIZE_VARIABLE = 'LAYERSCOPE_CACHE_SIZE';
export const DEFAULT_CACHE_BYTES = 2 ** 30;

/**
 * Where the cache lives: LAYERSCOPE_CACHE_DIR as given, else
 * $XDG_CACHE_HOME/layerscope, else ~/.cache/layerscope. XDG says a relative
 * XDG_CACHE_HOME is to be ignored; a relative LAYERSCOPE_CACHE_DIR is the
 * user's own choice and is taken from the working directory. Null when no
 * home can be found either.
 */
export function cacheDirectory(env: NodeJS.ProcessEnv, home: () => string = os.homedir): string | null {
	const chosen = env[CACHE_DIR_VARIABLE];
	if (chosen) return path.resolve(chosen);
	const xdg = env.XDG_CACHE_HOME;
	if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'layerscope');
	let homeDirectory = env.HOME;
	if (!homeDirectory) {
		try {
			homeDirectory = home();
		} catch {
			return null;
		}
	}
	return homeDirectory && path.isAbsolute(homeDirectory) ? path.join(homeDirectory, '.cache', 'layerscope') : null;
}

/** The bound: LAYERSCOPE_CACHE_SIZE ("2GiB", "500MB", bytes), 1 GiB by default. */
export function cacheMaxBytes(env: NodeJS.ProcessEnv): number {
	const text = env[CACHE_SIZE_VARIABLE];
	if (text === undefined || text === '') return DEFAULT_CACHE_BYTES;
	const bytes = parseLimitBytes(text);
	if (bytes === undefined) throw new UsageError(`${CACHE_SIZE_VARIABLE} must be a positive size (e.g. ${formatLimit(DEFAULT_CACHE_BYTES).replace(' ', '')}), not "${text}"`);
	return bytes;
}

/** The cache a run uses, or null (nowhere to put it: one warning). */
export function openLayerCache(env: NodeJS.ProcessEnv, onWarning: (line: string) => void): LayerCache | null {
	const maxBytes = cacheMaxBytes(env);
	const directory = cacheDirectory(env);
	if (!directory) {
		onWarning(`warning: no layer cache: set ${CACHE_DIR_VARIABLE}, XDG_CACHE_HOME or HOME to give it a place`);
		return null;
	}
	return new LayerCache(directory, maxBytes, onWarning);
}
