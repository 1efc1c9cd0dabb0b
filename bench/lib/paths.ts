import { fileURLToPath } from 'node:url';

/** The repository root (this file is compiled to dist/bench/lib/paths.js). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Source-tree folders the bench reads at run time (fixture apps keep package.json and host.json there). */
export const benchSourceDir = fileURLToPath(new URL('../../../bench/', import.meta.url));
