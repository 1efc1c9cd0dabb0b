import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads the Blob SDK that the host's timer and blob triggers keep their state in AzureWebJobsStorage with, while
 * the app loads in its worker: the stack's event loop waits then, and those triggers start listening only once the
 * app is indexed, on the way to the first request (0.3–0.4 s of module loading on a 2-core machine). The same
 * `require` cache as the host's load on first use (local/shared/lazyModule.ts), which then finds it loaded.
 */
export function preloadStorageSdk(): void {
  try {
    require('@azure/storage-blob');
  } catch {
    // Not installed or broken: the host's own load on first use reports it where it is needed.
  }
}
