import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/storage/azurite.js';

/**
 * Starts an in-memory Azurite table service on a free port for the current test file and stops it afterwards.
 * Call at the top level of a test file; read the handle inside tests or later hooks.
 */
export function useAzurite(): () => AzuriteHandle {
  let handle: AzuriteHandle | undefined;
  beforeAll(async () => {
    handle = await startAzurite({ port: 0, inMemory: true });
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error('Azurite is not running yet: use the handle inside a test or a later hook.');
    return handle;
  };
}
