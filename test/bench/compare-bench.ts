/**
 * The comparison's figures (issue 13), on the benchmark image (generate-image.ts) and its next build (the
 * same six gzip layers plus one small new layer, cache-bench.ts' nextBuild):
 *
 *   node --import tsx test/bench/compare-bench.ts [--runs N]
 *
 * - baseline: the whole CLI on the next build alone, cold (`--json FILE`, a fresh layer cache);
 * - `diff A B --json FILE` cold (a fresh cache: A's layers are read, and B finds the ones it shares in the
 *   cache), against the baseline: target ≤ 1.2×;
 * - the same diff with both images' layers cached: target ≤ 0.1× of the baseline;
 * - peak RSS of each (/usr/bin/time).
 *
 * Each measurement is a fresh process; the median of N runs (default 3).
 */
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {nextBuild} from './cache-bench.js';
import {ensureBenchImage} from './generate-image.js';
import {repoRoot} from './paths.js';

const cli = path.join(repoRoot, 'dist/cli.js');

/** One CLI run under /usr/bin/time: seconds and peak RSS in MB. */
function run(args: string[], cache: string): {seconds: number; mb: number} {
	const result = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, cli, ...args, '--json', '/dev/null'], {env: {...process.env, LAYERSCOPE_CACHE_DIR: cache}, encoding: 'utf8'});
	const [seconds, kb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
	if (result.status !== 0) throw new Error(`layerscope ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
	return {seconds: seconds!, mb: (kb! * 1024) / 1e6};
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function compareBench(options: {runs: number}): Promise<void> {
	const {image, cacheDir} = await ensureBenchImage();
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'layerscope-compare-bench-'));
	try {
		const a = path.join(cacheDir, image.ociLayout);
		const b = nextBuild(a, path.join(scratch, 'next'), [{type: 'dir', path: 'app'}, ...Array.from({length: 200}, (_, i) => ({type: 'file' as const, path: `app/file-${i}`, content: `build 2 file ${i} `.repeat(500)}))], false);
		const fresh = () => mkdtempSync(path.join(scratch, 'cache-'));
		const measure = (label: string, once: () => {seconds: number; mb: number}) => {
			const samples = Array.from({length: options.runs}, once);
			const seconds = median(samples.map(s => s.seconds));
			const mb = Math.max(...samples.map(s => s.mb));
			process.stdout.write(`  ${label.padEnd(64)} ${seconds.toFixed(2).padStart(7)} s  ${mb.toFixed(0).padStart(5)} MB   (${samples.map(s => s.seconds.toFixed(2)).join(', ')})\n`);
			return seconds;
		};
		console.log('comparison (layerscope diff A B --json FILE): A the bench image, B its next build (one new layer of 200 files):');
		const baseline = measure('baseline: layerscope B, cold (a fresh cache)', () => run([b], fresh()));
		const cold = measure('diff A B, cold (a fresh cache; the shared layers read once)', () => run(['diff', a, b], fresh()));
		const warm = fresh();
		run(['diff', a, b], warm);
		const cached = measure('diff A B, both images cached', () => run(['diff', a, b], warm));
		const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
		console.log(`  cold diff ${(cold / baseline).toFixed(2)}× of reading B cold  <= 1.2× ${verdict(cold / baseline <= 1.2)}; cached diff ${(cached / baseline).toFixed(2)}×  <= 0.1× ${verdict(cached / baseline <= 0.1)}`);
	} finally {
		rmSync(scratch, {recursive: true, force: true});
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const at = process.argv.indexOf('--runs');
	await compareBench({runs: at === -1 ? 3 : Number(process.argv[at + 1])});
}
