import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * A package loaded the first time it is used, not at start-up: the Azure Storage SDKs and the OTLP exporters
 * each take 0.1–0.3 s to load, and most runs of the stack never touch them. Loaded through `require` (their
 * CommonJS build), so a caller stays synchronous; compare errors by their fields, not with `instanceof`. The
 * build bundles some of them whole (`scripts/build-local.mjs`, `dist/local/lazy/`): one file loads in a fraction
 * of the time of the graph of packages behind it; run from source, the package itself is loaded.
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(bundledOrPackage(id)) as T);
}

/** The file in `dist/local/lazy/` the build bundles package `id` into: `@azure/storage-blob` → `azure-storage-blob.cjs`. */
export function lazyBundleFileName(id: string): string {
  return `${id.replace(/^@/, '').replace('/', '-')}.cjs`;
}

function bundledOrPackage(id: string): string {
  const bundled = fileURLToPath(new URL(`../lazy/${lazyBundleFileName(id)}`, import.meta.url));
  return existsSync(bundled) ? bundled : id;
}

/** The HTTP status of an Azure SDK's RestError (of whichever copy of core-rest-pipeline threw it). */
export function restStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'RestError')
    return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
