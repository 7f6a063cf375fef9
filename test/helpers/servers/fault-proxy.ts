import http from 'node:http';
import type {AddressInfo} from 'node:net';

/** What to do to requests whose path matches: answer with a status, or pass the answer on but cut it after some bytes. */
export type Fault =
	| {match: RegExp; status: number; body?: string; headers?: Record<string, string>}
	| {match: RegExp; cutAfter: number}
	| {match: RegExp; rewrite: (body: Buffer) => Buffer}
	/** Not a fault: a 307 to the same path elsewhere, as registries send blob downloads to a CDN. Records what the client sent. */
	| {match: RegExp; redirectTo: string; seen?: Array<{path: string; authorization: string | undefined}>}
	/** Not a fault: passed on untouched, what the client sent recorded. */
	| {match: RegExp; record: Array<{path: string; authorization: string | undefined}>};

/**
 * Stands between the client and a real registry and breaks chosen answers:
 * a registry that fails (500), forgets (404), refuses (401), rewrites a
 * manifest, or drops the connection halfway through a blob. Everything it
 * does not break comes from the real registry.
 */
export class FaultProxy {
	faults: Fault[] = [];
	/** The most blob requests that were open at once. */
	maxBlobsInFlight = 0;
	/** Every answer passed on whole, by path, with its body's size: what the client downloaded. */
	readonly sent: Array<{path: string; bytes: number}> = [];
	private blobsInFlight = 0;

	private constructor(
		private readonly server: http.Server,
		private readonly target: string,
	) {}

	get host(): string {
		return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	static async start(target: string): Promise<FaultProxy> {
		let proxy: FaultProxy;
		const server = http.createServer((request, response) => void proxy.handle(request, response));
		proxy = new FaultProxy(server, target);
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		return proxy;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise(resolve => this.server.close(resolve));
	}

	private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
		const path = request.url ?? '/';
		if (path.includes('/blobs/')) {
			this.maxBlobsInFlight = Math.max(this.maxBlobsInFlight, ++this.blobsInFlight);
			response.on('close', () => this.blobsInFlight--);
		}
		const fault = this.faults.find(candidate => candidate.match.test(path));
		if (fault && 'record' in fault) fault.record.push({path, authorization: request.headers.authorization});
		if (fault && 'redirectTo' in fault) {
			fault.seen?.push({path, authorization: request.headers.authorization});
			response.writeHead(307, {location: `http://${fault.redirectTo}${path}`}).end();
			return;
		}
		if (fault && 'status' in fault) {
			response.writeHead(fault.status, {'content-type': 'application/json', ...fault.headers}).end(fault.body ?? '');
			return;
		}
		const upstream = await fetch(`http://${this.target}${path}`, {method: request.method, headers: {accept: request.headers.accept ?? '*/*', ...(request.headers.authorization ? {authorization: request.headers.authorization} : {}), ...(request.headers.range ? {range: request.headers.range} : {})}, redirect: 'manual'});
		const headers: Record<string, string> = {};
		upstream.headers.forEach((value, key) => {
			if (key !== 'content-encoding' && key !== 'transfer-encoding') headers[key] = value;
		});
		let body = Buffer.from(await upstream.arrayBuffer());
		if (fault && 'rewrite' in fault) {
			body = fault.rewrite(body);
			headers['content-length'] = String(body.length);
		}
		response.writeHead(upstream.status, headers);
		if (fault && 'cutAfter' in fault) {
			// Send part of the blob, then drop the connection as a failing network would.
			response.write(body.subarray(0, fault.cutAfter), () => setTimeout(() => response.socket?.destroy(), 20));
			return;
		}
		this.sent.push({path, bytes: body.length});
		response.end(body);
	}
}
