#!/usr/bin/env node
import process from 'node:process';
import meow from 'meow';
import {describeError, InputError, UsageError} from './source/errors.js';
import {loadImage, type LoadOptions} from './source/image/load.js';
import {filesOutput} from './source/cli/files-command.js';
import {summaryLines} from './source/report/summary.js';
import {loadAndAnalyse} from './source/cli/load-and-analyse.js';
import {ApplyError} from './source/tree/filesystem.js';

const cli = meow(
	`
	Usage
	  $ layerscope IMAGE                 summary of the image
	  $ layerscope files IMAGE           the filesystem after the last layer

	IMAGE is a docker save tarball (optionally gzip-compressed), an OCI image
	layout directory or archive, or "-" for standard input. Choose one image of
	several with PATH:REF or --ref.

	Options
	  --layer N          files: show the filesystem after layer N (0-based)
	  --json             files: one JSON object per line
	  --platform P       os/arch[/variant] to pick from a multi-platform index
	  --ref NAME         image to pick by ref name or tag
	  --no-verify        do not check blob digests and diff_ids
	  --help, --version

	Examples
	  $ docker save app | layerscope -
	  $ layerscope files app.tar --layer 2 --json
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: false,
		flags: {
			layer: {type: 'number'},
			json: {type: 'boolean', default: false},
			platform: {type: 'string'},
			ref: {type: 'string'},
			verify: {type: 'boolean', default: true},
		},
	},
);

async function main(): Promise<void> {
	const [first, ...rest] = cli.input;
	const isFiles = first === 'files';
	const target = isFiles ? rest[0] : first;
	if (target === undefined) cli.showHelp(0);
	if ((isFiles ? rest.length : cli.input.length) > 1) throw new UsageError(`expected one image, got: ${cli.input.join(' ')}`);

	const options: LoadOptions = {platform: cli.flags.platform, ref: cli.flags.ref, verify: cli.flags.verify};
	if (isFiles) {
		const image = await loadImage(target!, options);
		try {
			await writeLines(filesOutput(image, {layer: cli.flags.layer, json: cli.flags.json}));
		} catch (error) {
			if (error instanceof ApplyError) throw new InputError(target!, error.message);
			throw error;
		}
		return;
	}
	const analysis = await loadAndAnalyse(target!, options);
	await writeLines(summaryLines(analysis)[Symbol.iterator]());
}

/** Writes lines in large batches, waiting when stdout is full; a closed pipe (| head) ends quietly. */
async function writeLines(lines: Iterator<string>): Promise<void> {
	let batch: string[] = [];
	const flush = async () => {
		if (batch.length === 0) return;
		const ok = process.stdout.write(batch.join('\n') + '\n');
		batch = [];
		if (!ok) await new Promise(resolve => process.stdout.once('drain', resolve));
	};
	for (let next = lines.next(); !next.done; next = lines.next()) {
		batch.push(next.value);
		if (batch.length >= 2000) await flush();
	}
	await flush();
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
});

main().catch((error: unknown) => {
	const expected = error instanceof InputError || error instanceof UsageError;
	process.stderr.write(`layerscope: ${describeError(error)}\n`);
	if (!expected && process.env.LAYERSCOPE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
	process.exitCode = 2;
});
