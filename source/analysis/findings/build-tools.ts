import {buildPackageFiles} from './build-packages.js';
import {groupBy, instructionOf, severityFor, sum, topPaths, type Finding, type Rule} from './finding.js';

const COMPILER = /^\/usr\/(local\/)?bin\/(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|rustc|cargo|go|javac|make|cmake)(-[\d.]+)?$/;
const TOOLCHAIN_TREE = /^\/usr\/(lib|libexec)\/gcc\/|^\/usr\/(local\/)?include\//;
/** The directories the patterns above can match below: only these parts of the final tree are read. */
const WHERE = ['/usr/bin', '/usr/local/bin', '/usr/lib/gcc', '/usr/libexec/gcc', '/usr/include', '/usr/local/include'];

/**
 * Compilers and headers in the final image: needed to build, not to run.
 * Files a build package owns are that package's finding (build-packages.ts),
 * so with package databases this rule tells only of the rest (a toolchain
 * unpacked from a tarball into /usr/local); without them, of every file.
 */
export const buildTools: Rule = context => {
	const {image, finalFiles} = context;
	const fs = finalFiles.fs;
	const packaged = buildPackageFiles(context);
	const hits: Array<{path: string; bytes: number; layer: number}> = [];
	const ids = finalFiles.ids;
	for (const [start, end] of finalFiles.runsBelow(WHERE)) {
		for (let at = start; at < end; at++) {
			const id = ids[at]!;
			const type = fs.typeOf(id);
			// Named only when a build package does not own it (with package databases, nearly every file there).
			if ((type !== 'file' && type !== 'hardlink') || packaged(id)) continue;
			const path = fs.paths.pathOf(id);
			if (COMPILER.test(path) || TOOLCHAIN_TREE.test(path)) hits.push({path, bytes: type === 'file' ? fs.sizeOf(id) : 0, layer: fs.layerOf(id)});
		}
	}
	if (!hits.some(hit => COMPILER.test(hit.path))) return [];
	const findings: Finding[] = [];
	for (const group of groupBy(hits, hit => hit.layer).values()) {
		const layer = group[0]!.layer;
		const bytes = sum(group);
		findings.push({
			id: 'build-tools-in-final-image',
			severity: severityFor(bytes),
			title: `compilers and headers from layer ${layer} ship in the final image`,
			bytes,
			layer,
			instruction: instructionOf(image, layer),
			paths: topPaths(group),
			fix: 'Use a multi-stage build: compile in a builder stage, then COPY --from=builder only the artifacts into a slim runtime stage.',
		});
	}
	return findings;
};
