import {UsageError} from '../errors.js';
import type {Image} from '../model.js';
import {packagesAfter, type PackageRecord, type PackageReport} from '../packages/attribute.js';
import {escapeForTerminal} from '../report/escape.js';

/** The packages as the image stands after layer `layerIndex` (default: the last): only the layers up to it are stacked. */
export function packagesAt(image: Image, layerIndex = image.layers.length - 1): PackageReport {
	if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= image.layers.length) {
		throw new UsageError(`--layer must be between 0 and ${image.layers.length - 1} for this image, not ${layerIndex}`);
	}
	return packagesAfter(image, layerIndex);
}

/**
 * `layerscope packages IMAGE [--json] [--layer N]`: one line per package
 * version, largest first, then the unowned bytes; with --json, one document
 * (the report's `packages` shape, with unowned bytes and notes). Notes go
 * to `note`, one line each.
 */
export function* packagesOutput(report: PackageReport, options: {json: boolean}): Generator<string> {
	if (options.json) {
		yield JSON.stringify({packages: report.packages, unownedBytes: report.unownedBytes, unownedByLayer: report.unownedByLayer, notes: report.notes});
		return;
	}
	for (const record of report.packages) yield packageLine(record);
	yield `${String(report.unownedBytes).padStart(12)} unowned (${report.unownedByLayer.map((bytes, layer) => `layer ${layer}: ${bytes}`).join(', ')})`;
}

/** bytes, dead bytes, files, layer, then ecosystem, name, version, architecture (escaped), and what became of it. */
export function packageLine(record: PackageRecord): string {
	const fate = record.removedIn === undefined ? '' : record.upgradedTo !== undefined ? `  upgraded to ${escapeForTerminal(record.upgradedTo)} in layer ${record.removedIn}` : `  removed in layer ${record.removedIn}`;
	const arch = record.architecture === undefined ? '' : ` ${escapeForTerminal(record.architecture)}`;
	return `${String(record.bytes).padStart(12)} ${`dead ${record.deadBytes}`.padStart(16)} ${`${record.files} files`.padStart(12)}  layer ${String(record.layer).padEnd(3)} ${record.ecosystem.padEnd(6)} ${escapeForTerminal(record.name)} ${escapeForTerminal(record.version)}${arch}${fate}`;
}
