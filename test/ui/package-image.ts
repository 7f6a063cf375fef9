/** An image with a dpkg database, for the browser's packages list (test/ui and test/e2e). */
import {writeImage} from '../fixtures/image-writer.js';
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {dpkgDatabase, file, type DebPackage} from '../packages/databases.js';

/** A package name that tries to retitle and clear the terminal. */
export const HOSTILE_PACKAGE = 'evil\u001B]0;pwned\u0007\u001B[2Jname';

/** Enough small packages that the list scrolls at 80×24: pkg-01 … pkg-40, sizes 400 down to 10 bytes. */
export const SMALL_PACKAGES = 40;

const small: DebPackage[] = Array.from({length: SMALL_PACKAGES}, (_, at) => ({name: `pkg-${String(at + 1).padStart(2, '0')}`, version: '1', files: [`/usr/lib/pkg-${String(at + 1).padStart(2, '0')}.so`]}));
const jq: DebPackage = {name: 'jq', version: '1.6-2.1', files: ['/usr', '/usr/bin', '/usr/bin/jq', '/usr/share/doc/jq/copyright', '/usr/share/man/man1/jq.1.gz']};
const hostile: DebPackage = {name: HOSTILE_PACKAGE, version: '0.1', files: ['/usr/bin/evil']};
const base: DebPackage[] = [jq, hostile, {name: 'old', version: '2', files: ['/usr/bin/old']}, {name: 'tool', version: '1.0', files: ['/usr/bin/tool']}, ...small];

/** Layer 0 installs everything; layer 1 removes old, upgrades tool to 1.1 and adds the app (which no package lists). */
export function packageImageLayers(): EntrySpec[][] {
	return [
		[
			file('usr/bin/jq', 30_000),
			file('usr/share/doc/jq/copyright', 1_500),
			file('usr/share/man/man1/jq.1.gz', 2_500),
			file('usr/bin/evil', 700),
			file('usr/bin/old', 5_000),
			file('usr/bin/tool', 800),
			...small.map((item, at) => file(item.files[0]!.slice(1), (SMALL_PACKAGES - at) * 10)),
			...dpkgDatabase(base),
		],
		[
			{type: 'whiteout', path: 'usr/bin/old'},
			{type: 'whiteout', path: 'var/lib/dpkg/info/old.list'},
			file('usr/bin/tool', 900, 'y'),
			file('app/data', 50_000),
			...dpkgDatabase([...base.filter(item => item.name !== 'old' && item.name !== 'tool'), {name: 'tool', version: '1.1', files: ['/usr/bin/tool']}]),
		],
	];
}

/** jq's files as its list names them (directories left out). */
export const JQ_FILES = ['/usr/bin/jq', '/usr/share/doc/jq/copyright', '/usr/share/man/man1/jq.1.gz'];

export async function writePackageImage(outPath: string): Promise<string> {
	const written = await writeImage({layers: packageImageLayers().map(entries => ({entries}))}, {format: 'oci-archive', outPath});
	return written.path;
}
