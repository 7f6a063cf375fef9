import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// System tools and the interoperability images, before any test (test/setup/global-setup.ts).
		globalSetup: ['test/setup/global-setup.ts'],
		// A layer cache of each test file's own, never the user's (test/setup/own-cache.ts).
		setupFiles: ['test/setup/own-cache.ts'],
		// Many tests run the built CLI, which on a loaded 2-core CI machine can take seconds; a test that is
		// about time says so with its own bound (test/hostile/bounded-work.test.ts), the others only must end.
		testTimeout: 30_000,
	},
});
