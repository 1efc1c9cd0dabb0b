import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { CaptureLogger } from '../host/helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from '../host/helpers/fixtureApp.js';
import { APP_DIR, EMULATOR_SETTINGS, signIn } from '../support/stack.js';

type Health = { status: string; parts: { name: string; ready: boolean }[] };

let app: FixtureApp;
let stack: LocalStack;

beforeAll(async () => {
  // A small app of its own, so the test can break and mend its code.
  app = copyFixture('http-app', { IsEncrypted: false, Values: EMULATOR_SETTINGS });
  copyFileSync(join(APP_DIR, 'servicebus.config.json'), join(app.dir, 'servicebus.config.json'));
  stack = await startLocalStack({
    appDir: app.dir,
    port: 0,
    signalrPort: 0,
    azuritePort: 0,
    servicebusPort: 0,
    inMemory: true,
    webRoot: false,
    env: { ...EMULATOR_SETTINGS },
    logger: new CaptureLogger(),
  });
});

afterAll(async () => {
  await stack?.dispose();
  app?.remove();
});

async function health(): Promise<{ status: number; ready: Map<string, boolean> }> {
  const response = await fetch(`${stack.urls.functions}/_local/health`);
  const body = (await response.json()) as Health;
  return { status: response.status, ready: new Map(body.parts.map((p) => [p.name, p.ready])) };
}

describe('/_local/health tells the truth', () => {
  it('is healthy with every part up', async () => {
    const { status, ready } = await health();
    expect(status).toBe(200);
    expect([...ready.values()].every(Boolean)).toBe(true);
  });

  it('says functions are not ready after a failed reload, while requests get 503, and ready again once mended', async () => {
    const routes = readFileSync(join(app.dir, 'dist/functions/routes.js'), 'utf8');
    app.write('dist/functions/routes.js', 'throw new Error("broken build");\n');
    await expect(stack.host.reload()).rejects.toThrow('broken build');
    const token = await signIn(stack.urls.functions, 'quinn');
    expect((await fetch(`${stack.urls.functions}/api/nothing`, { headers: { 'x-zumo-auth': token } })).status).toBe(
      503,
    );
    const broken = await health();
    expect(broken.status).toBe(503);
    expect(broken.ready.get('functions')).toBe(false);
    expect(broken.ready.get('servicebus')).toBe(true);

    app.write('dist/functions/routes.js', routes);
    await stack.host.reload();
    expect((await health()).ready.get('functions')).toBe(true);
  });

  it('says the Service Bus part is down once its broker is closed', async () => {
    await stack.broker.close();
    const { status, ready } = await health();
    expect(status).toBe(503);
    expect(ready.get('servicebus')).toBe(false);
    expect(ready.get('functions')).toBe(true);
  });
});
