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

describe('walking through the waste', () => {
	it('w cycles through every dead file, largest first, and the status line names each', async () => {
		const app = render(<Browser analysis={analysis} width={250} height={45} style={createStyle(false)} onQuit={() => {}} />);
		await tick();
		const files = analysis.waste.files;
		expect(files.length).toBeGreaterThan(2);
		const bar = () => (app.lastFrame() ?? '').split('\n').at(-1)!;
		const selected = () => (app.lastFrame() ?? '').split('\n').find(line => line.split('│')[1]?.[1] === '>') ?? '';
		for (const [index, dead] of [...files.entries(), [0, files[0]!] as const]) {
			app.stdin.write('w');
			await until(() => selected().includes(path.posix.basename(dead.path).slice(0, 40)));
			expect(bar()).toContain(`w: ${index + 1} of ${files.length} · ${dead.path} · ${prettyBytes(dead.size)} stored in layer ${dead.storedIn}, ${dead.cause} in layer ${dead.killedBy}`);
			expect((app.lastFrame() ?? '').split('\n')[0]).toContain(`Files: filesystem after layer ${dead.storedIn}`);
			expect(selected()).toContain(path.posix.basename(dead.path).slice(0, 40));
		}
		// The next key takes the notice away.
		app.stdin.write('j');
		await tick();
		expect(bar()).toContain('Tab switch pane');
		app.unmount();
	});

	it('marks the files whose bytes are dead, with the cause and the layer that killed them', async () => {
		const app = render(<Browser analysis={analysis} width={250} height={60} style={createStyle(false)} onQuit={() => {}} initial={{layer: 1}} />);
		await tick();
		for (const key of ['/', ...'deb|status', '\r']) {
			app.stdin.write(key);
			await tick();
		}
		const frame = app.lastFrame() ?? '';
		// Layer 1 stores apt's lists and a .deb that layer 5 removes, and rewrites dpkg's status (still alive here).
		expect(frame).toMatch(/python3\.11_3\.11\.2-6_amd64\.deb {2}✝ removed in layer 5/);
		const status = frame.split('\n').find(line => line.includes('── status'));
		expect(status).toBeDefined();
		expect(status).not.toContain('✝');
		app.unmount();
		const base = render(<Browser analysis={analysis} width={250} height={60} style={createStyle(false)} onQuit={() => {}} initial={{layer: 0, filter: 'status'}} />);
		await tick();
		expect(base.lastFrame()).toMatch(/── status {2}✝ overwritten in layer 1/);
		base.unmount();
	});
});
