import process from 'node:process';
import type {Platform} from '../model.js';
import {UsageError} from '../errors.js';

const ARCH_BY_NODE: Record<string, string> = {
	x64: 'amd64',
	arm64: 'arm64',
	arm: 'arm',
	ia32: '386',
	ppc64: 'ppc64le',
	s390x: 's390x',
	riscv64: 'riscv64',
	loong64: 'loong64',
	mips: 'mips',
	mipsel: 'mipsle',
};

/** The platform a container engine on this machine would pull: Linux images, this CPU. */
export function hostPlatform(): Platform {
	const architecture = ARCH_BY_NODE[process.arch] ?? process.arch;
	const platform: Platform = {os: process.platform === 'win32' ? 'windows' : 'linux', architecture};
	if (architecture === 'arm') {
		const version = (process.config.variables as {arm_version?: string}).arm_version;
		if (version) platform.variant = `v${version}`;
	}
	return platform;
}

export function parsePlatform(text: string): Platform {
	const [os, architecture, variant, ...rest] = text.split('/');
	if (!os || !architecture || rest.length > 0 || variant === '') {
		throw new UsageError(`--platform must look like os/arch or os/arch/variant (for example linux/arm64/v8), not "${text}"`);
	}
	return variant ? {os, architecture, variant} : {os, architecture};
}

export function formatPlatform(platform: Platform | undefined): string {
	if (!platform) return 'unknown platform';
	return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** arm64 images usually omit "v8"; treat the default variant as the same. */
function normalizedVariant(platform: Platform): string | undefined {
	if (platform.architecture === 'arm64' && (platform.variant === undefined || platform.variant === 'v8')) return 'v8';
	return platform.variant;
}

/** Does `candidate` satisfy `wanted`? A wanted variant must match; no wanted variant accepts any. */
export function platformMatches(candidate: Platform, wanted: Platform): boolean {
	if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
	if (wanted.variant === undefined) return true;
	return normalizedVariant(candidate) === normalizedVariant(wanted);
}
