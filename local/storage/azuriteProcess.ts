import Module, { createRequire } from 'node:module';
import { runAzuriteTableServer, type AzuriteServerOptions } from './azuriteServer.js';

/**
 * Child-process entry of the Azurite table service. Azurite in its own process keeps its request handling and
 * its slow module loading off the stack's event loop, and uses the second core. It lives only as long as the
 * parent: when the IPC channel closes (the parent exited or was killed) it exits too.
 */
export type AzuriteProcessMessage = { ready: true; port: number } | { ready: false; error: string };

process.on('disconnect', () => process.exit(0));

// Azurite loads the Application Insights SDK for usage telemetry that only its own CLI switches on; the
// programmatic server never does. Loading it costs ~0.35 s of start-up and patches `require` for everything after,
// so this process registers an empty module in its place: nothing is ever sent, and nothing else changes.
const require = createRequire(import.meta.url);
const azuriteRequire = createRequire(require.resolve('azurite/package.json'));
const appInsightsPath = azuriteRequire.resolve('applicationinsights');
const stub = new Module(appInsightsPath);
stub.loaded = true;
(require.cache as Record<string, unknown>)[appInsightsPath] = stub;

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
