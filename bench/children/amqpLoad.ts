// Bench child: AMQP clients as load — the real @azure/service-bus SDK against the local broker, and a bare
// rhea client (the library under the SDK) against the local broker or RabbitMQ's AMQP 1.0 plugin.
import { ServiceBusClient } from '@azure/service-bus';
import rhea, { type Connection, type ConnectionOptions, type EventContext } from 'rhea';
import { serveRpc } from '../lib/rpc.js';
import { nowMs } from '../lib/stats.js';

const BODY = { orderId: '3f1c2a9e-0000-4000-8000-000000000000', userId: 'u1', items: [{ sku: 'MUG', quantity: 1 }] };

type SdkRun = { connectionString: string; queue: string; messages: number; concurrency: number };
type Elapsed = { elapsedMs: number };

/** `concurrency` single-message sendMessages calls in flight on one client; each resolves once accepted. */
async function sdkSend(options: SdkRun): Promise<Elapsed> {
  const client = new ServiceBusClient(options.connectionString);
  try {
    const sender = client.createSender(options.queue);
    await sender.sendMessages({ body: BODY }); // opens the link outside the measurement
    let next = 1;
    const started = nowMs();
    const loop = async () => {
      while (next++ < options.messages) await sender.sendMessages({ body: BODY, contentType: 'application/json' });
    };
    await Promise.all(Array.from({ length: options.concurrency }, loop));
    return { elapsedMs: nowMs() - started };
  } finally {
    await client.close();
  }
}

/** subscribe() with maxConcurrentCalls = concurrency, each message completed (and the completion awaited). */
async function sdkReceive(options: SdkRun): Promise<Elapsed> {
  const client = new ServiceBusClient(options.connectionString);
  try {
    const receiver = client.createReceiver(options.queue, { maxAutoLockRenewalDurationInMs: 0 });
    let completed = 0;
    const started = nowMs();
    await new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          async processMessage(message) {
            await receiver.completeMessage(message);
            if (++completed === options.messages) resolve();
          },
          async processError(args) {
            reject(args.error);
          },
        },
        { maxConcurrentCalls: options.concurrency, autoCompleteMessages: false },
      );
    });
    const elapsedMs = nowMs() - started;
    await receiver.close();
    return { elapsedMs };
  } finally {
    await client.close();
  }
}

export type RheaTarget = { port: number; address: string; username: string; password: string };
type RheaRun = RheaTarget & { messages: number; window: number };

function open(target: RheaTarget): Promise<Connection> {
  const container = rhea.create_container();
  const connection = container.connect({
    host: '127.0.0.1',
    port: target.port,
    username: target.username,
    password: target.password,
    reconnect: false,
  } as ConnectionOptions);
  return new Promise((resolve, reject) => {
    connection.once('connection_open', () => resolve(connection));
    connection.once('disconnected', (c: EventContext) => reject(c.error ?? new Error('could not connect')));
  });
}

/** Durable messages with up to `window` unsettled at once; each counts once the broker accepted it. */
async function rheaSend(options: RheaRun): Promise<Elapsed> {
  const connection = await open(options);
  try {
    // A durable terminus: RabbitMQ then declares the queue durable (the local broker's queues always are).
    const sender = connection.open_sender({ target: { address: options.address, durable: 2 } });
    let sent = 0;
    let accepted = 0;
    const started = nowMs();
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (sender.sendable() && sent < options.messages && sent - accepted < options.window) {
          sent++;
          sender.send({ body: rhea.message.data_section(Buffer.from(JSON.stringify(BODY))), durable: true });
        }
      };
      sender.on('sendable', pump);
      sender.on('accepted', () => {
        if (++accepted === options.messages) resolve();
        else pump();
      });
      sender.on('rejected', (c: EventContext) => reject(new Error(JSON.stringify(c.delivery?.remote_state))));
    });
    return { elapsedMs: nowMs() - started };
  } finally {
    connection.close();
  }
}

/**
 * Receives with `window` credit and accepts each message. `settleSecond`: the broker settles last (peek-lock
 * completion, counted when the broker confirms); otherwise the client's accept settles at once (RabbitMQ's
 * consumer acknowledgement, counted when sent).
 */
async function rheaReceive(options: RheaRun & { settleSecond: boolean }): Promise<Elapsed> {
  const connection = await open(options);
  try {
    const receiver = connection.open_receiver({
      source: { address: options.address, durable: 2 },
      credit_window: options.window,
      autoaccept: false,
      rcv_settle_mode: options.settleSecond ? 1 : 0,
    });
    let done = 0;
    const started = nowMs();
    await new Promise<void>((resolve) => {
      const count = () => ++done === options.messages && resolve();
      receiver.on('message', (c: EventContext) => {
        c.delivery!.accept();
        if (!options.settleSecond) count();
      });
      if (options.settleSecond) receiver.on('settled', count);
    });
    return { elapsedMs: nowMs() - started };
  } finally {
    connection.close();
  }
}

/** Whether something speaks AMQP 1.0 with these credentials (RabbitMQ needs its rabbitmq_amqp1_0 plugin). */
async function probe(target: RheaTarget): Promise<{ ok: boolean; error?: string }> {
  try {
    (await open(target)).close();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: String((error as Error).message ?? error) };
  }
}

export const amqpLoadApi = { sdkSend, sdkReceive, rheaSend, rheaReceive, probe };
export type AmqpLoadApi = typeof amqpLoadApi;

serveRpc(amqpLoadApi);
