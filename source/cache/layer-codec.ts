import {serialize, deserialize} from 'node:v8';
import type {LayerReadResult} from '../layer/read-layer.js';

/**
 * The one place that knows how a layer's read result is laid out on disk.
 * The structured-clone format round-trips every field of LayerReadResult,
 * whatever it holds (plain objects and arrays today, typed arrays when the
 * model becomes compact), so a change to that type changes only this file
 * and CACHE_FORMAT_VERSION. Bump the version whenever what readLayer
 * produces changes meaning (a new field, a field computed differently):
 * entries of other versions are then ignored and rewritten, never misread.
 */
export const CACHE_FORMAT_VERSION = 1;

export function encodeLayer(result: LayerReadResult): Buffer {
	return serialize(result);
}

/** The result, or null when the bytes are not one (a payload the checksum passed, written by a different build). */
export function decodeLayer(payload: Uint8Array): LayerReadResult | null {
	let value: unknown;
	try {
		value = deserialize(payload);
	} catch {
		return null;
	}
	return isLayerReadResult(value) ? value : null;
}

/** The fields the cache itself relies on; the rest is trusted to the checksum and the format version. */
function isLayerReadResult(value: unknown): value is LayerReadResult {
	if (typeof value !== 'object' || value === null) return false;
	const result = value as Partial<LayerReadResult>;
	return typeof result.diffId === 'string' && typeof result.blobDigest === 'string' && typeof result.compression === 'string' && typeof result.compressedSize === 'number';
}
