/**
 * The system tools the tests run, and the Debian packages that bring them. The test set-up checks them
 * before any test: as root with apt-get it installs what is missing; otherwise it stops the run with one
 * line naming what is missing and the command that installs it. Run alone, this file does the same:
 *
 *     node --import tsx test/setup/system-tools.ts
 */
import {spawnSync} from 'node:child_process';
import {accessSync, constants} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';

export interface SystemTool {
	command: string;
	package: string;
	/** Who needs it: says why the list is what it is. */
	for: string;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
	{command: 'tmux', package: 'tmux', for: 'the end-to-end terminal tests'},
	{command: 'umoci', package: 'umoci', for: 'a second opinion on final filesystems'},
	{command: 'buildah', package: 'buildah', for: 'building the interoperability images'},
	{command: 'skopeo', package: 'skopeo', for: 'writing the images\' other forms and pushing to the test registry'},
	{command: 'podman', package: 'podman', for: 'an OCI directory by podman save, and the engine API'},
	{command: 'docker-registry', package: 'docker-registry', for: 'the distribution API the registry tests serve'},
	{command: 'busybox', package: 'busybox-static', for: 'the interoperability image\'s shell (a static /bin/busybox)'},
	{command: 'bzip2', package: 'bzip2', for: 'a bzip2-compressed layer from GNU tar'},
	{command: 'zsh', package: 'zsh', for: 'checking the zsh completion script'},
	{command: 'fish', package: 'fish', for: 'asking fish to complete from the fish completion script'},
	{command: 'script', package: 'bsdutils', for: 'a terminal for stderr, to see the loading progress'},
	{command: 'debootstrap', package: 'debootstrap', for: 'the Debian base of the real image the package test builds (test/packages/real-debian.test.ts)'},
	{command: 'dpkg-query', package: 'dpkg', for: 'dpkg\'s own answer on that image\'s packages'},
	{command: 'python3', package: 'python3', for: 'Python\'s own answer (importlib.metadata) on the python packages of test/packages/real-python-npm.test.ts'},
];

/** The tools not found as executables on this PATH. */
export function missingTools(searchPath = process.env.PATH ?? '', tools: readonly SystemTool[] = SYSTEM_TOOLS): SystemTool[] {
	const dirs = searchPath.split(path.delimiter).filter(Boolean);
	return tools.filter(tool => !dirs.some(dir => isExecutable(path.join(dir, tool.command))));
}

function isExecutable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

export function installCommand(missing: readonly SystemTool[]): string {
	return `apt-get update && apt-get install -y ${missing.map(tool => tool.package).join(' ')}`;
}

/** The one line the set-up prints when it cannot go on. */
export function missingToolsLine(missing: readonly SystemTool[]): string {
	return `layerscope tests: missing ${missing.map(tool => tool.command).join(', ')}; install with: sudo ${installCommand(missing)}`;
}

export interface Environment {
	searchPath: string;
	isRoot: boolean;
	/** Runs a command, true when it succeeded. */
	run: (command: string, args: string[]) => boolean;
}

function realEnvironment(): Environment {
	return {
		searchPath: process.env.PATH ?? '',
		isRoot: process.getuid?.() === 0,
		run: (command, args) => spawnSync(command, args, {stdio: 'ignore', env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}}).status === 0,
	};
}

/**
 * Null when every tool is there (after installing what was missing, where it may); otherwise the one line
 * to print. apt-get update runs once, and only when something is missing.
 */
export function ensureSystemTools(environment: Environment = realEnvironment()): string | null {
	const missing = missingTools(environment.searchPath);
	if (missing.length === 0) return null;
	const canInstall = environment.isRoot && missingTools(environment.searchPath, [{command: 'apt-get', package: 'apt', for: 'installing'}]).length === 0;
	if (!canInstall) return missingToolsLine(missing);
	environment.run('apt-get', ['update', '-qq']);
	environment.run('apt-get', ['install', '-y', '-qq', ...missing.map(tool => tool.package)]);
	const still = missingTools(environment.searchPath);
	return still.length === 0 ? null : missingToolsLine(still);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const line = ensureSystemTools();
	if (line) {
		console.error(line);
		process.exitCode = 1;
	}
}
