// Bench child: an HTTP load generator in its own process, so it does not share an event loop with the server.
import { closedLoop, type ClosedLoopOptions } from '../lib/load.js';
import { serveRpc } from '../lib/rpc.js';

export const httpLoadApi = {
  closedLoop: (options: ClosedLoopOptions) => closedLoop(options),
};
export type HttpLoadApi = typeof httpLoadApi;

serveRpc(httpLoadApi);
