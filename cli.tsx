#!/usr/bin/env node
import process from 'node:process';
import meow from 'meow';
import {describeError, InputError, UsageError} from './source/errors.js';
import {runCli} from './source/cli/main.js';
import {escapeControlCharacters} from './source/report/escape.js';
import type {RuleKey} from './source/report/ci/config.js';

const cli = meow(
	`
	Usage
	  $ layerscope IMAGE                  summary (or the browser, on a terminal)
	  $ layerscope IMAGE --json [FILE]    the versioned JSON report
	  $ layerscope IMAGE --ci             a build gate: exit 0 pass, 1 fail, 2 error
	  $ layerscope files IMAGE            the filesystem after the last layer

	IMAGE is a docker save tarball (optionally gzip-compressed), an OCI image
	layout directory or archive, "-" for standard input, an image name an
	engine knows (nginx:1.27, docker://NAME, podman://NAME; the engine is found
	through DOCKER_HOST, the Docker CLI's context, CONTAINER_HOST or the default
	sockets), or registry://HOST[:PORT]/REPO[:TAG|@DIGEST]. Choose one image of
	several with PATH:REF or --ref.

	Options
	  --json [FILE]            report to standard output or FILE
	  --json-format F          layerscope (default) or dive (dive's own export)
	  --ci                     evaluate the rules (also when CI=true)
	  --ci-config FILE         rules file (default .layerscope-ci.yml, then .dive-ci)
	  --junit FILE             --ci: also write JUnit XML
	  --lowest-efficiency N, --highest-wasted-bytes SIZE, --highest-user-wasted-percent N,
	  --highest-reclaimable-bytes SIZE, --highest-reclaimable-percent N,
	  --max-image-size SIZE, --max-layers N, --forbid-paths GLOB (repeatable),
	  --require-non-root, --fail-on-findings SEVERITY
	                           --ci thresholds ("disabled" turns one off)
	  --layer N                files: the filesystem after layer N (0-based)
	  --platform P             os/arch[/variant] from a multi-platform index
	  --ref NAME               image to pick by ref name or tag
	  --no-verify              do not check blob digests and diff_ids
	  --source S               read IMAGE from docker, podman, registry or file
	  --insecure               registry://: plain HTTP (loopback registries)
	  --no-color               plain text (so does NO_COLOR)
	  --help, --version

	Examples
	  $ docker save app | layerscope -
	  $ layerscope nginx:1.27
	  $ layerscope registry://ghcr.io/org/app:1.4 --ci
	  $ layerscope app.tar --ci --highest-wasted-bytes 20MB
	  $ layerscope files app.tar --layer 2 --json
`,
	{
		importMeta: import.meta,
		allowUnknownFlags: false,
		flags: {
			json: {type: 'string'},
			jsonFormat: {type: 'string'},
			ci: {type: 'boolean', default: false},
			ciConfig: {type: 'string'},
			junit: {type: 'string'},
			lowestEfficiency: {type: 'string'},
			highestWastedBytes: {type: 'string'},
			highestUserWastedPercent: {type: 'string'},
			highestReclaimableBytes: {type: 'string'},
			highestReclaimablePercent: {type: 'string'},
			maxImageSize: {type: 'string'},
			maxLayers: {type: 'string'},
			forbidPaths: {type: 'string', isMultiple: true},
			requireNonRoot: {type: 'boolean'},
			failOnFindings: {type: 'string'},
			layer: {type: 'number'},
			platform: {type: 'string'},
			ref: {type: 'string'},
			verify: {type: 'boolean', default: true},
			source: {type: 'string'},
			insecure: {type: 'boolean', default: false},
			color: {type: 'boolean', default: true},
		},
	},
);

const {flags} = cli;
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
};

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
	if (error.code === 'EPIPE') process.exit(0);
});

try {
	process.exitCode = await runCli({
		input: cli.input,
		modeFlags: {ci: flags.ci, json: flags.json, jsonFormat: flags.jsonFormat, junit: flags.junit, ciConfig: flags.ciConfig, thresholds},
		load: {platform: flags.platform, ref: flags.ref, verify: flags.verify, source: flags.source, insecure: flags.insecure},
		layer: flags.layer,
		color: flags.color,
		version: cli.pkg.version ?? '0.0.0',
		showHelp: () => cli.showHelp(0),
	});
} catch (error) {
	const expected = error instanceof InputError || error instanceof UsageError;
	// Messages quote what engines, registries and archives said: never let that drive the terminal.
	process.stderr.write(`layerscope: ${escapeControlCharacters(describeError(error))}\n`);
	if (!expected && process.env.LAYERSCOPE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
	// The first fatal error ends the run: nothing still reading (a worker, a download, a stream) may keep the process alive.
	process.exit(2);
}
