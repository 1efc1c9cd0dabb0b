import type { ServerResponse } from 'node:http';
import type { Clock, ClockTimer } from '../../shared/clock.js';
import type { Transport, TransportFrame, TransportPeer } from './transport.js';

/** ASP.NET Core's LongPollingOptions.PollTimeout: must stay below the client's 100 s request timeout. */
export const POLL_TIMEOUT_MS = 90_000;

/**
 * Long polling: messages queue until a poll takes them (200 + body); an idle poll ends empty after the poll
 * timeout; once the connection is over the next poll gets 204, which tells the client to stop.
 */
export class LongPollingTransport implements Transport {
  readonly kind = 'longPolling';
  readonly inherentKeepAlive = true;
  #queue: Buffer[] = [];
  #poll: ServerResponse | undefined;
  #timer: ClockTimer | undefined;
  #ended = false;

  constructor(
    private readonly connection: TransportPeer,
    private readonly clock: Clock,
  ) {}

  write(frame: TransportFrame): void {
    this.#queue.push(frame.text);
    if (this.#poll) this.#answer(this.#poll);
  }

  end(): void {
    this.#ended = true;
    if (this.#poll) this.#answer(this.#poll);
  }

  pollPending(): boolean {
    return this.#poll !== undefined;
  }

  settled(): boolean {
    return true;
  }

  /** A poll arrived: answer at once if there is data or the connection is over, else park it. */
  poll(response: ServerResponse): void {
    this.connection.heard();
    if (this.#poll) this.#respond(this.#poll, 204);
    if (this.#queue.length > 0 || this.#ended) {
      this.#answer(response);
      return;
    }
    this.#poll = response;
    this.#timer = this.clock.setTimeout(() => this.#respond(response, 200), POLL_TIMEOUT_MS);
    response.on('close', () => {
      if (this.#poll !== response) return;
      this.#release();
      this.connection.heard();
    });
  }

  /** The client's DELETE: complete a parked poll with 204 and end the connection. */
  stop(): void {
    this.#ended = true;
    if (this.#poll) this.#respond(this.#poll, 204);
    this.connection.transportClosed();
  }

  #answer(response: ServerResponse): void {
    if (this.#queue.length === 0) {
      this.#respond(response, this.#ended ? 204 : 200);
      return;
    }
    const body = this.#queue.length === 1 ? this.#queue[0]! : Buffer.concat(this.#queue);
    this.#queue = [];
    this.#respond(response, 200, body);
  }

  #respond(response: ServerResponse, status: number, body?: Buffer): void {
    if (this.#poll === response) this.#release();
    if (response.writableEnded) return;
    if (status === 204) {
      response.writeHead(204).end();
      return;
    }
    response.writeHead(status, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body?.length ?? 0),
      'Cache-Control': 'no-cache',
    });
    response.end(body);
  }

  #release(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#poll = undefined;
  }
}
