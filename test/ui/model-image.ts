import type {Image, Layer} from '../../source/model.js';

/** An image around model layers (test/analysis/layers.ts), for browser tests that need no archive. */
export function modelImage(layers: Layer[], tag = 'model:1'): Image {
	return {
		input: tag,
		source: {kind: 'file', endpoint: null},
		format: 'oci-layout',
		compressedArchive: false,
		repoTags: [tag],
		id: 'sha256:0',
		manifestDigest: null,
		platform: {os: 'linux', architecture: 'amd64'},
		created: null,
		config: {env: [], cmd: null, entrypoint: null, workingDir: '', user: '', exposedPorts: [], volumes: [], labels: {}, healthcheck: null, stopSignal: null},
		history: layers.map((_, index) => ({created: null, createdBy: `RUN step ${index}`, comment: null, author: null, emptyLayer: false, layerIndex: index})),
		layers,
	} as Image;
}
