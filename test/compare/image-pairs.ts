/**
 * Pairs of images built here, in TypeScript, for the comparison tests: a v1 and a v2 of one app on one
 * base, between them every kind of difference a comparison reports (added, removed, modified, only in
 * mode or owner, a type change, a symlink's new target, a directory replaced through an opaque
 * whiteout, a directory deleted whole, moves and an ambiguous one, config changes), and a hostile name.
 */
import type {EntrySpec} from '../fixtures/layer-builder.js';
import {writeImage, type Format, type WrittenImage} from '../fixtures/image-writer.js';

/** A label of B's, key and value terminal escapes and Markdown. */
export const HOSTILE_LABEL = {key: 'org.evil\u001b]0;pwned\u0007', value: '<img src=x>\u001b[2J|`rm -rf`|'};

/** A file name that is also terminal escapes and Markdown syntax. */
export const HOSTILE_NAME = 'evil\u001b[31m|*x*`y`<b>[l](javascript:x)\u0007.txt';

const base: EntrySpec[] = [
	{type: 'dir', path: 'etc'},
	{type: 'file', path: 'etc/os-release', content: 'ID=debian\n', mode: 0o644},
	{type: 'file', path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n'},
	{type: 'dir', path: 'usr/lib'},
	{type: 'file', path: 'usr/lib/libc.so', content: 'c'.repeat(50_000)},
	{type: 'dir', path: 'srv/data'},
	{type: 'file', path: 'srv/data/a.txt', content: 'a'.repeat(3000)},
	{type: 'file', path: 'srv/data/b.txt', content: 'b'.repeat(4000)},
	{type: 'dir', path: 'opt/tool/bin'},
	{type: 'file', path: 'opt/tool/bin/tool', content: 't'.repeat(7000), mode: 0o755},
	{type: 'dir', path: 'var/cache'},
	{type: 'file', path: 'var/cache/index', content: 'i'.repeat(900)},
	{type: 'symlink', path: 'bin/sh', target: '/bin/busybox'},
	{type: 'file', path: 'bin/busybox', content: 'busybox', mode: 0o755},
];

const v1App: EntrySpec[] = [
	{type: 'dir', path: 'app'},
	{type: 'file', path: 'app/main.js', content: 'console.log(1)\n'.repeat(40)},
	{type: 'file', path: 'app/same-size.txt', content: 'aaaa'},
	{type: 'file', path: 'app/fixture.json', content: '{"fixture":true}'.repeat(50)},
	{type: 'file', path: 'app/old-name.txt', content: 'this content moves to a new name'},
	{type: 'file', path: 'app/twin-1', content: 'twins are ambiguous'},
	{type: 'file', path: 'app/twin-2', content: 'twins are ambiguous'},
	{type: 'symlink', path: 'app/current', target: 'release-1'},
	{type: 'file', path: 'app/conf', content: 'conf as a file'},
];

const v2App: EntrySpec[] = [
	{type: 'dir', path: 'app'},
	{type: 'file', path: 'app/main.js', content: 'console.log("two")\n'.repeat(60)},
	{type: 'file', path: 'app/same-size.txt', content: 'bbbb'},
	{type: 'file', path: 'app/new-name.txt', content: 'this content moves to a new name'},
	{type: 'file', path: 'app/twin-3', content: 'twins are ambiguous'},
	{type: 'symlink', path: 'app/current', target: 'release-2'},
	{type: 'dir', path: 'app/conf'},
	{type: 'file', path: 'app/conf/settings', content: 'conf as a directory'},
	{type: 'file', path: `app/${HOSTILE_NAME}`, content: 'hostile'.repeat(1500)},
	// The same bytes, new mode and owner: metadata only.
	{type: 'file', path: 'etc/os-release', content: 'ID=debian\n', mode: 0o600},
	{type: 'file', path: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n', uid: 1000, gid: 1000},
	// srv/data replaced: its lower contents hidden, one new file.
	{type: 'opaque', path: 'srv/data'},
	{type: 'file', path: 'srv/data/c.txt', content: 'c'.repeat(500)},
	// A directory deleted whole.
	{type: 'whiteout', path: 'opt/tool'},
	{type: 'file', path: 'usr/lib/libnew.so', content: 'n'.repeat(20_000)},
];

export interface ImagePair {
	a: WrittenImage;
	b: WrittenImage;
}

/** v1 (base + its app layer) and v2 (the same base, a rebuilt app layer, a layer that deletes the cache), in the formats asked. */
export async function writeAppPair(dir: string, formats: {a: Format; b: Format} = {a: 'oci-dir', b: 'docker-legacy'}): Promise<ImagePair> {
	const extension = (format: Format) => (format === 'oci-dir' ? '' : '.tar');
	const a = await writeImage(
		{
			layers: [{entries: base}, {entries: v1App}],
			config: {Env: ['PATH=/usr/bin:/bin', 'MODE=dev'], User: 'root', ExposedPorts: {'8080/tcp': {}}, Labels: {version: '1'}, Cmd: ['node', 'app/main.js']},
			repoTags: ['example.test/app:1'],
		},
		{format: formats.a, outPath: `${dir}/app-v1${extension(formats.a)}`},
	);
	const b = await writeImage(
		{
			layers: [{entries: base}, {entries: v2App}, {entries: [{type: 'whiteout', path: 'var/cache/index'}]}],
			config: {Env: ['PATH=/usr/bin:/bin', 'MODE=prod', 'NEW=1'], User: 'app', ExposedPorts: {'8080/tcp': {}, '9090/tcp': {}}, Labels: {version: '2', [HOSTILE_LABEL.key]: HOSTILE_LABEL.value}, Cmd: ['node', 'app/main.js', '--prod']},
			repoTags: ['example.test/app:2'],
		},
		{format: formats.b, outPath: `${dir}/app-v2${extension(formats.b)}`},
	);
	return {a, b};
}

/** A layer that moved: B has A's second layer again, after a new one (so it is "elsewhere", not shared). */
export async function writeReorderedPair(dir: string): Promise<ImagePair> {
	const step = {entries: [{type: 'file', path: 'step.txt', content: 'the same step'}] satisfies EntrySpec[]};
	const a = await writeImage({layers: [{entries: base}, step], repoTags: ['example.test/re:1']}, {format: 'oci-dir', outPath: `${dir}/re-v1`});
	const b = await writeImage({layers: [{entries: base}, {entries: [{type: 'file', path: 'new.txt', content: 'new'}]}, step], repoTags: ['example.test/re:2']}, {format: 'oci-dir', outPath: `${dir}/re-v2`});
	return {a, b};
}
