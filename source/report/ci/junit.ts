import {XMLBuilder} from 'fast-xml-parser';
import type {AnalysisFacts} from '../../analysis/analyse.js';
import type {CiVerdict} from './rules.js';
import {escapeForXml} from '../escape.js';
import {tally} from './ci-report.js';

/** The verdict as a JUnit test suite: one test case per rule, so CI systems show each gate. */
export function junitXml(analysis: AnalysisFacts, verdict: CiVerdict): string {
	const t = tally(verdict);
	const name = escapeForXml(analysis.image.repoTags[0] ?? analysis.image.input);
	const builder = new XMLBuilder({ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true});
	const document = {
		'?xml': {'@version': '1.0', '@encoding': 'UTF-8'},
		testsuites: {
			'@name': 'layerscope',
			'@tests': t.total,
			'@failures': t.failed,
			'@skipped': t.skipped,
			testsuite: {
				'@name': `layerscope ${name}`,
				'@tests': t.total,
				'@failures': t.failed,
				'@skipped': t.skipped,
				'@errors': 0,
				testcase: verdict.results.map(result => {
					const message = escapeForXml(result.message);
					return {
						'@name': result.rule,
						'@classname': 'layerscope.ci',
						...(result.status === 'fail' ? {failure: {'@message': message, '#text': message}} : {}),
						...(result.status === 'skip' ? {skipped: {'@message': message}} : {}),
						...(result.status === 'pass' ? {'system-out': message} : {}),
					};
				}),
			},
		},
	};
	return builder.build(document) as string;
}
