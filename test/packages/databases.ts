/** Package databases as their package managers write them, for fixtures. */
import type {EntrySpec} from '../fixtures/layer-builder.js';

export interface DebPackage {
	name: string;
	version: string;
	architecture?: string;
	status?: string;
	files: string[];
	/** Multi-Arch: same packages' lists are NAME:ARCH.list. */
	archList?: boolean;
}

export function dpkgStatus(packages: DebPackage[]): string {
	return packages
		.map(item => [`Package: ${item.name}`, `Status: ${item.status ?? 'install ok installed'}`, 'Priority: optional', `Architecture: ${item.architecture ?? 'amd64'}`, `Version: ${item.version}`, 'Description: a package', ' with a long description', ''].join('\n'))
		.join('\n');
}

/** The status file and every package's .list, as entries of one layer. */
export function dpkgDatabase(packages: DebPackage[]): EntrySpec[] {
	return [
		{type: 'file', path: 'var/lib/dpkg/status', content: dpkgStatus(packages)},
		...packages.map(item => ({type: 'file' as const, path: `var/lib/dpkg/info/${item.name}${item.archList ? `:${item.architecture ?? 'amd64'}` : ''}.list`, content: ['/.', ...item.files].join('\n') + '\n'})),
	];
}

export interface ApkPackage {
	name: string;
	version: string;
	files: string[];
}

export function apkInstalled(packages: ApkPackage[]): string {
	return packages
		.map(item => {
			const lines = [`C:Q1abc=`, `P:${item.name}`, `V:${item.version}`, 'A:x86_64', 'S:1000', 'I:4096', 'T:a package'];
			const byDir = new Map<string, string[]>();
			for (const file of item.files) {
				const slash = file.lastIndexOf('/');
				const dir = file.slice(1, slash);
				byDir.set(dir, [...(byDir.get(dir) ?? []), file.slice(slash + 1)]);
			}
			for (const [dir, names] of byDir) lines.push(`F:${dir}`, ...names.map(name => `R:${name}`), 'Z:Q1hash=');
			return lines.join('\n') + '\n';
		})
		.join('\n');
}

export function file(path: string, size: number, fill = 'x'): EntrySpec {
	return {type: 'file', path, content: fill.repeat(size)};
}
