import {render} from 'ink-testing-library';
import {Text} from 'ink';
import React from 'react';
import stringWidth from 'string-width';
import {describe, expect, it} from 'vitest';
import {keepInkLineCache, type Write} from '../../source/ui/ink-line-cache.js';

interface InkOutput {
	operations: Array<Write | {type: 'clip'; clip: object} | {type: 'unclip'}>;
	caches: {getStyledChars(line: string): unknown; getStringWidth(text: string): number};
	get(): {output: string; height: number};
}
type OutputClass = (new (options: {width: number; height: number}) => InkOutput) & {prototype: InkOutput};

/** Ink's own Output class (not exported by Ink), as the cache reaches it. */
async function inkOutput(): Promise<OutputClass> {
	return (await import(new URL('./output.js', import.meta.resolve('ink')).href)).default;
}

// Ink's own get, taken before any test installs the cache (the file's tests share one module).
const Output = await inkOutput();
const inksOwnGet = Output.prototype.get;

function Lines({lines}: {lines: string[]}) {
	return <Text>{lines.join('\n')}</Text>;
}

/** Pieces of lines as a frame holds them: plain text, blanks, styles switched on and off, wide and combining characters. */
const PIECES = ['a', 'bc', 'word', ' ', '   ', '\u001B[1m', '\u001B[22m', '\u001B[31m', '\u001B[39m', '\u001B[7m', '\u001B[27m', '\u001B[0m', '\u001B[2m', '\u001B[44m', '\u001B[49m', '你', '😀', 'e\u0301', '│', '├──', '\u200B'];

function randomFrames(count: number, seed: number): Array<{width: number; height: number; writes: Write[]}> {
	// mulberry32: a small generator that stays exact in 32-bit integer arithmetic.
	const random = () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const pick = <T,>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
	const line = () => Array.from({length: Math.floor(random() * 12)}, () => pick(PIECES)).join('');
	const painted = (text: string) => `\u001B[36m${text}\u001B[39m`;
	return Array.from({length: count}, () => {
		const width = 8 + Math.floor(random() * 40);
		const height = 1 + Math.floor(random() * 5);
		const writes: Write[] = [];
		for (let count = 1 + Math.floor(random() * 5); writes.length < count; ) {
			const lines = Array.from({length: 1 + Math.floor(random() * 3)}, line);
			const before = writes.at(-1);
			// Columns past both edges, some fractional (a layout can give them), and often right where the line before ends; rows above and below the screen.
			const x = before && random() < 0.4 ? before.x + stringWidth(before.text.split('\n')[0]!) : random() < 0.1 ? 2.5 : Math.floor(random() * (width + 6)) - 2;
			const transformers = random() < 0.3 ? [(text: string, index: number) => (index % 2 === 0 ? painted(text) : text)] : [];
			writes.push({type: 'write', x, y: before && random() < 0.5 ? before.y : Math.floor(random() * (height + 2)) - 1, text: lines.join('\n'), transformers});
		}
		return {width, height, writes};
	});
}

describe("Ink's per-line work kept across frames", () => {
	it('gives the same characters to the next frame instead of splitting the line again, and the same frames', async () => {
		const lines = ['\u001B[1mLayers (6)\u001B[22m', '  0   64.9 kB ██████  RUN step 1 │ café ├── bin', '\u001B[7m+ -rw-r--r--   0:0   7 B └── busybox\u001B[27m'];
		const before = render(<Lines lines={lines} />);
		const framesBefore = before.lastFrame();
		before.unmount();
		// Without the cache, each frame's Output splits a line anew.
		expect(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!)).not.toBe(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!));
		const width = new Output({width: 10, height: 1}).caches.getStringWidth(lines[1]!);
		expect(await keepInkLineCache()).toBe(true);
		expect(Output.prototype.get).not.toBe(inksOwnGet);
		expect(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!)).toBe(new Output({width: 10, height: 1}).caches.getStyledChars(lines[1]!));
		expect(new Output({width: 10, height: 1}).caches.getStringWidth(lines[1]!)).toBe(width);
		const after = render(<Lines lines={lines} />);
		expect(after.lastFrame()).toBe(framesBefore);
		after.rerender(<Lines lines={[lines[0]!, 'changed', lines[2]!]} />);
		expect(after.lastFrame()).toBe(`${framesBefore!.split('\n')[0]}\nchanged\n${framesBefore!.split('\n')[2]}`);
		after.unmount();
	});

	it("composes every frame exactly as Ink's own get does: lines side by side, abutting, overlapping, off the screen, styled, wide", async () => {
		expect(await keepInkLineCache()).toBe(true);
		const kept = Output.prototype.get;
		expect(kept).not.toBe(inksOwnGet);
		const frames = randomFrames(3000, 7);
		let composedByPieces = 0;
		for (const [index, {width, height, writes}] of frames.entries()) {
			const ours = new Output({width, height});
			const inks = new Output({width, height});
			for (const write of writes) {
				ours.operations.push(write);
				inks.operations.push(write);
			}
			const expected = inksOwnGet.call(inks);
			// Twice: the second frame is made from what the first kept.
			expect(kept.call(ours), `frame ${index}`).toEqual(expected);
			const again = new Output({width, height});
			again.operations.push(...writes);
			expect(kept.call(again), `frame ${index} again`).toEqual(expected);
			if (writes.length > 1) composedByPieces++;
		}
		expect(composedByPieces).toBeGreaterThan(2000);
		// A frame with clipping is Ink's own.
		const clipped = new Output({width: 10, height: 2});
		clipped.operations.push({type: 'clip', clip: {x1: 0, x2: 3, y1: undefined, y2: undefined}}, {type: 'write', x: 0, y: 0, text: 'abcdefgh', transformers: []}, {type: 'unclip'});
		expect(clipped.get().output).toBe('abc\n');
	});
});
