import type {Image} from '../model.js';
import {fileLine, fileRecord} from '../report/file-record.js';
import {walkTree} from '../tree/filesystem.js';
import {filesystemAt} from '../tree/filesystem-at.js';

// Where the line shapes are defined; the browser and the tests read them from here too.
export {fileLine, fileRecord, modeString} from '../report/file-record.js';

export {filesystemAt} from '../tree/filesystem-at.js';

export function* filesOutput(image: Image, options: {layer?: number; json: boolean}): Generator<string> {
	const fs = filesystemAt(image, options.layer);
	for (const [path, node] of walkTree(fs)) {
		yield options.json ? JSON.stringify(fileRecord(path, node)) : fileLine(path, node);
	}
}
