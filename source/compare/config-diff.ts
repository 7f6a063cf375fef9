import type {ImageFacts} from '../model.js';

/** The config fields a comparison looks at, in the order it reports them. */
export const CONFIG_FIELDS = ['platform', 'user', 'workingDir', 'entrypoint', 'cmd', 'env', 'exposedPorts', 'volumes', 'labels', 'healthcheck', 'stopSignal'] as const;

export type ConfigField = (typeof CONFIG_FIELDS)[number];

/**
 * One difference in the two configs. Keyed fields (env and labels by name,
 * ports and volumes by themselves) give one change per key; the others one
 * change for the whole value. `before`/`after` are the values (null: unset).
 */
export interface ConfigChange {
	field: ConfigField;
	key: string | null;
	before: unknown;
	after: unknown;
}

export function diffConfigs(a: ImageFacts, b: ImageFacts): ConfigChange[] {
	const changes: ConfigChange[] = [];
	const whole = (field: ConfigField, before: unknown, after: unknown) => {
		if (!sameValue(before, after)) changes.push({field, key: null, before, after});
	};
	const keyed = (field: ConfigField, before: Map<string, unknown>, after: Map<string, unknown>) => {
		const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
		for (const key of keys) {
			const was = before.get(key) ?? null;
			const is = after.get(key) ?? null;
			if (!sameValue(was, is)) changes.push({field, key, before: was, after: is});
		}
	};
	const setOf = (values: string[]) => new Map(values.map(value => [value, value]));
	for (const field of CONFIG_FIELDS) {
		if (field === 'platform') whole(field, platformText(a), platformText(b));
		else if (field === 'env') keyed(field, envMap(a.config.env), envMap(b.config.env));
		else if (field === 'labels') keyed(field, new Map(Object.entries(a.config.labels)), new Map(Object.entries(b.config.labels)));
		else if (field === 'exposedPorts' || field === 'volumes') keyed(field, setOf(a.config[field]), setOf(b.config[field]));
		else whole(field, emptyAsNull(a.config[field]), emptyAsNull(b.config[field]));
	}
	return changes;
}

/** The variables by name; a later duplicate wins, as it does in a container. */
function envMap(env: string[]): Map<string, string> {
	const map = new Map<string, string>();
	for (const entry of env) {
		const equals = entry.indexOf('=');
		map.set(equals === -1 ? entry : entry.slice(0, equals), equals === -1 ? '' : entry.slice(equals + 1));
	}
	return map;
}

function platformText(image: ImageFacts): string {
	const {os, architecture, variant} = image.platform;
	return [os, architecture, variant].filter(Boolean).join('/');
}

/** An unset user or working directory reads as "" in a config: both are "not set". */
function emptyAsNull(value: unknown): unknown {
	return value === '' || value === undefined ? null : value;
}

function sameValue(x: unknown, y: unknown): boolean {
	return JSON.stringify(x) === JSON.stringify(y);
}
