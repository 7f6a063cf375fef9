/**
 * A JSON report with the fields that only say how the image travelled taken
 * out, so the same image read from a file, an engine or a registry can be
 * compared field for field.
 */
export function withoutTransport(report: Record<string, any>, options: {storedForm?: boolean} = {}): Record<string, any> {
	const copy = structuredClone(report);
	delete copy.image.input;
	delete copy.image.source;
	if (options.storedForm) {
		// A registry holds the layers as they were pushed (compressed), under the manifest it was given.
		delete copy.image.format;
		delete copy.image.repoTags;
		delete copy.image.manifestDigest;
		for (const layer of copy.layers) {
			delete layer.digest;
			delete layer.mediaType;
			delete layer.compression;
			delete layer.compressedSize;
		}
	}
	return copy;
}
