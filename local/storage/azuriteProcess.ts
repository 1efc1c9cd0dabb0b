import Module, { createRequire } from 'node:module';
import type { WriteHealth } from '../shared/writeHealth.js';
import { runAzuriteTableServer, type AzuriteServerOptions } from './azuriteServer.js';

/**
 * Child-process entry of the Azurite table service. Azurite in its own process keeps its request handling and
 * its slow module loading off the stack's event loop, and uses the second core. It lives only as long as the
 * parent: when the IPC channel closes (the parent exited or was killed) it exits too.
 */
export type AzuriteReadyMessage = { ready: true; port: number } | { ready: false; error: string };
/** What this process sends: first whether it is ready, then answers about its health. */
export type AzuriteProcessMessage = AzuriteReadyMessage | { health: WriteHealth };
/** What the parent sends: `stop`, or a question for the journal's health. */
export type AzuriteParentMessage = 'stop' | 'health';

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
  process.on('message', (message: AzuriteParentMessage) => {
    if (message === 'stop') void server.close().finally(() => process.exit(0));
    else if (message === 'health') tell({ health: server.health() });
  });
  tell({ ready: true, port: server.port });
} catch (error) {
  tell({ ready: false, error: (error as Error).message }, () => process.exit(1));
}
