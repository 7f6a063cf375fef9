import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// System tools and the interoperability images, before any test (test/setup/global-setup.ts).
		globalSetup: ['test/setup/global-setup.ts'],
		// A layer cache of each test file's own, never the user's (test/setup/own-cache.ts).
		setupFiles: ['test/setup/own-cache.ts'],
	},
});
