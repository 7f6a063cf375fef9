/**
 * Every test file gets a layer cache of its own, in a fresh temporary
 * directory, removed when the file is done: no test reads or fills the
 * user's ~/.cache, and no test file sees what another one cached. Processes
 * the tests start inherit it (tmux, script, bash); runCli gives each run a
 * cache of its own on top of that (test/helpers/run-cli.ts).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {afterAll} from 'vitest';

const directory = mkdtempSync(path.join(os.tmpdir(), 'layerscope-test-cache-'));
process.env.LAYERSCOPE_CACHE_DIR = directory;
afterAll(() => rmSync(directory, {recursive: true, force: true}));
