import prettyBytes from 'pretty-bytes';
import {CACHE_DIR_VARIABLE} from '../cache/cache-settings.js';
import {ANALYSIS_FORMAT_VERSION, cacheInfo, clearCache} from '../cache/layer-cache.js';
import {UsageError} from '../errors.js';
import {escapeForTerminal} from '../report/escape.js';

/** `layerscope cache info` and `layerscope cache clear`: what they print. */
export async function cacheCommand(action: 'info' | 'clear', directory: string | null, maxBytes: number): Promise<string> {
	if (!directory) throw new UsageError(`no layer cache: set ${CACHE_DIR_VARIABLE}, XDG_CACHE_HOME or HOME to give it a place`);
	const where = escapeForTerminal(directory);
	if (action === 'clear') {
		const cleared = await clearCache(directory);
		return `removed ${cleared.entries} ${cleared.entries === 1 ? 'layer' : 'layers'}, ${cleared.analyses} ${cleared.analyses === 1 ? 'analysis' : 'analyses'} (${prettyBytes(cleared.bytes)}) from ${where}\n`;
	}
	const info = await cacheInfo(directory, maxBytes);
	const lines = [
		`directory  ${where}`,
		`layers     ${info.entries} (${prettyBytes(info.bytes)}), format version ${info.formatVersion}`,
		`analyses   ${info.analyses} (${prettyBytes(info.analysisBytes)}), format version ${ANALYSIS_FORMAT_VERSION}`,
		...(info.otherVersionEntries > 0 ? [`older      ${info.otherVersionEntries} of other format versions (${prettyBytes(info.otherVersionBytes)}), removed as the least recently used`] : []),
		`limit      ${prettyBytes(info.maxBytes, {binary: true})} (LAYERSCOPE_CACHE_SIZE), ${prettyBytes(info.bytes + info.analysisBytes + info.otherVersionBytes)} used`,
	];
	return lines.join('\n') + '\n';
}
