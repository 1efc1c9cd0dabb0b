import { createHmac } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import type { Connection, EventContext, Message } from 'rhea';
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../support/stack.js';
import { connect, emulatorConnectionString, fastRetries, KEY_NAME, useEndpoint } from './helpers.js';

/** A SAS token as the SDKs build one. */
function sasToken(resource: string, keyName: string, key: string, expiresAtSeconds: number): string {
  const sr = encodeURIComponent(resource);
  const sig = encodeURIComponent(createHmac('sha256', key).update(`${sr}\n${expiresAtSeconds}`).digest('base64'));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expiresAtSeconds}&skn=${encodeURIComponent(keyName)}`;
}

function sasConnectionString(port: number, token: string): string {
  return `Endpoint=sb://localhost:${port};SharedAccessSignature=${token};UseDevelopmentEmulator=true;`;
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** Sends a request on `$cbs` and resolves with the response's application properties. */
function putToken(connection: Connection, type: string, token: string, audience: string) {
  const replyTo = 'cbs-test';
  const receiver = connection.open_receiver({ source: { address: '$cbs' }, name: replyTo });
  const sender = connection.open_sender({ target: { address: '$cbs' } });
  return withDeadline(
    new Promise<Record<string, unknown>>((resolve) => {
      receiver.once('message', (c: EventContext) => resolve(c.message!.application_properties!));
      sender.once('sendable', () => {
        const request: Message = {
          body: token,
          message_id: 'req-1',
          reply_to: replyTo,
          application_properties: { operation: 'put-token', type, name: audience },
        };
        sender.send(request);
      });
    }),
    5000,
    'the $cbs response',
  );
}

/** Attaches a sender to `address` and resolves with the error it is detached with, or 'open' once it has credit. */
function attachSender(connection: Connection, address: string): Promise<unknown> {
  const sender = connection.open_sender({ target: { address } });
  return withDeadline(
    new Promise((resolve) => {
      sender.once('sendable', () => resolve('open'));
      sender.once('sender_error', (c: EventContext) => resolve(c.sender!.error));
    }),
    5000,
    `the attach to ${address}`,
  );
}

describe('AMQP endpoint: authentication and connections', () => {
  const endpoint = useEndpoint();

  it('refuses a connection string with the wrong key: UnauthorizedAccess', async () => {
    const { server } = await endpoint();
    const client = new ServiceBusClient(emulatorConnectionString(server.port, 'd3JvbmcK'), fastRetries);
    try {
      await expect(client.createSender('jobs').sendMessages({ body: 1 })).rejects.toMatchObject({
        code: 'UnauthorizedAccess',
        message: expect.stringContaining(`not signed with the key '${KEY_NAME}'`),
      });
    } finally {
      await client.close();
    }
  });

  it('accepts a SharedAccessSignature, and refuses it once expired or for another entity', async () => {
    const { server, key } = await endpoint();
    const scoped = sasToken(`sb://localhost:${server.port}/jobs`, KEY_NAME, key, inAnHour());
    const expired = sasToken(`sb://localhost:${server.port}/`, KEY_NAME, key, Math.floor(Date.now() / 1000) - 60);
    const clients = [scoped, expired].map(
      (t) => new ServiceBusClient(sasConnectionString(server.port, t), fastRetries),
    );
    try {
      await clients[0]!.createSender('jobs').sendMessages({ body: 'allowed' });
      await expect(clients[0]!.createSender('orders').sendMessages({ body: 'no' })).rejects.toMatchObject({
        code: 'UnauthorizedAccess',
        message: expect.stringContaining('does not cover'),
      });
      await expect(clients[1]!.createSender('jobs').sendMessages({ body: 'late' })).rejects.toMatchObject({
        code: 'UnauthorizedAccess',
        message: expect.stringContaining('expired'),
      });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('refuses Microsoft Entra ID tokens (JWT) with a clear message, and links without any token', async () => {
    const { server } = await endpoint();
    const connection = await connect(server.port);
    try {
      const reply = await putToken(connection, 'jwt', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', `sb://localhost/jobs`);
      expect(reply).toEqual({
        'status-code': 401,
        'status-description': expect.stringContaining('Microsoft Entra ID tokens (JWT) are not supported'),
      });
      expect(await attachSender(connection, 'jobs')).toMatchObject({
        condition: 'amqp:unauthorized-access',
        description: expect.stringContaining("Unauthorized access to 'jobs'"),
      });
    } finally {
      connection.close();
    }
  });

  it('takes SASL PLAIN with a key name and its key instead of $cbs tokens, and refuses a wrong one', async () => {
    const { server, key, broker } = await endpoint();
    const connection = await connect(server.port, { username: KEY_NAME, password: key });
    try {
      expect(await attachSender(connection, 'jobs')).toBe('open');
      // A transaction coordinator (no target address) is refused, not half-served.
      expect(await attachSender(connection, '')).toMatchObject({
        condition: 'amqp:not-implemented',
        description: expect.stringContaining('Transactions'),
      });
    } finally {
      connection.close();
    }
    await expect(connect(server.port, { username: KEY_NAME, password: 'wrong' })).rejects.toMatchObject({
      condition: 'amqp:unauthorized-access',
    });
    expect(broker.stats()[0]).toMatchObject({ active: 0 });
  });

  it('heartbeats: a client with a short idle timeout hears from the endpoint and stays connected', async () => {
    const { server } = await endpoint();
    const connection = await connect(server.port, { idle_time_out: 100 });
    const socket = (connection as unknown as { socket: NodeJS.EventEmitter }).socket;
    try {
      // Idle, the endpoint sends an empty frame every half idle timeout; rhea would drop the link after 200 ms.
      await withDeadline(
        new Promise<void>((resolve) => {
          let frames = 0;
          socket.on('data', () => ++frames === 5 && resolve());
        }),
        5000,
        'five heartbeats',
      );
      expect(connection.is_open()).toBe(true);
      expect(server.connections()).toBe(1);
    } finally {
      connection.close();
    }
  });
});
