/**
 * Issue 15: which of two versions is newer, by each ecosystem's rules. deb's comparison is written
 * here, so it is checked pair by pair against dpkg itself (`dpkg --compare-versions`, on every Debian
 * machine); npm's and python's come from their libraries, checked on the cases that tell their rules
 * from a plain numeric comparison.
 */
import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {compareVersions} from '../../source/packages/version-order.js';

/** Versions that exercise every rule of Debian Policy 5.6.12: epochs, revisions, ~, +, letters, leading zeros, colons and hyphens in upstream. */
const DEBIAN = ['1.0', '1.0~rc1', '1.0~~', '1.0~rc1~git', '1.0-1', '1.0-1ubuntu1', '1.0-1+deb12u1', '1.0+dfsg-1', '1.0.1', '1.00', '01.0', '1.0a', '1.0A', '1.0.a', '1:0.1', '2:0', '0:1.0', '1.0-0', '1.0-', '2.36-9', '2.36-9+deb12u1', '10', '9', '1.2.3-4-5', '1:1.2:3-1', '1.0+', '1.0.', 'a1'];

describe('deb: dpkg\'s order', () => {
	it('agrees with dpkg --compare-versions on every pair of two versions, and orders none that dpkg warns about or rejects', () => {
		// One shell for every pair: dpkg prints "<" "=" or ">" as its exit codes say, or "!" when it warns that a version has bad syntax.
		const script = 'while IFS=" " read -r a b; do if [ -n "$(dpkg --compare-versions "$a" eq "$b" 2>&1 >/dev/null)" ]; then echo "!"; elif dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo "<"; elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="; else echo ">"; fi; done';
		// Identical text is the same version whatever its syntax (every ecosystem's 0): the pairs are of two different versions.
		const pairs = DEBIAN.flatMap(a => DEBIAN.filter(b => b !== a).map(b => [a, b] as const));
		const answers = execFileSync('sh', ['-c', script], {input: pairs.map(pair => pair.join(' ')).join('\n') + '\n', encoding: 'utf8'}).trimEnd().split('\n');
		expect(answers).toHaveLength(pairs.length);
		const sign = {'<': -1, '=': 0, '>': 1, '!': null} as const;
		let ordered = 0;
		pairs.forEach(([a, b], index) => {
			const dpkg = sign[answers[index] as keyof typeof sign];
			const ours = compareVersions('deb', a, b);
			// A version dpkg warns about or rejects is one we do not order.
			if (dpkg === null) expect(ours, `${a} vs ${b}`).toBeNull();
			else if (ours !== null) {
				ordered++;
				expect(ours, `${a} vs ${b}`).toBe(dpkg);
			}
		});
		// And every other pair is ordered: we decline exactly what dpkg complains about.
		const declined = pairs.length - ordered;
		const rejected = answers.filter(answer => answer === '!').length;
		expect(declined).toBe(rejected);
	});

	it('orders the cases that a plain numeric comparison gets wrong', () => {
		expect(compareVersions('deb', '1.0~rc1', '1.0')).toBe(-1);
		expect(compareVersions('deb', '1:0.1', '9.9')).toBe(1);
		expect(compareVersions('deb', '1.0-1', '1.0-1+deb12u1')).toBe(-1);
		expect(compareVersions('deb', '1.00', '1.0')).toBe(0);
	});
});

describe('npm and python: their libraries', () => {
	it('npm: semver, prereleases before the release; not a semver version, no order', () => {
		expect(compareVersions('npm', '1.2.3', '1.10.0')).toBe(-1);
		expect(compareVersions('npm', '2.0.0-beta.2', '2.0.0')).toBe(-1);
		expect(compareVersions('npm', '2.0.0-beta.10', '2.0.0-beta.2')).toBe(1);
		expect(compareVersions('npm', 'latest', '1.0.0')).toBeNull();
		expect(compareVersions('npm', '', '1.0.0')).toBeNull();
	});

	it('python: PEP 440, release candidates before the release, post releases after, local versions after', () => {
		expect(compareVersions('python', '1.0rc1', '1.0')).toBe(-1);
		expect(compareVersions('python', '1.0.post1', '1.0')).toBe(1);
		expect(compareVersions('python', '1.0+local', '1.0')).toBe(1);
		expect(compareVersions('python', '2.32.0', '2.31.0')).toBe(1);
		expect(compareVersions('python', '1.0', '1.0.0')).toBe(0);
		expect(compareVersions('python', 'not a version', '1.0')).toBeNull();
	});

	it('apk and rpm: no order, only equality', () => {
		expect(compareVersions('apk', '1.36.1-r1', '1.36.1-r2')).toBeNull();
		expect(compareVersions('rpm', '5.2.26-1.fc40', '5.2.26-2.fc40')).toBeNull();
		expect(compareVersions('rpm', '5.2.26-1.fc40', '5.2.26-1.fc40')).toBe(0);
	});
});
