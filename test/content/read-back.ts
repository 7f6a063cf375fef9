/** The core's read-back, in-process: load an image keeping its blobs, then read files of it as `cat` does. */
import {createHash} from 'node:crypto';
import {lstatSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {Writable} from 'node:stream';
import {filesystemAt} from '../../source/cli/files-command.js';
import {findFile} from '../../source/content/find-file.js';
import {writeFileContent} from '../../source/content/file-content.js';
import {layerSource, type LayerSource} from '../../source/content/layer-source.js';
import {loadImage, type KeptBlobs, type LoadOptions} from '../../source/image/load.js';
import type {Image} from '../../source/model.js';

/** A Writable that keeps what it is given, and how much it held at most before it was drained (what a slow reader would see). */
export class Collect extends Writable {
	readonly chunks: Buffer[] = [];
	constructor() {
		super({highWaterMark: 64 * 1024});
	}
	override _write(chunk: Buffer, _encoding: string, done: () => void): void {
		this.chunks.push(Buffer.from(chunk));
		done();
	}
	get bytes(): Buffer {
		return Buffer.concat(this.chunks);
	}
}

export interface OpenedImage {
	image: Image;
	source: LayerSource;
	/** The file's bytes after layer `layer` (default: the last). */
	cat(file: string, layer?: number): Promise<Buffer>;
	close(): Promise<void>;
}

export async function openForReading(input: string, options: LoadOptions = {}): Promise<OpenedImage> {
	let kept: KeptBlobs | undefined;
	const image = await loadImage(input, {...options, keepBlobs: blobs => (kept = blobs)});
	const source = layerSource(image, kept!);
	const filesystems = new Map<number, ReturnType<typeof filesystemAt>>();
	return {
		image,
		source,
		async cat(file, layer = image.layers.length - 1) {
			let fs = filesystems.get(layer);
			if (!fs) filesystems.set(layer, (fs = filesystemAt(image, layer)));
			const out = new Collect();
			await writeFileContent(image, source, findFile(fs, file, image.input), out, {verify: options.verify !== false});
			return out.bytes;
		},
		close: () => source.close(),
	};
}

/** Bytes as a comparison can show them: length and sha256 (a deep equality of large buffers costs seconds). */
export function fingerprint(bytes: Buffer): string {
	return `${bytes.length} bytes, sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Every regular file under a root filesystem on disk (what `umoci unpack` wrote), by its path in the image, with its fingerprint. Iterative. */
export function regularFiles(rootfs: string): Map<string, string> {
	const files = new Map<string, string>();
	const stack = [''];
	while (stack.length > 0) {
		const dir = stack.pop()!;
		for (const name of readdirSync(path.join(rootfs, dir))) {
			const at = `${dir}/${name}`;
			const stat = lstatSync(path.join(rootfs, at));
			if (stat.isDirectory()) stack.push(at);
			else if (stat.isFile()) files.set(at, fingerprint(readFileSync(path.join(rootfs, at))));
		}
	}
	return files;
}
