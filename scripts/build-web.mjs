// Bundles the browser client (TypeScript + @microsoft/signalr) into web/dist, and the local inspector's page into
// inspector/dist: static files, no build step at runtime, nothing from a CDN.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
mkdirSync(`${web}dist`, { recursive: true });
await build({
  entryPoints: [`${web}src/main.ts`],
  outfile: `${web}dist/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'styles.css']) copyFileSync(`${web}${file}`, `${web}dist/${file}`);

const inspector = fileURLToPath(new URL('../inspector/', import.meta.url));
mkdirSync(`${inspector}dist`, { recursive: true });
await build({
  entryPoints: [`${inspector}src/main.ts`],
  outfile: `${inspector}dist/inspector.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'inspector.css']) copyFileSync(`${inspector}${file}`, `${inspector}dist/${file}`);
