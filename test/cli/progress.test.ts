import {execFileSync} from 'node:child_process';
import path from 'node:path';
import prettyBytes from 'pretty-bytes';
import {describe, expect, it} from 'vitest';
import {progressBar, progressLine} from '../../source/cli/progress.js';
import {builtCli, repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const image = path.join(repoRoot, 'media/example.tar');

describe('loading progress', () => {
	it('shows layers and bytes of the total, and a bar', () => {
		expect(progressLine({layersRead: 2, layersTotal: 5, bytesRead: 30e6, bytesTotal: 120e6})).toBe('reading layer 2 of 5, 30 MB of 120 MB [█████░░░░░░░░░░░░░░░]  25 %');
		expect(progressLine({layersRead: 1, layersTotal: 4, bytesRead: 5e6, bytesTotal: 10e6, approximate: true})).toBe('reading layer 1 of 4, 5 MB of ~10 MB [██████████░░░░░░░░░░]  50 %');
		// A stream before its manifest: no total yet, so no bar.
		expect(progressLine({layersRead: 3, layersTotal: null, bytesRead: 1e6, bytesTotal: null})).toBe('reading layer 3, 1 MB read');
		expect(progressBar({layersRead: 3, layersTotal: 4, bytesRead: 0, bytesTotal: null}, 4)).toBe('[███░]  75 %');
		expect(progressBar({layersRead: 9, layersTotal: 4, bytesRead: 9, bytesTotal: 4}, 4)).toBe('[████] 100 %');
	});

	it('on a terminal, counts a file\'s layer bytes towards their sum', async () => {
		const report = JSON.parse((await runCli([image, '--json'])).stdout) as {layers: Array<{compressedSize: number}>};
		const total = prettyBytes(report.layers.reduce((sum, layer) => sum + layer.compressedSize, 0));
		// script(1) gives the CLI a terminal for stderr; the report goes to /dev/null.
		const output = execFileSync('script', ['-q', '-e', '-c', `node ${builtCli} ${image} --json /dev/null`, '/dev/null'], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}});
		const lines = output.split(/\r|\n/).map(line => line.replace(/\u001B\[2K/g, '')).filter(line => line.startsWith('reading'));
		expect(lines.length).toBeGreaterThan(0);
		expect(lines.at(-1)).toBe(`reading layer ${report.layers.length} of ${report.layers.length}, ${total} of ${total} [████████████████████] 100 %`);
	});
});
