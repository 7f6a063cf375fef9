import {UsageError} from '../errors.js';
import type {Image} from '../model.js';
import {FileSystem} from './filesystem.js';

/** The filesystem as it stands after layer `layerIndex` (default: the last). */
export function filesystemAt(image: Image, layerIndex = image.layers.length - 1): FileSystem {
	if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= image.layers.length) {
		throw new UsageError(`--layer must be between 0 and ${image.layers.length - 1} for this image, not ${layerIndex}`);
	}
	const fs = new FileSystem();
	for (const layer of image.layers.slice(0, layerIndex + 1)) fs.apply(layer, layer.index);
	return fs;
}
