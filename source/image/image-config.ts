import type {Healthcheck, HistoryStep, ImageConfig, Platform} from '../model.js';
import {isRecord} from './json-documents.js';

/** The runtime settings of an image config (its "config" object), with Docker's defaults for what is absent. */
export function readImageConfig(config: Record<string, unknown>): ImageConfig {
	const c = isRecord(config.config) ? config.config : isRecord(config.container_config) ? config.container_config : {};
	return {
		env: stringList(c.Env) ?? [],
		cmd: stringList(c.Cmd),
		entrypoint: stringList(c.Entrypoint),
		workingDir: typeof c.WorkingDir === 'string' ? c.WorkingDir : '',
		user: typeof c.User === 'string' ? c.User : '',
		exposedPorts: isRecord(c.ExposedPorts) ? Object.keys(c.ExposedPorts) : [],
		volumes: isRecord(c.Volumes) ? Object.keys(c.Volumes) : [],
		labels: isRecord(c.Labels) ? Object.fromEntries(Object.entries(c.Labels).filter((e): e is [string, string] => typeof e[1] === 'string')) : {},
		healthcheck: readHealthcheck(c.Healthcheck),
		stopSignal: typeof c.StopSignal === 'string' ? c.StopSignal : null,
	};
}

export function readConfigPlatform(config: Record<string, unknown>): Platform {
	const platform: Platform = {
		os: typeof config.os === 'string' ? config.os : 'unknown',
		architecture: typeof config.architecture === 'string' ? config.architecture : 'unknown',
	};
	if (typeof config.variant === 'string' && config.variant !== '') platform.variant = config.variant;
	return platform;
}

export function readDiffIds(config: Record<string, unknown>): string[] | null {
	const rootfs = config.rootfs;
	if (!isRecord(rootfs)) return null;
	return stringList(rootfs.diff_ids);
}

/**
 * Every history step, metadata-only ones included; the steps that made a
 * layer are matched to layers in order, skipping `empty_layer` ones.
 */
export function readHistory(config: Record<string, unknown>, layerCount: number): HistoryStep[] {
	const raw = Array.isArray(config.history) ? config.history : [];
	let nextLayer = 0;
	return raw.map((item): HistoryStep => {
		const step = isRecord(item) ? item : {};
		const emptyLayer = step.empty_layer === true;
		const layerIndex = emptyLayer || nextLayer >= layerCount ? null : nextLayer++;
		return {
			created: typeof step.created === 'string' ? step.created : null,
			createdBy: typeof step.created_by === 'string' ? step.created_by : '',
			comment: typeof step.comment === 'string' ? step.comment : null,
			author: typeof step.author === 'string' ? step.author : null,
			emptyLayer,
			layerIndex,
		};
	});
}

function stringList(value: unknown): string[] | null {
	return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

function readHealthcheck(value: unknown): Healthcheck | null {
	if (!isRecord(value)) return null;
	const healthcheck: Healthcheck = {test: stringList(value.Test) ?? []};
	for (const [from, to] of [['Interval', 'interval'], ['Timeout', 'timeout'], ['StartPeriod', 'startPeriod'], ['Retries', 'retries']] as const) {
		if (typeof value[from] === 'number') healthcheck[to] = value[from];
	}
	return healthcheck;
}
