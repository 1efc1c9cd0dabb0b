import type { Problem } from './problemJson.js';

/**
 * The errors every local HTTP server (the Functions host, the SignalR service) answers before its own routes:
 * what Node's parser refuses, stalled requests, and requests for a name that is not this machine's.
 */
export const httpProblems = {
  badRequest: (detail: string): Problem => ({ status: 400, detail, headers: { Connection: 'close' } }),
  headersTooLarge: (): Problem => ({
    status: 431,
    detail: 'The request line and headers are larger than this server accepts.',
    headers: { Connection: 'close' },
  }),
  requestTimeout: (): Problem => ({
    status: 408,
    detail: 'The request did not arrive in time: its headers or body took longer than this server waits.',
    headers: { Connection: 'close' },
  }),
  noTunnels: (): Problem => ({
    status: 405,
    detail: 'This server is no proxy: CONNECT is not answered.',
    headers: { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' },
  }),
  noHost: (): Problem => ({ status: 400, detail: 'HTTP/1.1 requests need a Host header.' }),
  badTarget: (): Problem => ({ status: 400, detail: 'The request target must be a path such as /api/….' }),
  hostNotAllowed: (host: string): Problem => ({
    status: 403,
    detail:
      `This local stack answers only local host names (localhost, *.localhost, 127.0.0.1, [::1]), not '${host}'. ` +
      'To serve another name, start it with --allowed-hosts <name>.',
  }),
};
