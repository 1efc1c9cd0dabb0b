// Bundles the browser client (TypeScript + @microsoft/signalr) into web/dist, and the local inspector's page into
// inspector/dist: static files, no build step at runtime, nothing from a CDN.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One page: `<folder>/src/main.ts` bundled to `<folder>/dist/<script>`, and its static files copied beside it. */
async function bundlePage(folder, script, files) {
  const root = fileURLToPath(new URL(`../${folder}/`, import.meta.url));
  mkdirSync(`${root}dist`, { recursive: true });
  await build({
    entryPoints: [`${root}src/main.ts`],
    outfile: `${root}dist/${script}`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const file of files) copyFileSync(`${root}${file}`, `${root}dist/${file}`);
}

await bundlePage('web', 'app.js', ['index.html', 'styles.css']);
await bundlePage('inspector', 'inspector.js', ['index.html', 'inspector.css']);
