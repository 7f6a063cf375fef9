import {groupBy, instructionOf, severityFor, sum, topPaths, type Finding, type Rule} from './finding.js';

const COMPILER = /^\/usr\/(local\/)?bin\/(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|rustc|cargo|go|javac|make|cmake)(-[\d.]+)?$/;
const TOOLCHAIN_TREE = /^\/usr\/(lib|libexec)\/gcc\/|^\/usr\/(local\/)?include\//;

/** Compilers and headers in the final image: needed to build, not to run. */
export const buildTools: Rule = ({image, finalFiles}) => {
	const hits: Array<{path: string; bytes: number; layer: number}> = [];
	for (const [path, node] of finalFiles) {
		if ((node.type === 'file' || node.type === 'hardlink') && (COMPILER.test(path) || TOOLCHAIN_TREE.test(path))) {
			hits.push({path, bytes: node.type === 'file' ? node.size : 0, layer: node.layer});
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
