import {describe, expect, it} from 'vitest';
import {analyseImage} from '../../source/analysis/analyse.js';
import type {Finding} from '../../source/analysis/findings/index.js';
import {loadImage} from '../../source/image/load.js';
import type {HistoryStep, Image, ImageConfig, Layer} from '../../source/model.js';
import {knownAnswers, sampleImage, SIZES} from '../interop/sample-image.js';
import {modelLayer} from './layers.js';

const config: ImageConfig = {env: [], cmd: null, entrypoint: null, workingDir: '', user: 'app', exposedPorts: [], volumes: [], labels: {}, healthcheck: null, stopSignal: null};

function imageOf(layers: Layer[], instructions: string[], extra: Partial<Image> = {}): Image {
	const history: HistoryStep[] = instructions.map((createdBy, index) => ({created: null, createdBy, comment: null, author: null, emptyLayer: false, layerIndex: index}));
	return {input: 'test', source: {kind: 'file', endpoint: null}, format: 'oci-layout', compressedArchive: false, repoTags: ['registry.test/app:1.0'], id: 'sha256:id', manifestDigest: 'sha256:m', platform: {os: 'linux', architecture: 'amd64'}, created: null, config, history, layers, ...extra};
}

function findings(image: Image): Finding[] {
	return analyseImage(image).findings;
}

function only(found: Finding[], id: string): Finding {
	const matching = found.filter(finding => finding.id === id);
	expect(matching, `${id} in ${found.map(f => f.id).join(', ')}`).toHaveLength(1);
	return matching[0]!;
}

describe('findings', () => {
	it('package-manager leftovers in the final image, per layer and manager, with the manager\'s fix', () => {
		const image = imageOf(
			[
				modelLayer(0, [{path: '/bin/sh', size: 10}]),
				modelLayer(1, [{path: '/var/lib/apt/lists/main_Packages', size: 3000}, {path: '/var/cache/apt/pkgcache.bin', size: 500}, {path: '/root/.cache/pip/wheels/x.whl', size: 700}]),
			],
			['ADD rootfs', 'RUN apt-get update && apt-get install -y python3-pip && pip install flask'],
		);
		const found = findings(image).filter(f => f.id === 'package-manager-leftovers');
		expect(found.map(f => [f.title, f.bytes, f.layer])).toEqual([
			['apt cache left in layer 1', 3500, 1],
			['pip cache left in layer 1', 700, 1],
		]);
		expect(found[0]!.fix).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
		expect(found[0]!.fix).toMatch(/--no-install-recommends/);
		expect(found[1]!.fix).toMatch(/--no-cache-dir/);
		expect(found[0]!.instruction).toBe('RUN apt-get update && apt-get install -y python3-pip && pip install flask');
	});

	it('files created in one layer and removed or overwritten in a later one', () => {
		const image = imageOf(
			[modelLayer(0, [{path: '/tmp/build.tar', size: 9000}, {path: '/etc/conf', size: 100, digest: 'a'}]), modelLayer(1, [{path: '/etc/conf', size: 120, digest: 'b'}], ['/tmp/build.tar'])],
			['RUN download', 'RUN cleanup'],
		);
		const found = findings(image);
		expect(only(found, 'removed-in-later-layer')).toMatchObject({bytes: 9000, layer: 0, paths: [{path: '/tmp/build.tar', bytes: 9000}], title: '1 file added in layer 0 and removed in layer 1'});
		expect(only(found, 'removed-in-later-layer').fix).toMatch(/same RUN|multi-stage/);
		expect(only(found, 'overwritten-in-later-layer')).toMatchObject({bytes: 100, layer: 0});
	});

	it('chmod/chown rewrites, told apart from a plain second copy', () => {
		const chmod = imageOf(
			[modelLayer(0, [{path: '/app/a', size: 400, digest: 'a'}]), modelLayer(1, [{path: '/app/a', size: 400, digest: 'a', mode: 0o755}])],
			['COPY app /app', 'RUN chmod -R 755 /app'],
		);
		expect(only(findings(chmod), 'metadata-rewrite')).toMatchObject({bytes: 400, layer: 1, instruction: 'RUN chmod -R 755 /app'});
		expect(only(findings(chmod), 'metadata-rewrite').fix).toMatch(/COPY --chown=.*--chmod/);
		const twice = imageOf([modelLayer(0, [{path: '/app/a', size: 400, digest: 'a'}]), modelLayer(1, [{path: '/app/a', size: 400, digest: 'a'}])], ['COPY app /app', 'COPY app /app']);
		expect(only(findings(twice), 'duplicate-copy')).toMatchObject({bytes: 400, layer: 1});
	});

	it('build-context junk brought by COPY, not by RUN', () => {
		const layers = [
			modelLayer(0, [{path: '/bin/sh', size: 1}]),
			modelLayer(1, [{path: '/app/.git/objects/pack/p.pack', size: 5000}, {path: '/app/node_modules/x/index.js', size: 300}, {path: '/app/main.py', size: 50}, {path: '/app/__pycache__/main.cpython-311.pyc', size: 40}, {path: '/app/server.log', size: 20}]),
			modelLayer(2, [{path: '/app/run/.git/HEAD', size: 10}]),
		];
		const found = findings(imageOf(layers, ['ADD rootfs', 'COPY . /app # buildkit', 'RUN git clone repo /app/run']));
		const junk = only(found, 'build-context-junk');
		expect(junk).toMatchObject({bytes: 5360, layer: 1});
		expect(junk.title).toBe('layer 1 copies .git, node_modules, __pycache__, logs from the build context');
		expect(junk.fix).toMatch(/\.dockerignore \(\.git, node_modules, __pycache__, \*\.log\)/);
	});

	it('compilers and headers in the final image, only when a compiler is there', () => {
		const withCompiler = imageOf([modelLayer(0, [{path: '/bin/sh', size: 1}]), modelLayer(1, [{path: '/usr/bin/gcc-12', size: 800}, {path: '/usr/include/stdio.h', size: 200}])], ['ADD rootfs', 'RUN apt-get install -y gcc']);
		expect(only(findings(withCompiler), 'build-tools-in-final-image')).toMatchObject({bytes: 1000, layer: 1});
		const headersOnly = imageOf([modelLayer(0, [{path: '/usr/include/zlib.h', size: 200}])], ['ADD rootfs']);
		expect(findings(headersOnly).map(f => f.id)).not.toContain('build-tools-in-final-image');
	});

	it('running as root, and not when a USER is set', () => {
		const layers = [modelLayer(0, [{path: '/bin/sh', size: 1}])];
		expect(only(findings(imageOf(layers, ['ADD rootfs'], {config: {...config, user: ''}})), 'runs-as-root').fix).toMatch(/USER/);
		expect(findings(imageOf(layers, ['ADD rootfs'], {config: {...config, user: '0:0'}})).map(f => f.id)).toContain('runs-as-root');
		expect(findings(imageOf(layers, ['ADD rootfs'])).map(f => f.id)).not.toContain('runs-as-root');
	});

	it('a heavy base layer with docs and locales, measured against the base', () => {
		const heavy = imageOf([modelLayer(0, [{path: '/bin/sh', size: 1000}, {path: '/usr/share/doc/libc/copyright', size: 300}, {path: '/usr/share/locale/de/x.mo', size: 200}]), modelLayer(1, [{path: '/app', size: 1}])], ['ADD rootfs', 'COPY app /app']);
		expect(only(findings(heavy), 'heavy-base-image')).toMatchObject({bytes: 500, layer: 0});
		const slim = imageOf([modelLayer(0, [{path: '/bin/sh', size: 100_000}, {path: '/usr/share/doc/x/README', size: 10}]), modelLayer(1, [{path: '/app', size: 1}])], ['ADD rootfs', 'COPY app /app']);
		expect(findings(slim).map(f => f.id)).not.toContain('heavy-base-image');
	});

	it('a :latest tag, with the digest to pin instead', () => {
		const layers = [modelLayer(0, [{path: '/bin/sh', size: 1}])];
		expect(only(findings(imageOf(layers, ['ADD rootfs'], {repoTags: ['registry.test/app:latest']})), 'unpinned-tag').fix).toContain('registry.test/app@sha256:m');
		expect(findings(imageOf(layers, ['ADD rootfs'])).map(f => f.id)).not.toContain('unpinned-tag');
	});

	it('finds nothing in a clean image', () => {
		expect(findings(imageOf([modelLayer(0, [{path: '/app/bin', size: 100}]), modelLayer(1, [{path: '/app/conf', size: 10}])], ['COPY bin /app/bin', 'COPY conf /app/conf']))).toEqual([]);
	});

	it('on the real sample: every finding backed by real bytes of the image', async () => {
		const analysis = analyseImage(await loadImage(sampleImage('sample.docker.tar')));
		const byId = new Map(analysis.findings.map(finding => [finding.id, finding]));
		expect([...byId.keys()].sort()).toEqual(['build-context-junk', 'metadata-rewrite', 'package-manager-leftovers', 'removed-in-later-layer', 'runs-as-root'].sort());
		expect(byId.get('metadata-rewrite')).toMatchObject({bytes: knownAnswers().duplicateBytes, layer: 2});
		expect(byId.get('removed-in-later-layer')).toMatchObject({bytes: SIZES.cacheBlob, layer: 3, paths: [{path: '/var/cache/tool/blob', bytes: SIZES.cacheBlob}]});
		expect(byId.get('package-manager-leftovers')).toMatchObject({bytes: SIZES.packageList, layer: 3, paths: [{path: '/var/lib/apt/lists/pkgs', bytes: SIZES.packageList}]});
		expect(byId.get('build-context-junk')).toMatchObject({bytes: SIZES.gitPack, layer: 1, paths: [{path: '/app/.git/pack', bytes: SIZES.gitPack}]});
		// Few enough paths here that every finding lists them all: its bytes are exactly theirs.
		for (const finding of analysis.findings) expect(finding.bytes, finding.id).toBe(finding.paths.reduce((sum, p) => sum + p.bytes, 0));
	});
});
