import {render} from 'ink-testing-library';
import {Text} from 'ink';
import React from 'react';
import {describe, expect, it} from 'vitest';
import {keepInkLineCache} from '../../source/ui/ink-line-cache.js';

/** Ink's own Output class (not exported by Ink), as the cache reaches it. */
async function inkOutput(): Promise<new (options: {width: number; height: number}) => {caches: {getStyledChars(line: string): unknown; getStringWidth(text: string): number}}> {
	return (await import(new URL('./output.js', import.meta.resolve('ink')).href)).default;
}

function Lines({lines}: {lines: string[]}) {
	return <Text>{lines.join('\n')}</Text>;
}

describe("Ink's per-line work kept across frames", () => {
	it('gives the same characters to the next frame instead of splitting the line again, and the same frames', async () => {
		const lines = ['\u001B[1mLayers (6)\u001B[22m', '  0   64.9 kB ██████  RUN step 1 │ café ├── bin', '\u001B[7m+ -rw-r--r--   0:0   7 B └── busybox\u001B[27m'];
		const before = render(<Lines lines={lines} />);
		const framesBefore = before.lastFrame();
		before.unmount();
		const Output = await inkOutput();
		// Without the cache, each frame's Output splits a line anew.
		expect(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!)).not.toBe(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!));
		const width = new Output({width: 10, height: 1}).caches.getStringWidth(lines[1]!);
		expect(await keepInkLineCache()).toBe(true);
		expect(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!)).toBe(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!));
		expect(new Output({width: 10, height: 1}).caches.getStringWidth(lines[1]!)).toBe(width);
		const after = render(<Lines lines={lines} />);
		expect(after.lastFrame()).toBe(framesBefore);
		after.rerender(<Lines lines={[lines[0]!, 'changed', lines[2]!]} />);
		expect(after.lastFrame()).toBe(`${framesBefore!.split('\n')[0]}\nchanged\n${framesBefore!.split('\n')[2]}`);
		after.unmount();
	});
});
