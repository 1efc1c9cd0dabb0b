import type { Problem } from '../shared/problemJson.js';

/**
 * The errors the service answers outside Azure's own surfaces, as problem+json (those before routing — parser
 * errors, timeouts, a foreign Host — come from shared/httpProblems.ts). The client endpoints and the REST API
 * keep Azure's formats (plain text; `{ code, message }`), which the SignalR client and the SDKs read.
 */
export const serviceProblems = {
  notFound: (path: string): Problem => ({
    status: 404,
    detail: `Nothing answers ${path} on this service: clients use /client/?hub=<hub>, servers /api/….`,
  }),
  originNotAllowed: (origin: string): Problem => ({
    status: 403,
    detail:
      `Origin ${origin} is not allowed: list it in Host.CORS of local.settings.json ` +
      "(the SignalR service's corsOrigins).",
  }),
};
