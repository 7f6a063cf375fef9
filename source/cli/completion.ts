import {FLAGS, type FlagSpec} from './flags.js';

/**
 * Shell completion scripts, generated from the flag table the parser uses:
 * `layerscope completion bash|zsh|fish`. A flag added to the table completes
 * in every shell without another line here.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const COMMANDS = ['files', 'packages', 'cat', 'extract', 'diff-file', 'diff', 'cache', 'completion'];
const specs = () => (FLAGS as readonly FlagSpec[]).filter(spec => spec.name !== 'help' && spec.name !== 'version');
const longForms = (spec: FlagSpec) => (spec.negatable ? [`--no-${spec.name}`] : [`--${spec.name}`, ...(spec.aliases ?? []).map(alias => `--${alias}`)]);
const takesValue = (spec: FlagSpec) => spec.kind !== 'boolean';

export function completionScript(shell: Shell): string {
	return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}

function bash(): string {
	const cases = specs()
		.filter(takesValue)
		.map(spec => {
			const forms = [...longForms(spec), ...(spec.short ? [`-${spec.short}`] : [])].join('|');
			const action = spec.complete === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur"))' : Array.isArray(spec.complete) ? `COMPREPLY=($(compgen -W "${spec.complete.join(' ')}" -- "$cur"))` : 'COMPREPLY=()';
			return `\t\t${forms}) ${action}; return ;;`;
		});
	const all = [...specs().flatMap(longForms), '--help', '--version'].join(' ');
	return [
		'# bash completion for layerscope: source it, or save it as /etc/bash_completion.d/layerscope',
		'_layerscope() {',
		'\tlocal cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
		'\tcase "$prev" in',
		...cases,
		'\t\tcompletion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;',
		'\tesac',
		`\tif [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${all}" -- "$cur")); return; fi`,
		`\tif [[ $COMP_CWORD -eq 1 ]]; then COMPREPLY=($(compgen -W "${COMMANDS.join(' ')}" -- "$cur") $(compgen -f -- "$cur")); return; fi`,
		'\tCOMPREPLY=($(compgen -f -- "$cur"))',
		'}',
		'complete -o filenames -F _layerscope layerscope',
		'',
	].join('\n');
}

/** A zsh _arguments description: brackets, colons and backslashes are its syntax; single quotes end the word. */
function zshText(text: string): string {
	return text.replace(/[\\[\]:]/g, char => `\\${char}`).replaceAll("'", "'\\''");
}

function zsh(): string {
	const action = (spec: FlagSpec) => (spec.complete === 'file' ? ':file:_files' : Array.isArray(spec.complete) ? `:value:(${spec.complete.join(' ')})` : takesValue(spec) ? `:${(spec.value ?? 'value').toLowerCase()}: ` : '');
	const lines = specs().flatMap(spec => {
		const repeat = spec.multiple ? '*' : '';
		const forms = [...longForms(spec), ...(spec.short ? [`-${spec.short}`] : [])];
		return forms.map(form => `\t'${repeat}${form}${takesValue(spec) && form.startsWith('--') ? '=' : ''}[${zshText(spec.help)}]${action(spec)}'`);
	});
	return [
		'#compdef layerscope',
		'# zsh completion for layerscope: save it as _layerscope in a directory on $fpath',
		'_arguments -s \\',
		...lines.map(line => `${line} \\`),
		"\t'(- *)--help[usage]' \\",
		"\t'(- *)--version[the version]' \\",
		`\t'1: :(${COMMANDS.join(' ')})' \\`,
		"\t'*:image:_files'",
		'',
	].join('\n');
}

/** Inside fish's single quotes only backslash and the quote itself are special. */
function fishText(text: string): string {
	return text.replace(/[\\']/g, char => `\\${char}`);
}

function fish(): string {
	const lines = specs().map(spec => {
		const names = spec.negatable ? [`-l no-${spec.name}`] : [`-l ${spec.name}`, ...(spec.aliases ?? []).map(alias => `-l ${alias}`)];
		if (spec.short) names.push(`-s ${spec.short}`);
		const value = spec.complete === 'file' ? ' -r -F' : Array.isArray(spec.complete) ? ` -x -a '${spec.complete.join(' ')}'` : takesValue(spec) ? ' -x' : '';
		return `complete -c layerscope ${names.join(' ')}${value} -d '${fishText(spec.help)}'`;
	});
	return [
		'# fish completion for layerscope: save it as ~/.config/fish/completions/layerscope.fish',
		"complete -c layerscope -l help -s h -d 'usage'",
		"complete -c layerscope -l version -s v -d 'the version'",
		`complete -c layerscope -n '__fish_use_subcommand' -a '${COMMANDS.join(' ')}'`,
		"complete -c layerscope -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'",
		...lines,
		'',
	].join('\n');
}
