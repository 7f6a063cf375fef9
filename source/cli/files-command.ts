import type {Image} from '../model.js';
import {UsageError} from '../errors.js';
import {fileLine, fileRecord} from '../report/file-record.js';
import {FileSystem, walkTree} from '../tree/filesystem.js';

// Where the line shapes are defined; the browser and the tests read them from here too.
export {fileLine, fileRecord, modeString} from '../report/file-record.js';

/** The filesystem as it stands after layer `layerIndex` (default: the last). */
export function filesystemAt(image: Image, layerIndex = image.layers.length - 1): FileSystem {
	if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= image.layers.length) {
		throw new UsageError(`--layer must be between 0 and ${image.layers.length - 1} for this image, not ${layerIndex}`);
	}
	const fs = new FileSystem();
	for (const layer of image.layers.slice(0, layerIndex + 1)) fs.apply(layer, layer.index);
	return fs;
}

export function* filesOutput(image: Image, options: {layer?: number; json: boolean}): Generator<string> {
	const fs = filesystemAt(image, options.layer);
	for (const [path, node] of walkTree(fs)) {
		yield options.json ? JSON.stringify(fileRecord(path, node)) : fileLine(path, node);
	}
}
