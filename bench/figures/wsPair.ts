import type { WsClientsApi } from '../children/wsClients.js';
import type { WsServerApi, WsServerKind } from '../children/wsServer.js';
import { profileArgs } from '../lib/profiles.js';
import type { BenchSettings } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';

export type WsPair = {
  server: BenchChild<WsServerApi>;
  clients: BenchChild<WsClientsApi>;
  target: { kind: WsServerKind; port: number; accessKey?: string };
};

/** A WebSocket server under test and a client process, each alone; `use` runs with both, then both stop. */
export async function withWsPair<T>(
  kind: WsServerKind,
  settings: BenchSettings,
  profileName: string,
  use: (pair: WsPair) => Promise<T>,
): Promise<T> {
  const server = await BenchChild.start<WsServerApi>(new URL('../children/wsServer.js', import.meta.url), {
    execArgv: ['--expose-gc', ...profileArgs(settings, profileName)],
  });
  const clients = await BenchChild.start<WsClientsApi>(new URL('../children/wsClients.js', import.meta.url));
  try {
    const started = await server.call('start', kind);
    return await use({ server, clients, target: { kind, ...started } });
  } finally {
    await clients.stop();
    await server.stop();
  }
}
