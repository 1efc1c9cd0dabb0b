// Bench child: the server under test of figure 1, alone in its process: the Functions host or bare node:http.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { benchSourceDir } from '../lib/paths.js';
import { serveRpc } from '../lib/rpc.js';
import { trivialHandler } from '../lib/trivialHandler.js';

let bare: Server | undefined;
let host: FunctionsHost | undefined;

export const httpServerApi = {
  /** Starts the server and returns the URL of the trivial handler. */
  async start(kind: 'bare' | 'host'): Promise<{ url: string }> {
    if (kind === 'bare') {
      const server = (bare = createServer(trivialHandler));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/hello` };
    }
    host = await startFunctionsHost({
      appDir: join(benchSourceDir, 'fixtures/http-app'),
      port: 0,
      watch: false,
      // Invocation logs would measure the terminal, not the host.
      logger: { log: () => undefined },
    });
    return { url: `${host.url}/api/hello` };
  },
};
export type HttpServerApi = typeof httpServerApi;

serveRpc(httpServerApi, async () => {
  await host?.close();
  if (bare) await new Promise((resolve) => bare!.close(resolve));
});
