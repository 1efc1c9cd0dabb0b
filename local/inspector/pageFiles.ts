import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const FILES = new Map([
  ['/', { name: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/inspector.js', { name: 'inspector.js', type: 'text/javascript; charset=utf-8' }],
  ['/inspector.js.map', { name: 'inspector.js.map', type: 'application/json; charset=utf-8' }],
  ['/inspector.css', { name: 'inspector.css', type: 'text/css; charset=utf-8' }],
]);

/**
 * The page's bundle, `inspector/dist` of this repository (built by scripts/build-web.mjs), found from this module
 * whether it runs compiled (dist/local/inspector) or from its sources (the tests).
 */
function distFolder(): string | undefined {
  for (const up of ['../../inspector/dist/', '../../../inspector/dist/']) {
    const folder = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${folder}index.html`)) return folder;
  }
  return undefined;
}

export function isPageFile(path: string): boolean {
  return FILES.has(path);
}

/** Serves one of the page's files; a page that was never built gets a clear 503 from the caller. */
export async function servePageFile(res: ServerResponse, path: string, head: boolean): Promise<boolean> {
  const file = FILES.get(path);
  const folder = distFolder();
  if (!file || !folder) return false;
  const body = await readFile(`${folder}${file.name}`);
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    // The page runs only its own bundle and talks only to this origin.
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(head ? undefined : body);
  return true;
}
