import { stubAzuriteTelemetry } from './azuriteTelemetryStub.js';
import type { BlobQueueServerOptions } from './blobQueueServer.js';

/**
 * Child-process entry of Azurite's blob and queue services, which the storage bindings need. In their own process
 * they keep request handling off the stack's event loop; they live only as long as the parent (the IPC channel
 * closing ends this process).
 */
export type BlobQueueProcessMessage =
  { ready: true; blobPort: number; queuePort: number } | { ready: false; error: string };

process.on('disconnect', () => process.exit(0));
stubAzuriteTelemetry();
const { runAzuriteBlobQueueServers } = await import('./blobQueueServer.js');

const options = JSON.parse(process.argv[2] ?? '{}') as BlobQueueServerOptions;
try {
  const servers = await runAzuriteBlobQueueServers(options);
  process.on('message', (message) => {
    if (message === 'stop') void servers.close().finally(() => process.exit(0));
  });
  process.send?.({
    ready: true,
    blobPort: servers.blobPort,
    queuePort: servers.queuePort,
  } satisfies BlobQueueProcessMessage);
} catch (error) {
  process.send?.({ ready: false, error: (error as Error).message } satisfies BlobQueueProcessMessage, () =>
    process.exit(1),
  );
}
