import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

const apps: FixtureApp[] = [];
const fixture = (name: string, settings?: unknown): FixtureApp => {
  const app = copyFixture(name, settings);
  apps.push(app);
  return app;
};

afterEach(() => {
  for (const app of apps.splice(0)) app.remove();
});

const start = (appDir: string) => startFunctionsHost({ appDir, port: 0, env: {}, logger: new CaptureLogger() });

describe('start-up failures', () => {
  it('refuses to start when the entry points register zero functions', async () => {
    const app = fixture('empty-app');
    await expect(start(app.dir)).rejects.toThrow(
      'No functions were registered by the 1 file(s) matching package.json main "dist/*.js"',
    );
  });

  it('reports a main pattern that matches no file the way the worker does', async () => {
    const app = fixture('empty-app');
    app.write('package.json', JSON.stringify({ type: 'module', main: 'build/*.js' }));
    await expect(start(app.dir)).rejects.toThrow(
      'Worker was unable to load entry point "build/*.js": Found zero files matching the supplied pattern',
    );
  });

  it('reports an entry point that throws while loading', async () => {
    const app = fixture('broken-app');
    await expect(start(app.dir)).rejects.toThrow(
      /Worker was unable to load entry point ".*index\.cjs": top-level failure/,
    );
  });

  it('refuses a binding type that no extension handles, naming the function and the type', async () => {
    const app = fixture('timer-app');
    app.write(
      'dist/index.js',
      "import { app } from '@azure/functions';\n" +
        "app.cosmosDB('changes', { connection: 'Cosmos', databaseName: 'db', containerName: 'c', handler: () => undefined });\n",
    );
    await expect(start(app.dir)).rejects.toThrow(
      /Function 'changes' uses the binding type 'cosmosDBTrigger' \(binding '.*'\), which the local host does not support .*'AzureWebJobs\.changes\.Disabled'/,
    );
  });

  it('refuses encrypted settings, bad CORS and an unusable port with clear messages', async () => {
    const encrypted = fixture('timer-app', { Values: { A: 'b' } });
    await expect(start(encrypted.dir)).rejects.toThrow('settings are marked encrypted ("IsEncrypted" is missing');
    const cors = fixture('timer-app', { IsEncrypted: false, Host: { CORS: '*', CORSCredentials: true } });
    await expect(start(cors.dir)).rejects.toThrow('does not allow a wildcard origin with credentials');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      await expect(
        startFunctionsHost({ appDir: fixture('timer-app').dir, port, env: {}, logger: new CaptureLogger() }),
      ).rejects.toThrow(`Port ${port} is unavailable. Close the process using that port`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('can start after failed attempts, and runs two hosts side by side (each app in its own workers)', async () => {
    const app = fixture('timer-app');
    app.write(
      'dist/index.js',
      "import { app } from '@azure/functions';\napp.get('ok', { handler: async () => ({ body: 'ok' }) });\n",
    );
    const host = await start(app.dir);
    const second = await start(app.dir);
    try {
      expect(await (await fetch(`${host.url}/api/ok`)).text()).toBe('ok');
      expect(await (await fetch(`${second.url}/api/ok`)).text()).toBe('ok');
      expect(second.workerPids()).not.toEqual(host.workerPids());
    } finally {
      await Promise.all([host.close(), second.close()]);
    }
  });
});
