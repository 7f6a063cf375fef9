import {createRequire} from 'node:module';
import {UsageError} from './errors.js';

// yaml is loaded when a config file is there to read: importing it costs every run 40 ms, and most runs have none.
let parseYaml: typeof import('yaml').parse | undefined;

/**
 * A config file's YAML, or one line that says where it breaks: yaml's own
 * message ends "at line 3, column 1:" followed by a code frame, so the place
 * is kept and the frame dropped.
 */
export function parseYamlDocument(text: string, file: string): unknown {
	try {
		parseYaml ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
		return parseYaml(text);
	} catch (error) {
		const position = (error as {linePos?: Array<{line: number; col: number}>}).linePos?.[0];
		const reason = (error as Error).message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?$/, '');
		throw new UsageError(`${file}${position ? ` line ${position.line}, column ${position.col}` : ''}: not valid YAML: ${reason}`);
	}
}
