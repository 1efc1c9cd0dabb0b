import { runAzuriteTableServer, type AzuriteServerOptions } from './azuriteServer.js';

/**
 * Child-process entry of the Azurite table service. Azurite in its own process keeps its request handling and
 * its slow module loading off the stack's event loop, and uses the second core. It lives only as long as the
 * parent: when the IPC channel closes (the parent exited or was killed) it exits too.
 */
export type AzuriteProcessMessage = { ready: true; port: number } | { ready: false; error: string };

process.on('disconnect', () => process.exit(0));

const options = JSON.parse(process.argv[2] ?? '{}') as AzuriteServerOptions;
try {
  const server = await runAzuriteTableServer(options);
  process.on('message', (message) => {
    if (message === 'stop') void server.close().finally(() => process.exit(0));
  });
  process.send?.({ ready: true, port: server.port } satisfies AzuriteProcessMessage);
} catch (error) {
  process.send?.({ ready: false, error: (error as Error).message } satisfies AzuriteProcessMessage, () =>
    process.exit(1),
  );
}
