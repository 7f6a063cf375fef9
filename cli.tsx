#!/usr/bin/env node
import process from 'node:process';
import meow, {type AnyFlags} from 'meow';
import {describeError, InputError, UsageError} from './source/errors.js';
import {runCli} from './source/cli/main.js';
import {escapeControlCharacters} from './source/report/escape.js';
import {findUnknownFlag, meowFlags, optionsHelp, type ParsedFlags} from './source/cli/flags.js';
import {ownPackage} from './source/cli/own-package.js';
import type {RuleKey} from './source/report/ci/config.js';

const argv = process.argv.slice(2);

const help = `
	Usage
	  $ layerscope IMAGE                  summary (or the browser, on a terminal)
	  $ layerscope IMAGE --json [FILE]    the versioned JSON report
	  $ layerscope IMAGE --ci             a build gate: exit 0 pass, 1 fail, 2 error
	  $ layerscope files IMAGE            the filesystem after the last layer
	  $ layerscope cat IMAGE PATH         a file's exact bytes (after --layer N, default the last)
	  $ layerscope diff-file IMAGE PATH   a file's change in a layer as a unified diff (--layer N, default the last that changed it)
	  $ layerscope extract IMAGE PATH... --to DIR   files and directories written under DIR
	  $ layerscope diff A B               what changed from image A to image B
	  $ layerscope diff A B --file PATH   one file's change from image A to image B
	  $ layerscope diff IMAGE --from N --to M   what layers N+1…M did together
	  $ layerscope completion SHELL       a completion script for bash, zsh or fish
	  $ layerscope cache info|clear       the layer cache: where, how full; empty it

	IMAGE is a docker save tarball (optionally gzip-compressed), an OCI image
	layout directory or archive, "-" for standard input, an image name an
	engine knows (nginx:1.27, docker://NAME, podman://NAME; the engine is found
	through DOCKER_HOST, the Docker CLI's context, CONTAINER_HOST or the default
	sockets), or registry://HOST[:PORT]/REPO[:TAG|@DIGEST]. Choose one image of
	several with PATH:REF or --ref.

	Options
${optionsHelp().replace(/^/gm, '\t')}

	Examples
	  $ docker save app | layerscope -
	  $ layerscope nginx:1.27
	  $ layerscope registry://ghcr.io/org/app:1.4 --ci
	  $ layerscope app.tar --ci --highest-wasted-bytes 20MB
	  $ layerscope app.tar --ci --baseline registry://ghcr.io/org/app:1.3 --max-growth-percent 0.05
	  $ layerscope files app.tar --layer 2 --json
	  $ layerscope cat app.tar /etc/os-release --layer 0
	  $ layerscope diff-file app.tar /etc/passwd --layer 3
	  $ layerscope extract app.tar /etc/nginx /usr/share/nginx --to ./out
	  $ layerscope diff registry://ghcr.io/org/app:1.3 app.tar --markdown >> "$GITHUB_STEP_SUMMARY"
`;

// Before meow: one line in the same form as every other error, with the nearest flag when one is close.
const unknown = findUnknownFlag(argv);
if (unknown) fail(new UsageError(`unknown flag ${unknown.typed}${unknown.suggestion ? ` (did you mean ${unknown.suggestion}?)` : ''}; see layerscope --help`));

const own = ownPackage();
const version = own.version ?? '0.0.0';
const cli = meow(help, {importMeta: import.meta, pkg: own, argv, allowUnknownFlags: true, autoHelp: false, autoVersion: false, flags: meowFlags() as AnyFlags});
if (argv.includes('--help') || argv.includes('-h')) cli.showHelp(0);
if (argv.includes('--version') || argv.includes('-v')) {
	process.stdout.write(`${version}\n`);
	process.exit(0);
}

const flags = cli.flags as unknown as ParsedFlags;
const thresholds: Partial<Record<RuleKey, unknown>> = {
	lowestEfficiency: flags.lowestEfficiency,
	highestWastedBytes: flags.highestWastedBytes,
	highestUserWastedPercent: flags.highestUserWastedPercent,
	highestReclaimableBytes: flags.highestReclaimableBytes,
	highestReclaimablePercent: flags.highestReclaimablePercent,
	maxImageSize: flags.maxImageSize,
	maxLayers: flags.maxLayers,
	forbidPaths: flags.forbidPaths && flags.forbidPaths.length > 0 ? flags.forbidPaths : undefined,
	// meow reports an absent boolean as false; only an explicit flag may override a config file.
	requireNonRoot: process.argv.some(arg => /^--(no-)?(require-non-root|requireNonRoot)$/.test(arg)) ? flags.requireNonRoot : undefined,
	failOnFindings: flags.failOnFindings,
	maxGrowthBytes: flags.maxGrowthBytes,
	maxGrowthPercent: flags.maxGrowthPercent,
	maxNewReclaimableBytes: flags.maxNewReclaimableBytes,
	noNewFindings: flags.failOnNewFindings,
};

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
});

try {
	process.exitCode = await runCli({
		input: cli.input,
		modeFlags: {ci: flags.ci, ciFormat: flags.ciFormat, json: flags.json, jsonFormat: flags.jsonFormat, junit: flags.junit, ciConfig: flags.ciConfig, thresholds, layer: flags.layer, markdown: flags.markdown, from: flags.from, to: flags.to, file: flags.file, force: flags.force, sameOwner: flags.sameOwner, baseline: flags.baseline, argv},
		load: {platform: flags.platform, ref: flags.ref, verify: flags.verify, source: flags.source, insecure: flags.insecure},
		cache: flags.cache,
		layer: flags.layer,
		color: flags.color,
		version,
		showHelp: () => cli.showHelp(0),
	});
} catch (error) {
	fail(error);
}

/** One line on stderr, exit code 2; a stack trace only for unexpected errors with LAYERSCOPE_DEBUG. */
function fail(error: unknown): never {
	const expected = error instanceof InputError || error instanceof UsageError;
	// Messages quote what engines, registries and archives said: never let that drive the terminal.
	process.stderr.write(`layerscope: ${escapeControlCharacters(describeError(error))}\n`);
	if (!expected && process.env.LAYERSCOPE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
	// The first fatal error ends the run: nothing still reading (a worker, a download, a stream) may keep the process alive.
	process.exit(2);
}
