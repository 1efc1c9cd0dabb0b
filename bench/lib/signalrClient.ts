import { WebSocket } from 'ws';
import { mintClientAccessToken } from '../../local/signalr/index.js';
import { httpRequest } from './httpClient.js';

const RS = '\x1e';
export const HANDSHAKE = `{"protocol":"json","version":1}${RS}`;
export const PING = `{"type":6}${RS}`;
const INVOCATION = Buffer.from('"type":1');

/** Counts hub invocations arriving on raw sockets, and wakes whoever waits for a total. */
export class DeliveryCounter {
  count = 0;
  #waiter: { target: number; resolve(): void } | undefined;

  /** Counts frames holding an invocation (not pings, not the handshake answer). */
  onFrame(data: Buffer): void {
    if (!data.includes(INVOCATION)) return;
    this.count++;
    if (this.#waiter && this.count >= this.#waiter.target) {
      this.#waiter.resolve();
      this.#waiter = undefined;
    }
  }

  /** Resolves true once `target` invocations arrived, false after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number): Promise<boolean> {
    if (this.count >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.#waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
    });
  }
}

function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`WebSocket upgrade answered ${response.statusCode}`)),
    );
  });
}

/**
 * A SignalR client as cheap as it gets: negotiate over HTTP, then a raw `ws` socket speaking the JSON hub
 * protocol handshake; every later text frame goes to `onFrame`.
 */
export async function connectSignalR(options: {
  /** http://127.0.0.1:<port> of the SignalR service (or the URL negotiate returned). */
  endpoint: string;
  hub: string;
  accessToken: string;
  onFrame(data: Buffer): void;
}): Promise<WebSocket> {
  const base = options.endpoint.replace('//localhost', '//127.0.0.1').replace(/\/+$/, '');
  const hub = encodeURIComponent(options.hub);
  const negotiate = await httpRequest({
    method: 'POST',
    url: `${base}/client/negotiate?hub=${hub}&negotiateVersion=1`,
    headers: { Authorization: `Bearer ${options.accessToken}` },
    body: '',
  });
  if (negotiate.status !== 200) throw new Error(`negotiate answered ${negotiate.status}: ${negotiate.body}`);
  const { connectionToken } = JSON.parse(negotiate.body) as { connectionToken: string };
  const wsUrl = `${base.replace(/^http/, 'ws')}/client/?hub=${hub}&id=${encodeURIComponent(connectionToken)}`;
  const socket = new WebSocket(wsUrl, {
    headers: { Authorization: `Bearer ${options.accessToken}` },
    perMessageDeflate: false,
  });
  await opened(socket);
  const handshake = new Promise<void>((resolve, reject) => {
    socket.once('message', (data: Buffer) => {
      const answer = data.toString();
      if (answer === `{}${RS}`) resolve();
      else reject(new Error(`SignalR handshake refused: ${answer}`));
    });
  });
  socket.send(HANDSHAKE);
  await handshake;
  socket.on('message', options.onFrame);
  return socket;
}

/** A plain WebSocket to a bare `ws` server. */
/**
 * A plain WebSocket that sends what a SignalR client sends on opening (the handshake's bytes, as one text frame),
 * so a bare server's socket has received the same traffic as a SignalR one: `ws` keeps receive buffers only on
 * sockets that were sent something.
 */
export async function connectPlain(url: string, onFrame: (data: Buffer) => void): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await opened(socket);
  socket.on('message', onFrame);
  socket.send(HANDSHAKE);
  return socket;
}

/** A client token for `userId` on the local service, as the app's negotiate would hand out. */
export async function clientToken(endpoint: string, accessKey: string, hub: string, userId: string): Promise<string> {
  return (await mintClientAccessToken({ endpoint, accessKey, hub, userId })).accessToken;
}
