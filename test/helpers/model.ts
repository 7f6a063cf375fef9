import type {Image} from '../../source/model.js';

/** What must not depend on how an image was stored: the same image in any format gives this. */
export function storageIndependent(image: Image) {
	return {
		id: image.id,
		platform: image.platform,
		created: image.created,
		config: image.config,
		history: image.history,
		layers: image.layers.map(({digest, compressedSize, compression, mediaType, toc, ...rest}) => rest),
	};
}
