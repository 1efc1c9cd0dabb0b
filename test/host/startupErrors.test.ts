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

  it('reports a literal main that names no file, a folder included, the way the worker does', async () => {
    const app = fixture('empty-app');
    for (const main of ['build/index.js', 'dist']) {
      app.write('package.json', JSON.stringify({ type: 'module', main }));
      await expect(start(app.dir)).rejects.toThrow(
        `Worker was unable to load entry point "${main}": File does not exist`,
      );
    }
  });

  it('loads a literal main given with ./, as globby expands it', async () => {
    const app = fixture('empty-app');
    app.write('package.json', JSON.stringify({ type: 'module', main: './dist/index.js' }));
    await expect(start(app.dir)).rejects.toThrow(
      'No functions were registered by the 1 file(s) matching package.json main "./dist/index.js"',
    );
  });

  it('reports an entry point that throws while loading', async () => {
    const app = fixture('broken-app');
    await expect(start(app.dir)).rejects.toThrow(
      /Worker was unable to load entry point ".*index\.cjs": top-level failure/,
    );
  });

  it('puts a function whose binding type no extension handles in error, naming the type, lists it, and runs the rest', async () => {
    const app = fixture('timer-app');
    app.write(
      'dist/index.js',
      "import { app } from '@azure/functions';\n" +
        "app.cosmosDB('changes', { connection: 'Cosmos', databaseName: 'db', containerName: 'c', handler: () => undefined });\n" +
        "app.http('hello', { authLevel: 'anonymous', handler: () => ({ body: 'still here' }) });\n",
    );
    const logger = new CaptureLogger();
    const host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger });
    try {
      expect(logger.entries.filter((e) => e.message.includes(' function is in error: '))).toEqual([
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(
            /^The 'changes' function is in error: Function 'changes' uses the binding type 'cosmosDBTrigger' \(binding '.*'\), which the local host does not support .*'AzureWebJobs\.changes\.Disabled'/,
          ),
        }),
      ]);
      expect(host.functions().map((f) => f.name)).toEqual(['hello']);
      expect(await (await fetch(`${host.url}/api/hello`)).text()).toBe('still here');
      // The admin API reads the function metadata, which keeps it (as Azure's does); only invoking it is refused.
      const admin = (path: string, init: RequestInit = {}) =>
        fetch(`${host.url}${path}`, { ...init, headers: { 'x-functions-key': host.masterKey } });
      const list = (await (await admin('/admin/functions')).json()) as { name: string; isDisabled: boolean }[];
      expect(list.map((f) => [f.name, f.isDisabled])).toEqual([
        ['changes', false],
        ['hello', false],
      ]);
      const detail = (await (await admin('/admin/functions/changes')).json()) as Record<string, unknown>;
      expect(detail).toMatchObject({ name: 'changes', language: 'node', invoke_url_template: null });
      expect(detail.config).toEqual({ bindings: [expect.objectContaining({ type: 'cosmosDBTrigger' })] });
      const status = await admin('/admin/functions/CHANGES/status');
      expect(status.status).toBe(200);
      expect(await status.json()).toEqual({
        errors: [expect.stringMatching(/^Function 'changes' uses the binding type 'cosmosDBTrigger' /)],
      });
      expect(await (await admin('/admin/functions/hello/status')).json()).toEqual({});
      expect((await admin('/admin/functions/nope/status')).status).toBe(404);
      expect((await fetch(`${host.url}/admin/functions/changes/status`)).status).toBe(401);
      const invoke = await admin('/admin/functions/changes', { method: 'POST', body: '{"input":"x"}' });
      expect(invoke.status).toBe(404);
    } finally {
      await host.close();
    }
  });

  it('lists functions whose routes the host cannot serve, in error, and reports an invalid one unlisted', async () => {
    const app = fixture('timer-app');
    app.write(
      'dist/index.js',
      "import { app } from '@azure/functions';\n" +
        "app.http('hello', { authLevel: 'anonymous', handler: () => ({ body: 'first' }) });\n" +
        "app.http('later', { authLevel: 'anonymous', route: 'HELLO', handler: () => ({ body: 'second' }) });\n" +
        "app.http('builtIn', { authLevel: 'anonymous', route: 'runtime/x', handler: () => ({ body: 'never' }) });\n" +
        "app.http('bad.name', { authLevel: 'anonymous', handler: () => ({ body: 'never' }) });\n",
    );
    const host = await start(app.dir);
    try {
      const admin = (path: string) => fetch(`${host.url}${path}`, { headers: { 'x-functions-key': host.masterKey } });
      const list = (await (await admin('/admin/functions')).json()) as { name: string }[];
      expect(list.map((f) => f.name)).toEqual(['builtIn', 'hello', 'later']);
      expect(await (await admin('/admin/functions/later/status')).json()).toEqual({
        errors: ["The route specified conflicts with the route defined by function 'hello'."],
      });
      expect(await (await admin('/admin/functions/builtIn/status')).json()).toEqual({
        errors: ['The specified route conflicts with one or more built in routes.'],
      });
      // A function that fails metadata validation is out of the metadata, but its errors are still reported.
      expect((await admin('/admin/functions/bad.name')).status).toBe(404);
      expect(await (await admin('/admin/functions/bad.name/status')).json()).toEqual({
        errors: ["'bad.name' is not a valid function name."],
      });
      expect(await (await fetch(`${host.url}/api/hello`)).text()).toBe('first');
    } finally {
      await host.close();
    }
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
