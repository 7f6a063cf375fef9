/**
 * Threshold values as dive reads them: ratios as plain numbers ("0.9"),
 * sizes as humanize.ParseBytes does ("20MB" = 20·10^6, "20MiB" = 20·2^20,
 * "1234" = bytes, case and a space before the unit do not matter), and
 * "disabled" to switch a rule off.
 */
export class ThresholdError extends Error {}

export const DISABLED = 'disabled';

const UNITS: Record<string, number> = {
	'': 1,
	b: 1,
	k: 1e3,
	kb: 1e3,
	m: 1e6,
	mb: 1e6,
	g: 1e9,
	gb: 1e9,
	t: 1e12,
	tb: 1e12,
	p: 1e15,
	pb: 1e15,
	ki: 2 ** 10,
	kib: 2 ** 10,
	mi: 2 ** 20,
	mib: 2 ** 20,
	gi: 2 ** 30,
	gib: 2 ** 30,
	ti: 2 ** 40,
	tib: 2 ** 40,
	pi: 2 ** 50,
	pib: 2 ** 50,
};

export function isDisabled(value: unknown): boolean {
	return typeof value === 'string' && value.trim().toLowerCase() === DISABLED;
}

export function parseBytes(value: unknown, rule: string): number {
	const text = String(value).trim().toLowerCase();
	const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text);
	const unit = match ? UNITS[match[2]!] : undefined;
	if (!match || unit === undefined) throw new ThresholdError(`${rule}: "${String(value)}" is not a size (use 20MB, 20MiB or a number of bytes)`);
	return Math.floor(Number(match[1]) * unit);
}

export function parseRatio(value: unknown, rule: string): number {
	const number = typeof value === 'number' ? value : Number(String(value).trim());
	if (String(value).trim() === '' || !Number.isFinite(number)) throw new ThresholdError(`${rule}: "${String(value)}" is not a number (use a ratio such as 0.9)`);
	return number;
}

export function parseCount(value: unknown, rule: string): number {
	const number = parseRatio(value, rule);
	if (!Number.isInteger(number) || number < 0) throw new ThresholdError(`${rule}: "${String(value)}" is not a whole number`);
	return number;
}

export function parseBoolean(value: unknown, rule: string): boolean {
	if (typeof value === 'boolean') return value;
	const text = String(value).trim().toLowerCase();
	if (['true', 'yes', '1', 'on'].includes(text)) return true;
	if (['false', 'no', '0', 'off'].includes(text)) return false;
	throw new ThresholdError(`${rule}: "${String(value)}" is not true or false`);
}
