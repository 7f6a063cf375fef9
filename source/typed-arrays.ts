/** The typed arrays the compact model grows as it meets more paths and refs. */
type Column = Int32Array | Uint32Array | Uint8Array | Float64Array;

/**
 * A copy of `array` at `size` elements, the new tail set to `fill`. The
 * compact structures double their columns this way as they grow, so growth
 * costs amortised constant time per element.
 */
export function grown<T extends Column>(array: T, size: number, fill = 0): T {
	const bigger = new (array.constructor as new (length: number) => T)(size);
	if (fill !== 0) bigger.fill(fill, array.length);
	bigger.set(array);
	return bigger;
}
