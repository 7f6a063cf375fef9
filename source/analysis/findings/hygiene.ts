import prettyBytes from 'pretty-bytes';
import {baseLayerCount, instructionOf, severityFor, sum, topFiles, type Finding, type FindingContext, type Rule} from './finding.js';

const ROOT_USERS = new Set(['', 'root', '0', '0:0', 'root:root', 'root:0', '0:root']);

/** No USER, or USER root: the process runs as root in the container. */
export const runsAsRoot: Rule = ({image}) => {
	if (!ROOT_USERS.has(image.config.user.trim())) return [];
	return [
		{
			id: 'runs-as-root',
			severity: 'medium',
			title: image.config.user ? `runs as ${image.config.user}` : 'runs as root (no USER)',
			bytes: 0,
			layer: null,
			instruction: null,
			paths: [],
			fix: 'Create a user and switch to it: `RUN useradd --system --uid 10001 app` then `USER 10001`.',
		},
	];
};

/** Where documentation, manuals and translations go: only these parts of the final tree are read, and every file below them counts. */
const DOCS_WHERE = ['doc', 'man', 'info', 'locale', 'help', 'gtk-doc'].map(name => `/usr/share/${name}`);

/** How many of the base's largest packages its finding names. */
const BASE_PACKAGES = 5;

/**
 * A base layer carrying documentation and translations no container reads.
 * With package databases, the fix names the base's largest packages with
 * their bytes: what a slimmer base would leave out, or keep.
 */
export const heavyBase: Rule = ({image, finalFiles, packages}) => {
	const baseLayers = baseLayerCount(image);
	const base = image.layers[0];
	if (!base || baseLayers === 0) return [];
	const docs: Array<{id: number; bytes: number}> = [];
	const fs = finalFiles.fs;
	const ids = finalFiles.ids;
	for (const [start, end] of finalFiles.runsBelow(DOCS_WHERE)) {
		for (let at = start; at < end; at++) {
			const id = ids[at]!;
			const layer = fs.layerOf(id);
			if (layer < baseLayers && layer >= 0 && fs.typeOf(id) === 'file') docs.push({id, bytes: fs.sizeOf(id)});
		}
	}
	const bytes = sum(docs);
	// Worth a finding when docs are a real share of the base, not a stray README.
	if (bytes === 0 || (bytes < 1_000_000 && bytes < base.contentSize * 0.05)) return [];
	const largest = packages.packages.filter(record => record.removedIn === undefined && record.layer < baseLayers && record.bytes > 0).slice(0, BASE_PACKAGES);
	const named = largest.length > 0 ? ` The base's largest packages: ${largest.map(record => `${record.name} ${record.version} (${prettyBytes(record.bytes)})`).join(', ')}.` : '';
	return [
		{
			id: 'heavy-base-image',
			severity: severityFor(bytes),
			title: `the base layer carries ${docs.length} documentation, manual and locale files`,
			bytes,
			layer: 0,
			instruction: instructionOf(image, 0),
			paths: topFiles(fs, docs),
			fix: `Start from a slim or distroless base (for example debian:bookworm-slim or gcr.io/distroless), or exclude /usr/share/doc, man and locale with dpkg path-exclude rules.${named}`,
		},
	];
};
