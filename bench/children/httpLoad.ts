// Bench child: an HTTP load generator in its own process, so it does not share an event loop with the server.
import { closedLoop, type ClosedLoopOptions, type LoadResult } from '../lib/load.js';
import { serveRpc } from '../lib/rpc.js';

export const httpLoadApi = {
  /** A closed loop, and the CPU this process (the load generator) used for it, warm-up included. */
  async closedLoop(options: ClosedLoopOptions): Promise<LoadResult & { cpuMs: number }> {
    const before = process.cpuUsage();
    const result = await closedLoop(options);
    const { user, system } = process.cpuUsage(before);
    return { ...result, cpuMs: (user + system) / 1000 };
  },
};
export type HttpLoadApi = typeof httpLoadApi;

serveRpc(httpLoadApi);
