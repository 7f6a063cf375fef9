/**
 * Every flag the command line knows, as data: this one table drives the
 * parser (meow's flag options), the check for unknown flags, the help text and
 * the shell completions, as the keymap does for keys.
 */
import leven from 'leven';

export type FlagKind = 'boolean' | 'string' | 'number';

export interface FlagSpec {
	/** The long name, kebab-case: `json-format`. meow's key is its camelCase. */
	name: string;
	kind: FlagKind;
	/** A one-letter spelling (dive's `-j`). */
	short?: string;
	/** Other long spellings, such as dive's camelCase rule flags. */
	aliases?: string[];
	/** How help writes it, when not `--NAME VALUE`: `--json [FILE]`, `--no-verify`. */
	usage?: string;
	/** The value's name in help: FILE, N, SIZE. */
	value?: string;
	help: string;
	/** What completes the value: a file, or one of these words. */
	complete?: 'file' | readonly string[];
	multiple?: boolean;
	/** A boolean that is on unless `--no-NAME`. */
	negatable?: boolean;
	/** A string flag whose value may be left out (`--json` alone: standard output). */
	optionalValue?: boolean;
	/** --ci thresholds are listed together in help. */
	group?: 'threshold';
	/** The CI rule a threshold sets, when its name is not the flag's (camelCase). */
	rule?: string;
}

export const FLAGS = [
	{name: 'json', kind: 'string', short: 'j', usage: '--json [FILE], -j FILE', help: 'report to standard output or FILE', complete: 'file', optionalValue: true},
	{name: 'json-format', kind: 'string', value: 'F', help: 'layerscope (default) or dive (dive\'s own export; implies --json)', complete: ['layerscope', 'dive']},
	{name: 'ci', kind: 'boolean', help: 'evaluate the rules (also when CI=true)'},
	{name: 'ci-format', kind: 'string', value: 'F', help: '--ci: layerscope (default) or dive (dive\'s output, line for line)', complete: ['layerscope', 'dive']},
	{name: 'ci-config', kind: 'string', value: 'FILE', help: 'rules file (default .layerscope-ci.yml, then .dive-ci)', complete: 'file'},
	{name: 'junit', kind: 'string', value: 'FILE', help: '--ci: also write JUnit XML', complete: 'file'},
	{name: 'lowest-efficiency', kind: 'string', aliases: ['lowestEfficiency'], value: 'N', help: 'fail below this dive efficiency (0.9)', group: 'threshold'},
	{name: 'highest-wasted-bytes', kind: 'string', aliases: ['highestWastedBytes'], value: 'SIZE', help: 'fail above these dive wasted bytes', group: 'threshold'},
	{name: 'highest-user-wasted-percent', kind: 'string', aliases: ['highestUserWastedPercent'], value: 'N', help: 'fail above this dive user wasted ratio (0.1)', group: 'threshold'},
	{name: 'highest-reclaimable-bytes', kind: 'string', aliases: ['highestReclaimableBytes'], value: 'SIZE', help: 'fail above these reclaimable bytes', group: 'threshold'},
	{name: 'highest-reclaimable-percent', kind: 'string', aliases: ['highestReclaimablePercent'], value: 'N', help: 'fail above this reclaimable share of the content', group: 'threshold'},
	{name: 'max-image-size', kind: 'string', aliases: ['maxImageSize'], value: 'SIZE', help: 'fail above this content size', group: 'threshold'},
	{name: 'max-layers', kind: 'string', aliases: ['maxLayers'], value: 'N', help: 'fail above this many layers', group: 'threshold'},
	{name: 'forbid-paths', kind: 'string', aliases: ['forbidPaths'], value: 'GLOB', help: 'fail when a final path matches (repeatable)', multiple: true, group: 'threshold'},
	{name: 'require-non-root', kind: 'boolean', aliases: ['requireNonRoot'], help: 'fail when the image runs as root', group: 'threshold'},
	{name: 'fail-on-findings', kind: 'string', aliases: ['failOnFindings'], value: 'SEVERITY', help: 'fail on a finding this severe', complete: ['high', 'medium', 'low'], group: 'threshold'},
	{name: 'baseline', kind: 'string', value: 'IMAGE', help: '--ci: compare with this image (the last release); the growth rules below need it, and the step summary shows the comparison', complete: 'file'},
	{name: 'max-growth-bytes', kind: 'string', aliases: ['maxGrowthBytes'], value: 'SIZE', help: 'fail when the content grew more than this over --baseline', group: 'threshold'},
	{name: 'max-growth-percent', kind: 'string', aliases: ['maxGrowthPercent'], value: 'N', help: 'fail when the content grew more than this ratio of --baseline\'s (0.1)', group: 'threshold'},
	{name: 'max-new-reclaimable-bytes', kind: 'string', aliases: ['maxNewReclaimableBytes'], value: 'SIZE', help: 'fail when reclaimable bytes grew more than this over --baseline', group: 'threshold'},
	// yargs reads --no-new-findings as the negation of a boolean "new-findings": the flag is spelled otherwise.
	{name: 'fail-on-new-findings', kind: 'string', value: 'SEVERITY', help: 'rule noNewFindings: fail on a finding this severe that --baseline has not', complete: ['high', 'medium', 'low'], group: 'threshold', rule: 'noNewFindings'},
	{name: 'markdown', kind: 'string', usage: '--markdown [FILE]', help: 'diff: a Markdown summary (a pull-request comment, $GITHUB_STEP_SUMMARY) to standard output or FILE', complete: 'file', optionalValue: true},
	{name: 'from', kind: 'number', value: 'N', help: 'diff of one image: the filesystem after layer N (default: the layer before --to)'},
	{name: 'to', kind: 'string', usage: '--to M, --to DIR', help: 'diff of one image: against the filesystem after layer M (default: the last); extract: the directory to write into', complete: 'file'},
	{name: 'file', kind: 'string', value: 'PATH', help: 'diff: that one file\'s change (A\'s against B\'s, or from --from to --to) as a unified diff'},
	{name: 'layer', kind: 'number', value: 'N', help: 'files, packages, cat and extract: the filesystem after layer N (0-based); diff-file: the layer whose change is shown (default: the last that changed PATH); the browser: open on layer N'},
	{name: 'force', kind: 'boolean', help: 'extract: replace files that exist under --to DIR (a symbolic link there is removed, never followed)'},
	{name: 'same-owner', kind: 'boolean', help: 'extract: give entries the image\'s owners (only when run as root)'},
	{name: 'platform', kind: 'string', value: 'P', help: 'os/arch[/variant] from a multi-platform index', complete: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64']},
	{name: 'ref', kind: 'string', value: 'NAME', help: 'image to pick by ref name or tag'},
	{name: 'verify', kind: 'boolean', negatable: true, usage: '--no-verify', help: 'read layers that do not match their digest or diff_id, that nothing states a digest for, or whose digest is not sha256 or sha512'},
	{name: 'source', kind: 'string', value: 'S', help: 'read IMAGE from docker, podman, registry or file (dive\'s docker-archive is file)', complete: ['docker', 'podman', 'registry', 'file', 'docker-archive']},
	{name: 'insecure', kind: 'boolean', help: 'registry://: plain HTTP (loopback registries)'},
	{name: 'cache', kind: 'boolean', negatable: true, usage: '--no-cache', help: 'bypass the layer cache: read every layer from the image, store none (see layerscope cache info)'},
	{name: 'color', kind: 'boolean', negatable: true, usage: '--no-color', help: 'plain text (so does NO_COLOR)'},
	{name: 'help', kind: 'boolean', short: 'h', help: 'this text'},
	{name: 'version', kind: 'boolean', short: 'v', help: 'the version'},
] as const satisfies readonly FlagSpec[];

export type FlagName = (typeof FLAGS)[number]['name'];

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
type ParsedValue<F> = F extends {kind: 'boolean'} ? boolean : F extends {kind: 'number'} ? number | undefined : F extends {multiple: true} ? string[] : string | undefined;

/** What meow gives back for the table: one typed field per flag, by its camelCase name. */
export type ParsedFlags = {[F in (typeof FLAGS)[number] as CamelCase<F['name']>]: ParsedValue<F>};

export function camelCase(name: string): string {
	return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The options meow parses with (help and version are answered before meow sees them). */
export function meowFlags(): Record<string, {type: FlagKind; shortFlag?: string; aliases?: string[]; isMultiple?: boolean; default?: boolean}> {
	const flags: Record<string, {type: FlagKind; shortFlag?: string; aliases?: string[]; isMultiple?: boolean; default?: boolean}> = {};
	for (const spec of FLAGS as readonly FlagSpec[]) {
		if (spec.name === 'help' || spec.name === 'version') continue;
		flags[camelCase(spec.name)] = {
			type: spec.kind,
			...(spec.short ? {shortFlag: spec.short} : {}),
			// yargs-parser reads --max-layers and --maxLayers alike; only other spellings are aliases.
			...(spec.aliases?.some(alias => alias !== camelCase(spec.name)) ? {aliases: spec.aliases.filter(alias => alias !== camelCase(spec.name))} : {}),
			...(spec.multiple ? {isMultiple: true} : {}),
			...(spec.kind === 'boolean' && spec.name !== 'require-non-root' ? {default: spec.negatable ?? false} : {}),
		};
	}
	return flags;
}

/** How help writes a flag. */
export function flagUsage(spec: FlagSpec): string {
	if (spec.usage) return spec.usage;
	const short = spec.short ? `, -${spec.short}` : '';
	return `--${spec.name}${spec.value ? ` ${spec.value}` : ''}${short}`;
}

/** The Options part of --help. */
export function optionsHelp(): string {
	const specs = FLAGS as readonly FlagSpec[];
	const line = (left: string, right: string) => (left.length > 24 ? `  ${left}\n  ${' '.repeat(25)}${right}` : `  ${left.padEnd(25)}${right}`);
	const lines: string[] = [];
	for (const spec of specs.filter(s => s.group === undefined && s.name !== 'help' && s.name !== 'version')) lines.push(line(flagUsage(spec), spec.help));
	lines.push('  --ci thresholds (dive\'s camelCase spellings too; "disabled" turns one off):');
	for (const spec of specs.filter(s => s.group === 'threshold')) lines.push(line(`  ${flagUsage(spec)}`, spec.help));
	lines.push(line('--help, -h / --version, -v', 'this text / the version'));
	return lines.join('\n');
}

/** Every spelling a flag may be given in, without dashes, mapped to its spec. */
function spellings(): Map<string, FlagSpec> {
	const known = new Map<string, FlagSpec>();
	for (const spec of FLAGS as readonly FlagSpec[]) {
		for (const name of [spec.name, camelCase(spec.name), ...(spec.aliases ?? [])]) {
			known.set(name, spec);
			if (spec.kind === 'boolean') known.set(`no-${name}`, spec);
		}
		if (spec.short) known.set(spec.short, spec);
	}
	return known;
}

export interface UnknownFlag {
	typed: string;
	suggestion?: string;
}

/**
 * The first flag in `argv` the table does not know, with the nearest known
 * spelling when one is close. Values are skipped: `--json -` or `--layer -1`
 * are not flags.
 */
export function findUnknownFlag(argv: readonly string[]): UnknownFlag | undefined {
	const known = spellings();
	for (let i = 0; i < argv.length; i++) {
		const token = argv[i]!;
		if (token === '--') return undefined;
		if (!token.startsWith('-') || token === '-') continue;
		const long = token.startsWith('--');
		const body = token.slice(long ? 2 : 1);
		const name = body.split('=')[0]!;
		// -jFILE and clusters of short booleans are not dive's habits; one short flag at a time.
		const spec = long ? known.get(name) : name.length === 1 ? known.get(name) : undefined;
		if (!spec) return {typed: `${long ? '--' : '-'}${name}`, suggestion: nearest(name, [...known.keys()].filter(k => k.length > 1))};
		const takesValue = spec.kind !== 'boolean' && !body.includes('=');
		if (takesValue) {
			const next = argv[i + 1];
			if (next !== undefined && (!spec.optionalValue || !next.startsWith('-') || next === '-')) i++;
		}
	}
	return undefined;
}

/** The flag that sets a CI rule's threshold: its camelCase name in kebab-case, unless the table says otherwise. */
export function ruleFlag(rule: string): FlagName {
	const spec = (FLAGS as readonly FlagSpec[]).find(candidate => candidate.rule === rule);
	return (spec?.name ?? rule.replace(/[A-Z]/g, letter => '-' + letter.toLowerCase())) as FlagName;
}

/** The spelling closest to `typed`, if it is close enough to be what was meant. */
function nearest(typed: string, candidates: string[]): string | undefined {
	let best: {name: string; distance: number} | undefined;
	for (const candidate of candidates) {
		const distance = leven(typed.toLowerCase(), candidate.toLowerCase());
		if (!best || distance < best.distance) best = {name: candidate, distance};
	}
	const close = best && (best.distance <= Math.max(1, Math.floor(typed.length / 4)) || best.name.startsWith(typed));
	return close ? `--${best!.name}` : undefined;
}

/** How the user spelled a flag on this command line (`--maxLayers` or `--max-layers`), for messages. */
export function typedSpelling(argv: readonly string[], name: FlagName): string {
	const spec = (FLAGS as readonly FlagSpec[]).find(s => s.name === name)!;
	const forms = new Set([spec.name, camelCase(spec.name), ...(spec.aliases ?? [])].map(n => `--${n}`));
	if (spec.short) forms.add(`-${spec.short}`);
	const typed = argv.map(token => token.split('=')[0]!).find(token => forms.has(token));
	return typed ?? `--${spec.name}`;
}

/** The README's option table, generated from this one (a test holds the README to it). */
export function flagsMarkdown(): string {
	const lines = ['| option | meaning |', '| --- | --- |'];
	for (const spec of FLAGS as readonly FlagSpec[]) {
		const spelled = [flagUsage(spec), ...(spec.aliases ?? []).filter(alias => alias !== spec.name).map(alias => `--${alias}`)].join(', ');
		lines.push(`| \`${spelled}\` | ${spec.help.replaceAll('|', '\\|')} |`);
	}
	return lines.join('\n');
}
