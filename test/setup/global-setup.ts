/**
 * Runs once before any test: the system tools the tests use (installed here when it may), then the
 * interoperability images (built once per Containerfile and script). When either cannot be had, the run
 * stops here with one line, before a single test has failed for a reason it does not name.
 */
import process from 'node:process';
import {ensureInteropImages} from '../interop/build-images.js';
import {ensureSystemTools} from './system-tools.js';

function stop(line: string): never {
	process.stderr.write(`${line}\n`);
	process.exit(1);
}

export default function setup(): void {
	const missing = ensureSystemTools();
	if (missing) stop(missing);
	try {
		const result = ensureInteropImages();
		if (result.built) process.stderr.write(`layerscope tests: built the interoperability images in ${result.seconds.toFixed(1)} s (${result.dir})\n`);
	} catch (error) {
		stop(`layerscope tests: cannot build the interoperability images: ${(error as Error).message}`);
	}
}
