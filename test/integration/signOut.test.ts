import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { CaptureLogger } from '../host/helpers/captureLogger.js';
import { APP_DIR, EMULATOR_SETTINGS, signIn } from '../support/stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sign-out-'));
let running: LocalStack | undefined;
afterAll(async () => {
  await running?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A durable stack on the shared data dir (one at a time: the host is one per process). */
async function start(): Promise<LocalStack> {
  running = await startLocalStack({
    appDir: APP_DIR,
    port: 0,
    signalrPort: 0,
    azuritePort: 0,
    servicebusPort: 0,
    dataDir,
    webRoot: false,
    env: { ...process.env, ...EMULATOR_SETTINGS },
    logger: new CaptureLogger(),
  });
  return running;
}

const me = (stack: LocalStack, token: string) =>
  fetch(`${stack.urls.functions}/.auth/me`, { headers: { 'x-zumo-auth': token } }).then((r) => r.status);

it('keeps a signed-out session refused after a restart on the same data dir, and other sessions signed in', async () => {
  const first = await start();
  const [leaving, staying] = await Promise.all([
    signIn(first.urls.functions, 'rita'),
    signIn(first.urls.functions, 'sam'),
  ]);
  const logout = await fetch(`${first.urls.functions}/.auth/logout`, {
    headers: { 'x-zumo-auth': leaving },
    redirect: 'manual',
  });
  expect(logout.status).toBe(302);
  expect(await me(first, leaving)).toBe(401);
  await first.dispose();
  running = undefined;

  const second = await start();
  expect(await me(second, leaving)).toBe(401);
  expect(await me(second, staying)).toBe(200);
});
