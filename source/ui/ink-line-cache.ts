/**
 * Ink 6.8 composes every frame from nothing: each line of each frame is
 * split into styled characters again (ANSI tokens, then graphemes by
 * Intl.Segmenter) in a cache that lives for one frame only. A cursor move
 * changes two lines of 45, yet the other 43 are tokenized again: most of a
 * key press's time. This keeps Ink's per-line results across frames (the
 * same line gives the same characters; Ink only reads them), bounded in
 * size. It reaches into Ink's Output class, which Ink does not export: if
 * its shape is not the one expected, nothing is changed and Ink works as it
 * always does.
 */
const MAX_LINES = 8192;

let installed: boolean | undefined;

export async function keepInkLineCache(): Promise<boolean> {
	if (installed !== undefined) return installed;
	installed = false;
	try {
		const {default: Output} = (await import(new URL('./output.js', import.meta.resolve('ink')).href)) as {default: new (options: {width: number; height: number}) => {caches?: object}};
		const caches = new Output({width: 1, height: 1}).caches;
		const prototype = caches?.constructor?.prototype as Record<string, unknown> | undefined;
		if (!prototype || typeof prototype.getStyledChars !== 'function' || typeof prototype.getStringWidth !== 'function') return false;
		for (const method of ['getStyledChars', 'getStringWidth'] as const) {
			const original = prototype[method] as (this: unknown, text: string) => unknown;
			const kept = new Map<string, unknown>();
			prototype[method] = function (this: unknown, text: string) {
				let value = kept.get(text);
				if (value === undefined) {
					value = original.call(this, text);
					// Bounded: a long session of filters and scrolling sees many lines; start again rather than grow.
					if (kept.size >= MAX_LINES) kept.clear();
					kept.set(text, value);
				}
				return value;
			};
		}
		installed = true;
	} catch {
		// Another Ink: its own way of drawing stands.
	}
	return installed;
}
