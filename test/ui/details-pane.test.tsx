import path from 'node:path';
import {render} from 'ink-testing-library';
import prettyBytes from 'pretty-bytes';
import React from 'react';
import {beforeAll, describe, expect, it} from 'vitest';
import {analyseImage, type Analysis} from '../../source/analysis/analyse.js';
import {loadImage} from '../../source/image/load.js';
import {createStyle} from '../../source/report/style.js';
import {Browser} from '../../source/ui/app.js';
import {repoRoot} from '../helpers/paths.js';
import {until} from '../helpers/wait.js';

let analysis: Analysis;
beforeAll(async () => {
	analysis = analyseImage(await loadImage(path.join(repoRoot, 'media/example.tar')));
});
const tick = () => new Promise(resolve => setTimeout(resolve, 40));

function mount(width: number, height: number) {
	const app = render(<Browser analysis={analysis} width={width} height={height} style={createStyle(false)} onQuit={() => {}} />);
	const press = async (key: string, times = 1) => {
		for (let i = 0; i < times; i++) {
			app.stdin.write(key);
			await tick();
		}
	};
	const left = () => (app.lastFrame() ?? '').split('\n').map(line => line.split('│')[0]!);
	return {app, press, left, frame: () => app.lastFrame() ?? ''};
}

describe('the details pane', () => {
	it('at 80x24, Tab reaches it and the cursor walks every finding, its whole fix, and every reclaimable file', async () => {
		const {app, press, left} = mount(80, 24);
		await tick();
		await press('\t', 2);
		const selectable = analysis.findings.length + analysis.findings.reduce((sum, finding) => sum + finding.paths.length, 0) + analysis.waste.files.length;
		expect(left().find(line => line.startsWith('Details'))).toContain(`1 of ${selectable}`);
		const seen = new Set<string>();
		for (let step = 0; step < selectable; step++) {
			for (const line of left()) seen.add(line.trim());
			await press('\u001B[B');
		}
		for (const line of left()) seen.add(line.trim());
		const text = [...seen].join(' ').replace(/\s+/g, ' ');
		// Every fix, word for word (wrapped over several lines), and every dead file with where it was stored and what killed it.
		for (const finding of analysis.findings) {
			for (const word of finding.fix.split(/\s+/)) expect(text, finding.id).toContain(word);
		}
		for (const dead of analysis.waste.files) {
			expect(text).toContain(`stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`);
			expect(text).toContain(prettyBytes(dead.size));
		}
		expect(left().find(line => line.startsWith('Details'))).toContain(`${selectable} of ${selectable}`);
		app.unmount();
	});

	it('Enter on a reclaimable file shows it in the tree, at the layer that stored it', async () => {
		const {app, press, frame} = mount(150, 45);
		await tick();
		await press('\t', 2);
		await press('\u001B[F'); // End: the last, smallest dead file
		const dead = analysis.waste.files.at(-1)!;
		await press('\r');
		const selected = () => frame().split('\n').find(line => line.split('│')[1]?.[1] === '>') ?? '';
		await until(() => selected().includes(path.posix.basename(dead.path)));
		expect(frame().split('\n')[0]).toContain(`Files: filesystem after layer ${dead.storedIn}`);
		expect(selected()).toContain(path.posix.basename(dead.path));
		app.unmount();
	});
});
