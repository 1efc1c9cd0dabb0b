// `npm start`: build when the compiled output is missing or older than the sources, then run the local stack.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/local/cli.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// web/dist is build output, so it is not a source; everything else the build reads is.
const sources = ['src', 'local', 'web/src', 'web/index.html', 'web/styles.css'].map((p) => join(root, p));
const sourcesMtime = Math.max(
  ...sources
    .filter((p) => existsSync(p))
    .map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)),
);
const outputs = [cli, join(root, 'web/dist/app.js'), join(root, 'dist/src/bundle/functions.js')];
if (!outputs.every((file) => existsSync(file)) || statSync(cli).mtimeMs < sourcesMtime) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(pathToFileURL(cli).href);
