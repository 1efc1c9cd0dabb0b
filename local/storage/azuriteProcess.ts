import type { WriteHealth } from '../shared/writeHealth.js';
import { runAzuriteTableServer } from './azuriteServer.js';
import { runAzuriteBlobQueueServers } from './blobQueueServer.js';

/**
 * Child-process entry of Azurite: the stack's one Azurite process, which runs the table service and, once an app's
 * bindings ask for them, the blob and queue services. In its own process Azurite keeps its request handling and
 * its slow module loading off the stack's event loop, and uses the second core. It lives only as long as the
 * parent: when the IPC channel closes (the parent exited or was killed) it exits too.
 */

/** One of Azurite's services and its port(s): 0 asks for a free one, the answer names the bound one. */
export type AzuriteService =
  { service: 'table'; port: number } | { service: 'blobQueue'; blobPort: number; queuePort: number };
export type AzuriteServiceName = AzuriteService['service'];

/** The process's argument: where its data lives, and the services to start at once. */
export type AzuriteProcessConfig = { host: string; dataDir?: string; inMemory?: boolean; services: AzuriteService[] };

/** Sent once the services of the argument are up, and again after each `start`: every service now running. */
export type AzuriteReadyMessage = { ready: true; services: AzuriteService[] } | { ready: false; error: string };
/** What this process sends: readiness, then answers about the table journal's health. */
export type AzuriteProcessMessage = AzuriteReadyMessage | { health: WriteHealth };
/** What the parent sends: start or stop one service, stop everything, or a question for the journal's health. */
export type AzuriteParentMessage = 'stop' | 'health' | { start: AzuriteService } | { stop: AzuriteServiceName };

type Running = { bound: AzuriteService; close(): Promise<void>; health?(): WriteHealth };

process.on('disconnect', () => process.exit(0));
// A parent killed while this process was still loading closed the channel before the listener above existed.
if (!process.connected) process.exit(0);

/** Sends to the parent; a parent gone meanwhile means this process has no reason to live. */
function tell(message: AzuriteProcessMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, (error: Error | null) => {
    if (error) process.exit(0);
    then?.();
  });
}

const config = JSON.parse(process.argv[2] ?? '{}') as AzuriteProcessConfig;
const running = new Map<AzuriteServiceName, Running>();

async function startService(spec: AzuriteService): Promise<void> {
  if (running.has(spec.service)) return;
  const where = { host: config.host, dataDir: config.dataDir, inMemory: config.inMemory };
  if (spec.service === 'table') {
    const server = await runAzuriteTableServer({ ...where, port: spec.port });
    running.set('table', { ...server, bound: { service: 'table', port: server.port } });
  } else {
    const servers = await runAzuriteBlobQueueServers({ ...where, blobPort: spec.blobPort, queuePort: spec.queuePort });
    const { blobPort, queuePort } = servers;
    running.set('blobQueue', { close: servers.close, bound: { service: 'blobQueue', blobPort, queuePort } });
  }
}

const ready = (): AzuriteReadyMessage => ({ ready: true, services: [...running.values()].map((r) => r.bound) });
const failed = (error: unknown): AzuriteReadyMessage => ({ ready: false, error: (error as Error).message });

// Requests are handled one after another, the argument's services first, so each `ready` answers the request
// before it.
let queue = Promise.all(config.services.map(startService)).then(
  () => tell(ready()),
  (error: unknown) => tell(failed(error), () => process.exit(1)),
);
/** Settles once the argument's services are up (or failed): start-up's code has run by then. */
export const started: Promise<void> = queue;
process.on('message', (message: AzuriteParentMessage) => {
  if (message === 'health') return tell({ health: running.get('table')?.health?.() ?? { diskFull: false } });
  queue = queue
    .then(async () => {
      if (message === 'stop') {
        await Promise.allSettled([...running.values()].map((r) => r.close()));
        process.exit(0);
      } else if ('start' in message) {
        tell(await startService(message.start).then(ready, failed));
      } else {
        const service = running.get(message.stop);
        running.delete(message.stop);
        await service?.close();
      }
    })
    .catch((error: unknown) => void process.stderr.write(`Azurite: ${(error as Error).message}\n`));
});
