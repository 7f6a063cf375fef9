import {lines, text, type DatabaseFile, type ListedPackage, type ReaderNote} from './listed-package.js';

/**
 * dpkg's database: /var/lib/dpkg/status (one RFC 822-style paragraph per
 * package), each package's file list info/NAME.list (or NAME:ARCH.list for
 * Multi-Arch: same packages), and diversions (a file a package ships under
 * one name, put elsewhere because another package diverts it). Distroless
 * images have no status file: status.d/ holds one paragraph file per package,
 * with NAME.md5sums listing its files.
 */
export const DPKG_DIR = '/var/lib/dpkg/';
const STATUS = DPKG_DIR + 'status';
const DIVERSIONS = DPKG_DIR + 'diversions';
const INFO = DPKG_DIR + 'info/';
const STATUS_D = DPKG_DIR + 'status.d/';

export function isDpkgFile(path: string): boolean {
	return path.startsWith(DPKG_DIR);
}

/** Paragraphs of a control file: field names as written, continuation lines joined with "\n". */
export function controlParagraphs(content: string): Array<Map<string, string>> {
	const paragraphs: Array<Map<string, string>> = [];
	let current: Map<string, string> | null = null;
	let last: string | null = null;
	for (const line of content.split('\n')) {
		if (line.trim() === '') {
			if (current) paragraphs.push(current);
			current = null;
			last = null;
			continue;
		}
		if ((line.startsWith(' ') || line.startsWith('\t')) && current && last !== null) {
			current.set(last, `${current.get(last)}\n${line.slice(1)}`);
			continue;
		}
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		current ??= new Map();
		last = line.slice(0, colon);
		current.set(last, line.slice(colon + 1).trim());
	}
	if (current) paragraphs.push(current);
	return paragraphs;
}

/** Whether a Status field ("want flag status") says the package is installed: dpkg-query's db:Status-Status is "installed". */
function installed(status: string | undefined): boolean {
	if (status === undefined) return true; // status.d paragraphs carry no Status: each file is an installed package
	const words = status.split(/\s+/);
	return words.length === 3 && words[1] === 'ok' && words[2] === 'installed';
}

/** diversions: triples of lines (from, to, the diverting package; ":" for a local diversion). */
export function readDiversions(content: string): Array<{from: string; to: string; by: string}> {
	const all = lines(content);
	const result: Array<{from: string; to: string; by: string}> = [];
	for (let i = 0; i + 2 < all.length; i += 3) result.push({from: all[i]!, to: all[i + 1]!, by: all[i + 2]!});
	return result;
}

/**
 * The installed packages the dpkg files say, with their files (diversions
 * applied: a diverted path of a package other than the diverting one lies
 * where the diversion put it).
 */
/** A list file's paths with the diversions applied, kept while neither the list nor the diversions change (most layers change neither). */
export type DpkgListCache = WeakMap<DatabaseFile, {diversions: DatabaseFile | undefined; name: string; files: string[]}>;

export function readDpkg(files: ReadonlyMap<string, DatabaseFile>, notes: ReaderNote[], cache: DpkgListCache = new WeakMap()): ListedPackage[] {
	const status = files.get(STATUS);
	const paragraphs: Array<{fields: Map<string, string>; md5sums?: string}> = [];
	if (status) {
		for (const fields of controlParagraphs(text(status.bytes))) paragraphs.push({fields});
	} else {
		for (const [path, file] of files) {
			if (!path.startsWith(STATUS_D) || path.endsWith('.md5sums')) continue;
			for (const fields of controlParagraphs(text(file.bytes))) paragraphs.push({fields, md5sums: `${path}.md5sums`});
		}
	}
	const diversions = files.get(DIVERSIONS);
	const diverted = new Map<string, {to: string; by: string}>();
	if (diversions) for (const {from, to, by} of readDiversions(text(diversions.bytes))) diverted.set(from, {to, by});

	const packages: ListedPackage[] = [];
	for (const {fields, md5sums} of paragraphs) {
		const name = fields.get('Package');
		if (!name || !installed(fields.get('Status'))) continue;
		const architecture = fields.get('Architecture');
		const version = fields.get('Version') ?? '';
		const listFile = md5sums !== undefined ? files.get(md5sums) : (architecture ? files.get(`${INFO}${name}:${architecture}.list`) : undefined) ?? files.get(`${INFO}${name}.list`);
		let list: string[] | undefined;
		const known = listFile && cache.get(listFile);
		if (listFile && known && known.diversions === diversions && known.name === name) {
			list = known.files;
		} else if (listFile) {
			list = md5sums !== undefined ? lines(text(listFile.bytes)).map(line => '/' + line.replace(/^[0-9a-f]+ +/, '').replace(/^\/+/, '')).filter(path => path !== '/') : lines(text(listFile.bytes));
			if (diverted.size > 0) {
				list = list.map(path => {
					const diversion = diverted.get(path);
					return diversion && diversion.by !== name ? diversion.to : path;
				});
			}
			cache.set(listFile, {diversions, name, files: list});
		}
		const item: ListedPackage = {ecosystem: 'deb', name, version, key: `deb\0${name}\0${architecture ?? ''}`, files: []};
		if (architecture) item.architecture = architecture;
		if (list === undefined) {
			item.filesUnknown = true;
			// Packages that install nothing have no list either (dpkg writes one anyway, but stripped images drop them).
			notes.push(`deb package ${name} has no file list (${md5sums ?? `${INFO}${name}.list`}): its bytes are not known`);
		} else {
			item.files = list;
		}
		packages.push(item);
	}
	return packages;
}
