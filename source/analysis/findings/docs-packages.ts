import type {Ecosystem} from '../../packages/listed-package.js';
import {baseLayerCount, groupBy, instructionOf, severityFor, topFiles, type Finding, type Rule} from './finding.js';
import {commandNames, isBuildPackage, isDocsPackage, isLive, largestOwnedFiles, someNames} from './package-kinds.js';

/** Where packages put manuals, documentation and translations: what dpkg's path-exclude advice names. */
const DOC_DIRS = ['/usr/share/doc', '/usr/share/man', '/usr/share/info', '/usr/share/locale'];

const PATH_EXCLUDE = 'before the install, put a file in /etc/dpkg/dpkg.cfg.d/ with the lines path-exclude=/usr/share/doc/*, path-include=/usr/share/doc/*/copyright, path-exclude=/usr/share/man/*, path-exclude=/usr/share/info/*, path-exclude=/usr/share/locale/* (dpkg then never unpacks them)';

interface Hit {
	id: number;
	bytes: number;
	ecosystem: Ecosystem;
}

/**
 * Documentation and translations the image's own layers install: `*-doc`
 * packages, manpages, locales and language packs (the whole package), and
 * the files other packages put in /usr/share/{doc,man,info,locale}. By the
 * layer that installed the package. The base layer's are heavy-base-image's;
 * a build package's are build-packages-in-final-image's.
 */
export const docsPackages: Rule = context => {
	const {image, finalFiles, packages} = context;
	const base = baseLayerCount(image);
	const records = packages.packages;
	const own = (index: number) => {
		const record = records[index]!;
		return isLive(record) && record.layer >= base && !isBuildPackage(record);
	};
	const docsIndexes = records.map((record, index) => ({record, index})).filter(({record, index}) => own(index) && isDocsPackage(record));
	const fs = finalFiles.fs;
	const hits = new Map<number, Hit[]>();
	const ids = finalFiles.ids;
	for (const [start, end] of finalFiles.runsBelow(DOC_DIRS)) {
		for (let at = start; at < end; at++) {
			const id = ids[at]!;
			const owner = packages.owners[id]!;
			if (owner === 0 || fs.typeOf(id) !== 'file' || !own(owner - 1) || isDocsPackage(records[owner - 1]!)) continue;
			const record = records[owner - 1]!;
			const list = hits.get(record.layer) ?? [];
			hits.set(record.layer, list);
			list.push({id, bytes: fs.sizeOf(id), ecosystem: record.ecosystem});
		}
	}
	if (docsIndexes.length === 0 && hits.size === 0) return [];
	const docsLayer = new Map(docsIndexes.map(({record, index}) => [index, record.layer]));
	const docsFiles = largestOwnedFiles(context, index => docsLayer.get(index));
	const docsByLayer = groupBy(docsIndexes, ({record}) => record.layer);
	const findings: Finding[] = [];
	for (const layer of [...new Set([...docsByLayer.keys(), ...hits.keys()])].sort((a, b) => a - b)) {
		const docs = docsByLayer.get(layer)?.map(({record}) => record) ?? [];
		const files = hits.get(layer) ?? [];
		const bytes = docs.reduce((total, record) => total + record.bytes, 0) + files.reduce((total, hit) => total + hit.bytes, 0);
		// Worth a finding when they are a real share of the layer, not a copyright file per package.
		if (bytes === 0 || (bytes < 1_000_000 && bytes < (image.layers[layer]?.contentSize ?? 0) * 0.05)) continue;
		const names = docs.map(record => record.name);
		const what = [names.length > 0 ? someNames(names, 3) : '', files.length > 0 ? `${files.length} ${files.length === 1 ? 'file' : 'files'} of other packages in /usr/share/doc, man, info and locale` : ''].filter(Boolean).join(' and ');
		findings.push({
			id: 'docs-in-final-image',
			severity: severityFor(bytes),
			title: `documentation and translations from layer ${layer} ship in the final image: ${what}`,
			bytes,
			layer,
			instruction: instructionOf(image, layer),
			paths: topFiles(fs, files, docsFiles.get(layer) ?? []),
			fix: fixFor(docs.map(record => ({name: record.name, ecosystem: record.ecosystem})), new Set(files.map(hit => hit.ecosystem))),
		});
	}
	return findings;
};

function fixFor(docs: Array<{name: string; ecosystem: Ecosystem}>, pathEcosystems: Set<Ecosystem>): string {
	const parts: string[] = [];
	for (const [ecosystem, items] of groupBy(docs, item => item.ecosystem)) {
		const names = someNames(items.map(item => item.name), 20);
		const command = commandNames(items.map(item => item.name), 20);
		if (ecosystem === 'deb') parts.push(`Do not install ${names}: they often come as recommends, which \`apt-get install --no-install-recommends\` leaves out (or \`apt-get purge -y ${command.names}\`${command.more} in the same RUN)`);
		else if (ecosystem === 'apk') parts.push(`Do not install ${names} (\`apk add --no-cache\` keeps what it is asked for; or \`apk del ${command.names}\`${command.more} in the same RUN)`);
		else if (ecosystem === 'rpm') parts.push(`Do not install ${names} (or \`dnf remove -y ${command.names}\`${command.more} in the same RUN)`);
		else parts.push(`Do not install ${names}`);
	}
	if (docs.some(item => item.name === 'locales-all')) parts.push('locales-all holds every locale: install locales and generate only the one needed (`localedef -i en_US -f UTF-8 en_US.UTF-8`), or use C.UTF-8');
	if (pathEcosystems.has('deb')) parts.push(docs.length > 0 ? `For the other packages' docs, ${PATH_EXCLUDE}` : PATH_EXCLUDE[0]!.toUpperCase() + PATH_EXCLUDE.slice(1));
	if (pathEcosystems.has('rpm')) parts.push('Install with `dnf install --setopt=tsflags=nodocs` (rpm then never unpacks docs)');
	if (pathEcosystems.has('apk') || pathEcosystems.has('python') || pathEcosystems.has('npm')) parts.push('Delete /usr/share/doc, man, info and the unneeded locales in the same RUN that installs the packages (`apk add --no-cache` does not leave them out)');
	return parts.map(part => (part.endsWith('.') ? part : `${part}.`)).join(' ');
}
