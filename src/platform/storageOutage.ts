import type { HttpResponseInit } from '@azure/functions';
import { StorageUnavailableError } from './tableStorage.js';
import { unavailableProblem } from './problem.js';

/** Seconds a client should wait before trying again while order storage is unavailable. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/**
 * An HTTP handler that answers a storage outage with 503 problem+json and Retry-After (the request did not
 * happen; the same one may succeed later) instead of failing the invocation with a bare 500.
 */
export function answeringStorageOutages<A extends unknown[]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      return unavailableProblem(
        'Order storage is unavailable right now, so nothing was done; try again shortly.',
        STORAGE_RETRY_AFTER_SECONDS,
      );
    }
  };
}
