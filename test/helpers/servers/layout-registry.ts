import {existsSync, readFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';

/**
 * The pull side of the distribution API over plain HTTP on 127.0.0.1,
 * serving one OCI layout directory as it is on disk: any tag is the
 * layout's first manifest, any digest is the blob stored under that name.
 * Unlike the real registry it serves whatever algorithm the layout uses
 * (sha512, or one nobody registered), and `tagDigest` sets the digest it
 * claims for a tag, as a hostile registry might.
 */
export class LayoutRegistry {
	private constructor(
		private readonly server: http.Server,
		readonly host: string,
	) {}

	static async start(layout: string, options: {tagDigest?: string} = {}): Promise<LayoutRegistry> {
		const server = http.createServer((request, response) => {
			const url = request.url ?? '/';
			if (url === '/v2/' || url === '/v2') return void response.writeHead(200, {'content-type': 'application/json'}).end('{}');
			const match = /^\/v2\/.+\/(manifests|blobs)\/([^/]+)$/.exec(url);
			if (!match) return void response.writeHead(404).end();
			const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as {manifests: Array<{digest: string; mediaType: string}>};
			const isDigest = match[2]!.includes(':');
			const digest = isDigest ? match[2]! : index.manifests[0]!.digest;
			const file = path.join(layout, 'blobs', ...digest.split(':'));
			if (!existsSync(file)) return void response.writeHead(404).end();
			const bytes = readFileSync(file);
			const headers: Record<string, string | number> = {'content-length': bytes.length};
			if (match[1] === 'manifests') {
				headers['content-type'] = (JSON.parse(bytes.toString('utf8')) as {mediaType?: string}).mediaType ?? index.manifests[0]!.mediaType;
				headers['docker-content-digest'] = !isDigest && options.tagDigest ? options.tagDigest : digest;
			}
			response.writeHead(200, headers).end(bytes);
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		return new LayoutRegistry(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
	}

	stop(): Promise<void> {
		return new Promise(resolve => this.server.close(() => resolve()));
	}
}
