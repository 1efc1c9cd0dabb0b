import { createRequire } from 'node:module';
import { afterAll, expect, it } from 'vitest';
import { startFunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture } from './helpers/fixtureApp.js';

const app = copyFixture('timer-app');

afterAll(() => app.remove());

it('fails start-up with the likely cause when @azure/functions fell into test mode', async () => {
  // Using the library before the host provides @azure/functions-core makes it cache the miss for good.
  const library = createRequire(import.meta.url)('@azure/functions') as {
    app: { hook: { appStart(handler: () => void): unknown } };
  };
  library.app.hook.appStart(() => undefined);
  await expect(startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger: new CaptureLogger() })).rejects.toThrow(
    'No functions were registered: "@azure/functions" is in test mode',
  );
});
