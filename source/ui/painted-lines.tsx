import {Transform} from 'ink';
import React, {useCallback, useMemo} from 'react';
import {standIn} from './columns.js';

/**
 * Lines Ink lays out as plain ASCII stand-ins and then paints with the real,
 * styled lines. Ink measures every line of a text node twice a frame, and a
 * line with one character beyond ASCII (a tree guide, the pane rule) is
 * measured grapheme by grapheme: that was half of each frame. A stand-in
 * has the same columns, so the layout is the same; the Transform, which Ink
 * calls per line as it writes the frame, puts the real line in its place.
 * Lines must not be wider than the box they are in (`fit` sees to that).
 */
export function PaintedLines({lines}: {lines: readonly string[]}) {
	const text = useMemo(() => lines.map(standIn).join('\n'), [lines]);
	const paint = useCallback((_standIn: string, index: number) => lines[index] ?? '', [lines]);
	return <Transform transform={paint}>{text}</Transform>;
}
