/**
 * Numbers as dive prints them, so `--ci-format dive` output matches dive's
 * byte for byte: Go's `%v` for a float64, and go-humanize's `Bytes`.
 */

/** Go's %v of a float64: the shortest decimal that reads back, in exponent form below 1e-4 and from 1e21 (`1e-05`, `1e+21`). */
export function goFloat(value: number): string {
	if (value === 0 || !Number.isFinite(value)) return value === 0 ? '0' : String(value);
	const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
	const exponent = Number(exponentText);
	if (exponent < -4 || exponent >= 21) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
	return String(value);
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** go-humanize's Bytes: powers of 1000, one decimal below 10 of a unit, none from 10 up ("9.5 kB", "13 kB", "947 B"). */
export function humanizeBytes(bytes: number): string {
	if (bytes < 10) return `${bytes} B`;
	const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), UNITS.length - 1);
	const value = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
	return `${value < 10 ? value.toFixed(1) : roundHalfEven(value)} ${UNITS[exponent]}`;
}

/** Go's %.0f rounds an exact half to even (12.5 → "12"); JavaScript's toFixed rounds it up. */
function roundHalfEven(value: number): string {
	const floor = Math.floor(value);
	const fraction = value - floor;
	return String(fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor);
}
