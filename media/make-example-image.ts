/**
 * Writes media/example.tar, the small image `npm start` opens: a Python web
 * app built the way many real images are, with the usual waste in it (apt
 * lists and caches, a pip cache, a .git directory and logs copied in, a
 * `chmod -R` that stores every app file twice, a cleanup in a later RUN that
 * frees nothing, a compiler left in, no USER). Deterministic: the same bytes
 * every run. Run with `npx tsx media/make-example-image.ts`.
 */
import {mkdtempSync, renameSync, rmSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {writeImage} from '../test/fixtures/image-writer.js';
import type {EntrySpec} from '../test/fixtures/layer-builder.js';
import {prng} from '../test/fixtures/random.js';

const here = path.dirname(fileURLToPath(import.meta.url));


const random = prng(2024);
const WORDS = 'the package version depends on python library install config module error file data build system network user value default option return import class def self print test debian amd64 description section priority maintainer'.split(' ');

function text(bytes: number): string {
	let out = '';
	while (out.length < bytes) out += WORDS[Math.floor(random() * WORDS.length)] + (random() < 0.12 ? '\n' : ' ');
	return out.slice(0, bytes);
}

/** Machine code compresses about 2:1; this does too. */
function binary(bytes: number): Buffer {
	const out = Buffer.alloc(bytes);
	for (let i = 0; i < bytes; i++) out[i] = random() < 0.5 ? Math.floor(random() * 16) : Math.floor(random() * 256);
	return out;
}

const file = (filePath: string, content: string | Buffer, mode = 0o644): EntrySpec => ({type: 'file', path: filePath, content, mode});
const dir = (dirPath: string, mode = 0o755): EntrySpec => ({type: 'dir', path: dirPath, mode});

const packages = ['libc6', 'python3', 'gcc-12', 'openssl', 'ca-certificates', 'zlib1g', 'libssl3', 'tzdata'];
const base: EntrySpec[] = [
	dir('bin'), dir('etc'), dir('lib'), dir('root', 0o700), dir('tmp', 0o1777), dir('usr'), dir('var'),
	file('bin/sh', binary(60_000), 0o755),
	file('bin/ls', binary(40_000), 0o755),
	{type: 'symlink', path: 'bin/bash', target: 'sh'},
	file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n'),
	file('etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'),
	file('lib/libc.so.6', binary(90_000), 0o755),
	file('var/lib/dpkg/status', text(20_000)),
	...packages.map(name => file(`usr/share/doc/${name}/copyright`, text(2_500))),
	...packages.map(name => file(`usr/share/man/man1/${name}.1.gz`, binary(2_000))),
	...['de', 'fr', 'es', 'ja'].map(lang => file(`usr/share/locale/${lang}/LC_MESSAGES/libc.mo`, text(6_000))),
];

const aptInstall: EntrySpec[] = [
	file('var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages', text(160_000)),
	file('var/cache/apt/archives/python3.11_3.11.2-6_amd64.deb', binary(40_000)),
	file('var/log/apt/term.log', text(8_000)),
	file('usr/bin/python3.11', binary(70_000), 0o755),
	{type: 'symlink', path: 'usr/bin/python3', target: 'python3.11'},
	file('usr/bin/gcc-12', binary(30_000), 0o755),
	file('usr/lib/gcc/x86_64-linux-gnu/12/cc1', binary(60_000), 0o755),
	file('usr/include/stdio.h', text(12_000)),
	file('var/lib/dpkg/status', text(26_000)),
];

const appFiles: Array<[string, string | Buffer]> = [
	['app/app.py', 'from flask import Flask\napp = Flask(__name__)\n\n@app.get("/")\ndef index():\n    return "hello"\n'],
	['app/requirements.txt', 'flask==3.0.0\ngunicorn==21.2.0\n'],
	['app/.git/HEAD', 'ref: refs/heads/main\n'],
	['app/.git/objects/pack/pack-3f2a.pack', binary(50_000)],
	['app/tests/test_app.py', text(3_000)],
	['app/__pycache__/app.cpython-311.pyc', binary(1_500)],
	['app/debug.log', text(15_000)],
];

const pipInstall: EntrySpec[] = [
	...['app', 'blueprints', 'cli', 'config', 'helpers', 'json', 'sessions', 'templating'].map(name => file(`usr/local/lib/python3.11/site-packages/flask/${name}.py`, text(5_000))),
	file('root/.cache/pip/http-v2/a/b/c/flask-3.0.0-py3-none-any.whl', binary(45_000)),
];

async function main(): Promise<void> {
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-example-'));
	try {
		const written = await writeImage(
			{
				layers: [
					{entries: base},
					{entries: aptInstall},
					{entries: [dir('app'), ...appFiles.map(([name, content]) => file(name, content))]},
					{entries: pipInstall},
					{entries: [dir('app'), ...appFiles.map(([name, content]) => file(name, content, 0o755))]},
					{entries: [
						{type: 'whiteout', path: 'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages'},
						{type: 'whiteout', path: 'var/cache/apt/archives/python3.11_3.11.2-6_amd64.deb'},
					]},
				],
				history: [
					{created_by: '/bin/sh -c #(nop) ADD file:5d1b0b6c8a2e in / ', created: '2026-10-01T12:00:00Z'},
					{created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true, created: '2026-10-01T12:00:01Z'},
					{created_by: 'RUN /bin/sh -c apt-get update && apt-get install -y python3 gcc # buildkit', created: '2026-11-20T09:00:00Z'},
					{created_by: 'WORKDIR /app', empty_layer: true, created: '2026-11-20T09:01:00Z'},
					{created_by: 'COPY . /app # buildkit', created: '2026-11-20T09:01:05Z'},
					{created_by: 'RUN /bin/sh -c pip install -r requirements.txt # buildkit', created: '2026-11-20T09:01:40Z'},
					{created_by: 'RUN /bin/sh -c chmod -R 755 /app # buildkit', created: '2026-11-20T09:01:42Z'},
					{created_by: 'RUN /bin/sh -c rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb # buildkit', created: '2026-11-20T09:01:43Z'},
					{created_by: 'ENV PYTHONUNBUFFERED=1', empty_layer: true, created: '2026-11-20T09:01:43Z'},
					{created_by: 'EXPOSE map[8000/tcp:{}]', empty_layer: true, created: '2026-11-20T09:01:43Z'},
					{created_by: 'CMD ["python3" "app.py"]', empty_layer: true, created: '2026-11-20T09:01:43Z'},
				],
				config: {
					Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'PYTHONUNBUFFERED=1'],
					Cmd: ['python3', 'app.py'],
					WorkingDir: '/app',
					ExposedPorts: {'8000/tcp': {}},
				},
				created: '2026-11-20T09:01:43Z',
				repoTags: ['example/webapp:latest'],
			},
			{format: 'oci-archive', compression: 'gzip', outPath: path.join(scratch, 'example.tar')},
		);
		const target = path.join(here, 'example.tar');
		renameSync(written.path, target);
		console.log(`wrote ${path.relative(process.cwd(), target)}: ${statSync(target).size} bytes, ${written.diffIds.length} layers`);
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

await main();
