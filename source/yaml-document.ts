import {parse as parseYaml} from 'yaml';
import {UsageError} from './errors.js';

/**
 * A config file's YAML, or one line that says where it breaks: yaml's own
 * message ends "at line 3, column 1:" followed by a code frame, so the place
 * is kept and the frame dropped.
 */
export function parseYamlDocument(text: string, file: string): unknown {
	try {
		return parseYaml(text);
	} catch (error) {
		const position = (error as {linePos?: Array<{line: number; col: number}>}).linePos?.[0];
		const reason = (error as Error).message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?$/, '');
		throw new UsageError(`${file}${position ? ` line ${position.line}, column ${position.col}` : ''}: not valid YAML: ${reason}`);
	}
}
