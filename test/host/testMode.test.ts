import { afterAll, expect, it } from 'vitest';
import { startFunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture } from './helpers/fixtureApp.js';

const app = copyFixture('timer-app');

afterAll(() => app.remove());

it('fails start-up with the likely cause when @azure/functions fell into test mode', async () => {
  // A preload (Node's --require, through the worker arguments) that uses the library before the worker provides
  // @azure/functions-core makes the library cache the miss for the life of the worker.
  app.write('preload.cjs', "require('@azure/functions').app.hook.appStart(() => undefined);\n");
  await expect(
    startFunctionsHost({
      appDir: app.dir,
      port: 0,
      env: { languageWorkers__node__arguments: '--require ./preload.cjs' },
      logger: new CaptureLogger(),
    }),
  ).rejects.toThrow('No functions were registered: "@azure/functions" is in test mode');
});
