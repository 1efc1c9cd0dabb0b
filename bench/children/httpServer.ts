// Bench child: the server under test of figure 1, alone in its process: the Functions host (with its workers),
// the @azure/functions library driven in-process on bare node:http, or bare node:http alone.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { benchSourceDir } from '../lib/paths.js';
import { serveRpc } from '../lib/rpc.js';
import { libraryHandler } from '../lib/libraryHandler.js';
import { trivialHandler } from '../lib/trivialHandler.js';

export type ServerKind = 'bare' | 'library' | 'host';
const APP_DIR = join(benchSourceDir, 'fixtures/http-app');

let server: Server | undefined;
let host: FunctionsHost | undefined;

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const bare = (server = createServer(handler));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/hello`;
}

export const httpServerApi = {
  /** Starts the server and returns the URL of the trivial handler; `workers` and `workerArgs` are for the host. */
  async start(options: { kind: ServerKind; workers?: number; workerArgs?: string[] }): Promise<{ url: string }> {
    const { kind } = options;
    if (kind === 'bare') return { url: await listen(trivialHandler) };
    if (kind === 'library') return { url: await listen(await libraryHandler(APP_DIR)) };
    host = await startFunctionsHost({
      appDir: APP_DIR,
      port: 0,
      watch: false,
      env: {
        ...process.env,
        FUNCTIONS_WORKER_PROCESS_COUNT: String(options.workers ?? 1),
        languageWorkers__node__arguments: (options.workerArgs ?? []).join(' '),
      },
      // Invocation logs would measure the terminal, not the host.
      logger: { log: () => undefined },
    });
    return { url: `${host.url}/api/hello` };
  },
};
export type HttpServerApi = typeof httpServerApi;

serveRpc(httpServerApi, async () => {
  await host?.close();
  if (server) await new Promise((resolve) => server!.close(resolve));
});
