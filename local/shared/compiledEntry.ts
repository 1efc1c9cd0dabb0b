import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The compiled JavaScript file `fileName` (relative to the module at `moduleUrl`), for a child process or worker
 * thread to run. Running from dist/ it is the sibling; running from the TypeScript sources (the tests), it is
 * the build's copy at the same place under dist/, since Node cannot start a process or worker on a .ts file.
 */
export function compiledEntry(moduleUrl: string, fileName: string): string {
  const sibling = fileURLToPath(new URL(`./${fileName}`, moduleUrl));
  if (existsSync(sibling)) return sibling;
  const built = join(repoRoot, 'dist', relative(repoRoot, sibling));
  if (existsSync(built)) return built;
  throw new Error(`${built} is not built yet; run npm run build first.`);
}
