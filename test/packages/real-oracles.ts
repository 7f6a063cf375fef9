/**
 * Oracles for the real images' packages, computed from the image's root filesystem as umoci unpacks it,
 * by the package managers' own tools where there are any (dpkg-query, Python's importlib.metadata, npm ls)
 * and by reading the files themselves: never by layerscope's code.
 */
import {spawnSync} from 'node:child_process';
import {lstatSync, readFileSync, readdirSync, realpathSync} from 'node:fs';
import path from 'node:path';
import type {RealImage} from '../bench/real-images.js';

/** The image's root filesystem, unpacked by umoci into `scratch`/bundle. */
export function unpackRootfs(image: RealImage, scratch: string): string {
	const bundle = path.join(scratch, 'bundle');
	const unpacked = spawnSync('umoci', ['unpack', '--rootless', '--image', `${image.ociLayout}:latest`, bundle], {encoding: 'utf8'});
	if (unpacked.status !== 0) throw new Error(`umoci unpack: ${unpacked.stderr}`);
	return path.join(bundle, 'rootfs');
}

/** What dpkg says is installed: "name version architecture". */
export function dpkgInstalled(rootfs: string): string[] {
	const query = spawnSync('dpkg-query', [`--admindir=${rootfs}/var/lib/dpkg`, '-W', '-f', '${db:Status-Status} ${Package} ${Version} ${Architecture}\\n'], {encoding: 'utf8'});
	if (query.status !== 0) throw new Error(`dpkg-query: ${query.stderr}`);
	return query.stdout.split('\n').filter(line => line.startsWith('installed ')).map(line => line.slice('installed '.length)).sort();
}

/** The paths a package's .list names (in the image, "/." left out). */
export function dpkgListed(rootfs: string, name: string, architecture: string): string[] {
	const info = path.join(rootfs, 'var/lib/dpkg/info');
	const listName = readdirSync(info).includes(`${name}:${architecture}.list`) ? `${name}:${architecture}.list` : `${name}.list`;
	return readFileSync(path.join(info, listName), 'utf8').split('\n').filter(listed => listed !== '' && listed !== '/.');
}

/** A package's bytes as its .list says, against the unpacked root. */
export function listedBytes(rootfs: string, name: string, architecture: string): {bytes: number; files: number} {
	return measured(rootfs, dpkgListed(rootfs, name, architecture));
}

/**
 * What image paths hold in the unpacked root: bytes of regular files, each inode once; files: paths that
 * are not directories, each once (the kernel follows /bin -> usr/bin); paths that are not there, not counted.
 */
export function measured(rootfs: string, imagePaths: readonly string[]): {bytes: number; files: number} {
	const seen = new Set<string>();
	const paths = new Set<string>();
	let bytes = 0;
	let files = 0;
	for (const listed of imagePaths) {
		let stat;
		try {
			stat = lstatSync(path.join(rootfs, listed));
		} catch {
			continue;
		}
		if (stat.isDirectory()) continue;
		const real = path.join(realpathSync(path.dirname(path.join(rootfs, listed))), path.basename(listed));
		if (!paths.has(real)) {
			paths.add(real);
			files++;
		}
		const inode = `${stat.dev}:${stat.ino}`;
		if (seen.has(inode)) continue;
		seen.add(inode);
		if (stat.isFile()) bytes += stat.size;
	}
	return {bytes, files};
}

export interface PythonDistribution {
	name: string;
	version: string;
	/** Its metadata folder, in the image. */
	metadataDir: string;
	/** RECORD or installed-files.txt, in the image; absent when it has neither. */
	fileList?: string;
	/** The files that list names, in the image. */
	files: string[];
}

/** Python's own answer: importlib.metadata.distributions() over each site folder (image paths), by the host's python3. */
export function pythonDistributions(rootfs: string, sites: readonly string[]): PythonDistribution[] {
	const script = `
import importlib.metadata as md, json, os, sys
root = sys.argv[1]
out = []
for site in sys.argv[2:]:
    for dist in md.distributions(path=[root + site]):
        listed = next((name for name in ('RECORD', 'installed-files.txt') if dist.read_text(name) is not None), None)
        folder = str(dist._path)
        files = [os.path.normpath(str(dist.locate_file(file))) for file in (dist.files or [])] if listed else []
        out.append({'name': dist.metadata['Name'], 'version': dist.version, 'metadataDir': folder[len(root):], 'fileList': folder[len(root):] + '/' + listed if listed else None, 'files': [file[len(root):] for file in files]})
print(json.dumps(out))
`;
	const run = spawnSync('python3', ['-c', script, rootfs, ...sites], {encoding: 'utf8'});
	if (run.status !== 0) throw new Error(`python3 importlib.metadata: ${run.stderr}`);
	return (JSON.parse(run.stdout) as Array<PythonDistribution & {fileList: string | null}>).map(({fileList, ...rest}) => (fileList === null ? rest : {...rest, fileList}));
}

export interface NpmPackage {
	name: string;
	version: string;
	/** Its folder, in the image. */
	dir: string;
}

/** npm's own answer: `npm ls --all --json --long` in the app's folder (an image path), each package folder once. */
export function npmPackages(rootfs: string, app: string): NpmPackage[] {
	const run = spawnSync('npm', ['ls', '--all', '--json', '--long'], {cwd: path.join(rootfs, app), encoding: 'utf8'});
	if (run.status !== 0) throw new Error(`npm ls: exit ${run.status}: ${run.stderr}`);
	interface Node {name?: string; version?: string; path?: string; dependencies?: Record<string, Node>}
	const found = new Map<string, NpmPackage>();
	const stack: Node[] = Object.values((JSON.parse(run.stdout) as Node).dependencies ?? {});
	while (stack.length > 0) {
		const node = stack.pop()!;
		if (node.path === undefined || node.name === undefined || node.version === undefined) throw new Error(`npm ls: a package without a name, version or path: ${JSON.stringify(node).slice(0, 200)}`);
		found.set(node.path, {name: node.name, version: node.version, dir: node.path.slice(rootfs.length)});
		stack.push(...Object.values(node.dependencies ?? {}));
	}
	return [...found.values()];
}

/** The image paths of a package folder's files, outside any node_modules below it (walked here, iteratively). */
export function filesOutsideNodeModules(rootfs: string, dir: string): string[] {
	const files: string[] = [];
	const pending = [dir];
	while (pending.length > 0) {
		const at = pending.pop()!;
		for (const entry of readdirSync(path.join(rootfs, at), {withFileTypes: true})) {
			const child = `${at}/${entry.name}`;
			if (entry.isDirectory()) {
				if (entry.name !== 'node_modules') pending.push(child);
			} else files.push(child);
		}
	}
	return files;
}
