import { randomBytes } from 'node:crypto';
import {
  HttpTransportType,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
} from '@microsoft/signalr';
import { clientUrl, mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { startSignalRService, type SignalRService, type SignalRServiceOptions } from '../../local/signalr/service.js';
import { WebSocket } from 'ws';

export const HUB = 'orders';

export const TRANSPORTS = [
  ['WebSockets', HttpTransportType.WebSockets],
  ['ServerSentEvents', HttpTransportType.ServerSentEvents],
  ['LongPolling', HttpTransportType.LongPolling],
] as const;

export interface ClientOptions {
  userId?: string;
  transport?: HttpTransportType;
  hub?: string;
  /** Use this access token instead of a freshly minted one. */
  token?: string;
  reconnect?: boolean;
}

/** Tracks services and client connections so every test can clean up all it started. */
export class Fixture {
  readonly services: SignalRService[] = [];
  readonly connections: HubConnection[] = [];

  async start(options: Partial<SignalRServiceOptions> = {}): Promise<SignalRService> {
    const service = await startSignalRService({
      accessKey: randomBytes(32).toString('base64'),
      log: () => {},
      ...options,
    });
    this.services.push(service);
    return service;
  }

  /** A started client for `userId` over `transport`, with a token minted as the app's negotiate would. */
  async connect(service: SignalRService, accessKey: string, options: ClientOptions = {}): Promise<HubConnection> {
    const connection = this.build(service, accessKey, options);
    await connection.start();
    return connection;
  }

  build(service: SignalRService, accessKey: string, options: ClientOptions = {}): HubConnection {
    const hub = options.hub ?? HUB;
    const mint = async () =>
      (await mintClientAccessToken({ endpoint: service.url, accessKey, hub, userId: options.userId })).accessToken;
    let builder = new HubConnectionBuilder()
      .withUrl(clientUrl(service.url, hub), {
        transport: options.transport ?? HttpTransportType.WebSockets,
        accessTokenFactory: () => options.token ?? mint(),
      })
      .configureLogging(LogLevel.None);
    if (options.reconnect) builder = builder.withAutomaticReconnect([0, 50, 100, 200, 400, 800, 1600]);
    const connection = builder.build();
    this.connections.push(connection);
    return connection;
  }

  async dispose(): Promise<void> {
    await Promise.all(
      this.connections.splice(0).map((c) => (c.state === HubConnectionState.Disconnected ? undefined : c.stop())),
    );
    await Promise.all(this.services.splice(0).map((s) => s.close()));
  }
}

/** Records every `target` message a connection receives; `next()` resolves on the next unseen one. */
export class Inbox {
  readonly received: unknown[][] = [];
  #waiters: Array<{ index: number; resolve: (args: unknown[]) => void }> = [];

  constructor(connection: HubConnection, target: string) {
    connection.on(target, (...args: unknown[]) => {
      this.received.push(args);
      this.#waiters = this.#waiters.filter((w) => {
        if (w.index >= this.received.length) return true;
        w.resolve(this.received[w.index]!);
        return false;
      });
    });
  }

  /** Resolves with the `n`-th message (0-based) once it has arrived. */
  nth(n: number): Promise<unknown[]> {
    if (n < this.received.length) return Promise.resolve(this.received[n]!);
    return new Promise((resolve) => this.#waiters.push({ index: n, resolve }));
  }

  /** Resolves with the first message (seen or still to come) that matches. */
  async until(match: (args: unknown[]) => boolean): Promise<unknown[]> {
    for (let n = 0; ; n++) {
      const args = await this.nth(n);
      if (match(args)) return args;
    }
  }
}

/** Resolves with the error (if any) when the connection closes. */
export function closed(connection: HubConnection): Promise<Error | undefined> {
  return new Promise((resolve) => connection.onclose((error) => resolve(error)));
}

export function accessKeyOf(service: SignalRService): string {
  return /AccessKey=([^;]+);/.exec(service.connectionString)![1]!;
}

/** The status a WebSocket upgrade gets, sent with `origin` as a browser would (Node's ws sends none by default). */
export async function upgradeStatus(url: string, origin?: string): Promise<number> {
  return (await upgradeAnswer(url, origin === undefined ? {} : { Origin: origin }))[0];
}

/** Status and body of the answer to a WebSocket upgrade of `url` with `headers` (101 and '' if it was accepted). */
export function upgradeAnswer(url: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const socket = new WebSocket(url, { headers });
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.on('unexpected-response', (request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve([response.statusCode ?? 0, Buffer.concat(chunks).toString()]);
        request.destroy();
      });
    });
    socket.on('open', () => {
      resolve([101, '']);
      socket.terminate();
    });
  });
}
