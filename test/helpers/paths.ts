import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real images made by buildah/skopeo/podman; present beside the checkout here and in CI. */
export const sharedImages = path.resolve(repoRoot, '../shared/images');
export const builtCli = path.join(repoRoot, 'dist/cli.js');
