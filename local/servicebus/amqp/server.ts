import { createServer, type Server, type Socket } from 'node:net';
import type { ServiceBusBroker } from '../broker.js';
import { ConnectionGrants, verifyPlain, type SharedAccessKeys } from './auth.js';
import { serveConnection } from './connection.js';
import { acceptSocket, createContainer } from './rheaInternals.js';

export type AmqpServerOptions = {
  broker: ServiceBusBroker;
  /** Key name → key, e.g. from the emulator connection strings the app is configured with. */
  keys: SharedAccessKeys;
  /** Default 5672, the port `UseDevelopmentEmulator=true` clients use; 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  log?: (message: string) => void;
};

export type AmqpServer = {
  readonly port: number;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and closes every client connection. */
  close(): Promise<void>;
};

// Heartbeats: a client that sends nothing for twice this long is dropped; rhea answers clients' own idle timeouts.
const IDLE_TIMEOUT_MS = 120_000;

function connectionOptions() {
  return {
    container_id: 'servicebus-local',
    // Sends are accepted only after the broker commits, and abandon must be told apart from defer.
    autoaccept: false,
    treat_modified_as_released: false,
    reconnect: false,
    tcp_no_delay: true,
    idle_time_out: IDLE_TIMEOUT_MS,
  };
}

function accept(socket: Socket, options: AmqpServerOptions, log: (m: string) => void): void {
  const grants = new ConnectionGrants();
  // One container per connection: its SASL PLAIN check can then grant this connection alone.
  const container = createContainer(connectionOptions());
  container.sasl_server_mechanisms.enable_anonymous();
  container.sasl_server_mechanisms.enable_plain((username: string, password: string) => {
    const ok = verifyPlain(options.keys, username, password);
    if (ok) grants.grantAll();
    return ok;
  });
  container.on('error', (error: unknown) => log(`connection error: ${String(error)}`));
  const connection = acceptSocket(container, connectionOptions(), socket);
  serveConnection(connection, { broker: options.broker, keys: options.keys, grants, log });
}

/**
 * The Service Bus AMQP 1.0 endpoint in front of the broker: plain TCP (as clients use with
 * `UseDevelopmentEmulator=true`), SASL ANONYMOUS + `$cbs` SAS tokens, or SASL PLAIN with a key.
 */
export async function startAmqpServer(options: AmqpServerOptions): Promise<AmqpServer> {
  const log = options.log ?? (() => undefined);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    try {
      accept(socket, options, log);
    } catch (error) {
      log(`could not accept a connection: ${String(error)}`);
      socket.destroy();
    }
  });
  const requested = options.port ?? 5672;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${requested} for the Service Bus AMQP endpoint is in use (another npm start or npm run services, ` +
                'the official Service Bus emulator, RabbitMQ?): stop it, or pick another port with --servicebus-port.',
            )
          : error,
      ),
    );
    server.listen(requested, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    port,
    connections: () => sockets.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
