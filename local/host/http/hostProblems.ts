import type { Problem } from '../../shared/problemJson.js';
import { OutputBindingError } from '../core/outputBindingError.js';

/** Error codes of a full disk: the OS's, and SQLite's (the broker's store). */
const DISK_FULL_CODES = new Set(['ENOSPC', 'SQLITE_FULL']);

/**
 * Every error the local Functions host answers itself, in one place (those before routing, shared with the SignalR
 * service, are in shared/httpProblems.ts). The real host answers most of these with an empty body; here each is
 * problem+json, so a client (and the fuzz test) can always tell what went wrong.
 */
export const hostProblems = {
  crossSite: (what: string, reason: string): Problem => ({
    status: 403,
    detail: `${what} refuses requests from other web pages, and ${reason}. Send it from this site or without a browser.`,
  }),
  notFound: (path: string): Problem => ({ status: 404, detail: `Nothing answers ${path} on this host.` }),
  /** Like the host, a wrong method is no route match (404), but the detail says which methods would answer. */
  noFunction: (path: string, method: string, allow: readonly string[]): Problem => ({
    status: 404,
    detail:
      allow.length > 0
        ? `No function answers ${method} ${path}; it answers ${allow.join(', ')}.`
        : `Nothing answers ${path} on this host.`,
  }),
  methodNotAllowed: (method: string, path: string, allow: readonly string[]): Problem => ({
    status: 405,
    detail: `${path} does not answer ${method}; it answers ${allow.join(', ')}.`,
    headers: { Allow: allow.join(', ') },
  }),
  bodyTooLarge: (limit: number): Problem => ({
    status: 413,
    detail: `The request body is larger than the limit of ${limit} bytes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT).`,
    headers: { Connection: 'close' },
  }),
  throttled: (): Problem => ({
    status: 429,
    detail: 'The host is running as many requests as host.json extensions.http allows; try again shortly.',
  }),
  hostNotRunning: (why: string | undefined): Problem => ({
    status: 503,
    detail: why ? `Function host is not running: ${why}` : 'Function host is not running.',
  }),
  masterKeyRequired: (): Problem => ({
    status: 401,
    detail:
      "The host's admin API needs the master key in an x-functions-key header (or a code query parameter). " +
      'npm start prints it; the stack handle has it as masterKey.',
  }),
  adminBody: (detail: string): Problem => ({ status: 400, detail }),
  unexpected: (): Problem => ({ status: 500, detail: 'The host failed while serving this request; see its log.' }),
  /** A failed invocation; a full disk under a failed output binding is 507, as the storage it needs is out. */
  invocationFailed(functionName: string, invocationId: string, error: Error): Problem {
    const output = error instanceof OutputBindingError ? error : undefined;
    const full = output?.code !== undefined && DISK_FULL_CODES.has(output.code);
    const what = output
      ? `its ${output.bindingType} output binding '${output.bindingName}' failed after it returned`
      : 'it failed';
    return {
      status: full ? 507 : 500,
      detail:
        `The function '${functionName}' did not complete: ${what}` +
        `${full ? ' because the disk is full' : ''}. The host's log has the error (invocation ${invocationId}).`,
      extensions: { invocationId },
    };
  },
};
