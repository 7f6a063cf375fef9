import type {ImageFacts, LayerFacts} from '../model.js';

/** One side's layer, and how it stands against the other side's. */
export interface AlignedLayer {
	index: number;
	diffId: string;
	instruction: string | null;
	/** Content bytes the layer stores. */
	contentSize: number;
	compressedSize: number;
	/**
	 * shared: one of the leading layers both images have (same diff_id, same place);
	 * elsewhere: the same diff_id is in the other image, at another place (`otherIndex`);
	 * only: this image alone has it (new in B, gone from A).
	 */
	status: 'shared' | 'elsewhere' | 'only';
	otherIndex: number | null;
}

export interface LayerAlignment {
	/** The number of leading layers with identical diff_ids: usually the base. */
	shared: number;
	a: AlignedLayer[];
	b: AlignedLayer[];
}

/**
 * Lines the two images' layers up: the leading ones that are the same (a
 * layer's diff_id stands for its whole content, so equal ids are equal
 * layers), then each side's own. A layer past the shared base may still be
 * the other side's (the same COPY after a changed step): it says where.
 */
export function alignLayers(a: ImageFacts, b: ImageFacts): LayerAlignment {
	let shared = 0;
	while (shared < a.layers.length && shared < b.layers.length && a.layers[shared]!.diffId === b.layers[shared]!.diffId) shared++;
	return {shared, a: sideOf(a, b, shared), b: sideOf(b, a, shared)};
}

function sideOf(image: ImageFacts, other: ImageFacts, shared: number): AlignedLayer[] {
	const firstIndex = new Map<string, number>();
	other.layers.forEach((layer, index) => {
		if (!firstIndex.has(layer.diffId)) firstIndex.set(layer.diffId, index);
	});
	return image.layers.map((layer, index) => {
		const otherIndex = index < shared ? index : (firstIndex.get(layer.diffId) ?? null);
		return {
			index,
			diffId: layer.diffId,
			instruction: instructionOf(image, layer),
			contentSize: layer.contentSize,
			compressedSize: layer.compressedSize,
			status: index < shared ? 'shared' : otherIndex === null ? 'only' : 'elsewhere',
			otherIndex,
		};
	});
}

function instructionOf(image: ImageFacts, layer: LayerFacts): string | null {
	return layer.historyIndex === null ? null : (image.history[layer.historyIndex]?.createdBy ?? null);
}
