import Module, { createRequire } from 'node:module';

/**
 * Azurite loads the Application Insights SDK for usage telemetry that only its own CLI switches on; the
 * programmatic servers never send anything. Loading it costs ~0.35 s of start-up and patches `require` for
 * everything after, so an Azurite child process registers an empty module in its place before loading Azurite.
 */
export function stubAzuriteTelemetry(): void {
  const require = createRequire(import.meta.url);
  const azuriteRequire = createRequire(require.resolve('azurite/package.json'));
  const appInsightsPath = azuriteRequire.resolve('applicationinsights');
  const stub = new Module(appInsightsPath);
  stub.loaded = true;
  (require.cache as Record<string, unknown>)[appInsightsPath] = stub;
}
