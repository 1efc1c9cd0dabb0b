import { randomBytes } from 'node:crypto';
import { ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import rhea, { type Connection, type ConnectionOptions, type EventContext } from 'rhea';
import { afterEach } from 'vitest';
import { startAmqpServer, type AmqpServer } from '../../../local/servicebus/amqp/index.js';
import { ServiceBusBroker } from '../../../local/servicebus/index.js';
import type { Clock } from '../../../local/shared/clock.js';
import { withDeadline } from '../../support/stack.js';
import { topology } from '../helpers.js';

export const KEY_NAME = 'RootManageSharedAccessKey';

/** The official emulator's connection string, pointed at a broker on `port`. */
export function emulatorConnectionString(port: number, key: string, keyName = KEY_NAME): string {
  return `Endpoint=sb://localhost:${port};SharedAccessKeyName=${keyName};SharedAccessKey=${key};UseDevelopmentEmulator=true;`;
}

/** Fail fast instead of the SDK's default 30 s between retries; a test that expects an error wants it now. */
export const fastRetries: ServiceBusClientOptions = {
  retryOptions: { maxRetries: 0, timeoutInMs: 10_000 },
};

export type Endpoint = {
  broker: ServiceBusBroker;
  server: AmqpServer;
  key: string;
  connectionString: string;
  /** A new SDK client on the endpoint (its own AMQP connection), closed after the test. */
  client(options?: ServiceBusClientOptions): ServiceBusClient;
};

/**
 * A broker on the test topology (queue `jobs`: lock 30 s, MaxDeliveryCount 3, duplicate detection; topic `orders`
 * with subscriptions `all` and `vip`), fronted by the AMQP endpoint on a free port with a fresh random key.
 * Everything started is stopped after each test.
 */
export function useEndpoint(): (options?: { clock?: Clock; dataDir?: string }) => Promise<Endpoint> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (options = {}) => {
    const broker = await ServiceBusBroker.open({
      topology,
      clock: options.clock,
      ...(options.dataDir ? { dataDir: options.dataDir } : { inMemory: true }),
    });
    cleanups.push(() => broker.close());
    const key = randomBytes(32).toString('base64');
    const server = await startAmqpServer({ broker, keys: new Map([[KEY_NAME, key]]), port: 0 });
    cleanups.push(() => server.close());
    const connectionString = emulatorConnectionString(server.port, key);
    return {
      broker,
      server,
      key,
      connectionString,
      client(clientOptions = fastRetries) {
        const client = new ServiceBusClient(connectionString, clientOptions);
        cleanups.push(() => client.close());
        return client;
      },
    };
  };
}

/** A bare rhea client (the library the SDK is built on), for what the SDK cannot be made to send. */
export function connect(port: number, options: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const container = rhea.create_container();
  const connection = container.connect({ host: '127.0.0.1', port, reconnect: false, ...options } as ConnectionOptions);
  return withDeadline(
    new Promise((resolve, reject) => {
      connection.once('connection_open', () => resolve(connection));
      // A failed SASL exchange ends as a transport error on the connection.
      const failed = (c: EventContext) => {
        const internals = c.connection as unknown as { transport_error?: unknown };
        reject(c.connection.error ?? internals.transport_error ?? c.error);
      };
      connection.once('connection_error', failed);
      connection.once('disconnected', failed);
    }),
    5000,
    'the AMQP connection to open',
  );
}
