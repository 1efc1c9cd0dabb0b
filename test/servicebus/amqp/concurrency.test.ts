import { describe, expect, it } from 'vitest';
import { useEndpoint } from './helpers.js';

const CLIENTS = 100;
const PER_CLIENT = 5;

describe('AMQP endpoint: many clients at once', () => {
  const endpoint = useEndpoint();

  it(`${CLIENTS} SDK clients (${CLIENTS} connections) send and receive concurrently; every message arrives once`, async () => {
    const { client, server, broker } = await endpoint();
    const clients = Array.from({ length: CLIENTS }, () => client());
    const sent = clients.flatMap((_c, i) => Array.from({ length: PER_CLIENT }, (_m, j) => `c${i}-m${j}`));
    const received: string[] = [];
    const all = new Promise<void>((resolve, reject) => {
      for (const sb of clients) {
        const receiver = sb.createReceiver('jobs');
        receiver.subscribe(
          {
            async processMessage(message) {
              // Counted once its completion is through, so the broker is empty when the last one is.
              await receiver.completeMessage(message);
              received.push(message.messageId as string);
              if (received.length === sent.length) resolve();
            },
            async processError(args) {
              reject(args.error);
            },
          },
          { maxConcurrentCalls: 2, autoCompleteMessages: false },
        );
      }
    });
    await Promise.all(
      clients.map((sb, i) =>
        sb
          .createSender('jobs')
          .sendMessages(Array.from({ length: PER_CLIENT }, (_m, j) => ({ body: { i, j }, messageId: `c${i}-m${j}` }))),
      ),
    );
    // Every client holds its own connection: there is no cap such as the official emulator's 10.
    expect(server.connections()).toBe(CLIENTS);
    await all;
    expect([...received].sort()).toEqual([...sent].sort());
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0 });
  });
});
