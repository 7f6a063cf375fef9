/**
 * Two builds of one app in the distribution registry, behind the counting proxy: what the tests of the
 * layer cache and of diff's shared reads both stand on (which blobs a run downloads, and how much of each).
 */
import path from 'node:path';
import {writeImage, type WrittenImage} from '../../fixtures/image-writer.js';
import type {EntrySpec} from '../../fixtures/layer-builder.js';
import {FaultProxy} from './fault-proxy.js';
import {RegistryServer} from './registry-server.js';

export interface TwoBuilds {
	registry: RegistryServer;
	proxy: FaultProxy;
	/** Pushed as app:1 and app:2. */
	first: WrittenImage;
	second: WrittenImage;
	stop(): Promise<void>;
}

/** Bytes that vary but repeat nothing a compressor could fold away entirely: a stand-in for a real file. */
export const patternBytes = (n: number, seed: number) => Buffer.from(Array.from({length: n}, (_, i) => (i * 31 + seed * 7 + ((i * i) >> 5)) % 251));

/** Writes both builds (layers('1'), layers('2')) as OCI layouts under `scratch`, starts the registry and the proxy, pushes both. */
export async function startTwoBuilds(scratch: string, layers: (app: string) => Array<{entries: EntrySpec[]}>): Promise<TwoBuilds> {
	const registry = await RegistryServer.start();
	const proxy = await FaultProxy.start(registry.host);
	const first = await writeImage({layers: layers('1')}, {format: 'oci-dir', outPath: path.join(scratch, 'first')});
	const second = await writeImage({layers: layers('2')}, {format: 'oci-dir', outPath: path.join(scratch, 'second')});
	await registry.push(`oci:${first.path}:1`, 'app:1', ['--preserve-digests']);
	await registry.push(`oci:${second.path}:1`, 'app:2', ['--preserve-digests']);
	return {
		registry,
		proxy,
		first,
		second,
		async stop() {
			await proxy.stop();
			await registry.stop();
		},
	};
}

/** The blob bytes the proxy passed since `sent` was last emptied, by digest (only those in `only`, if given). */
export function blobBytesSent(proxy: FaultProxy, only?: ReadonlySet<string>): Map<string, number> {
	const blobs = new Map<string, number>();
	for (const {path: sent, bytes: size} of proxy.sent) {
		const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(sent)?.[1];
		if (digest && (!only || only.has(digest))) blobs.set(digest, (blobs.get(digest) ?? 0) + size);
	}
	return blobs;
}
