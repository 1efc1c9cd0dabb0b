import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDeadline } from '../../support/stack.js';
import { bundleChild, expectLedgerKept, NODE_PATH, tempDir, testConfig, type Ledger } from '../helpers.js';
import { emulatorConnectionString } from './helpers.js';

const ROUNDS = 3;
const SENDS_BEFORE_KILL = 60;
const COMPLETES_BEFORE_KILL = 40;

/** The broker behind its AMQP endpoint in a child process; resolves once it listens. */
async function startChild(script: string, dataDir: string, port: number, key: string) {
  const child = spawn(process.execPath, [script, dataDir, String(port)], {
    env: { ...process.env, NODE_PATH, SB_TOPOLOGY: JSON.stringify(testConfig), SB_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const ready = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(Number(line.slice(6)));
    });
    child.once('exit', (code) => reject(new Error(`the broker child exited (${code}) before it listened`)));
  });
  return { child, exited, port: await withDeadline(ready, 20_000, 'the broker child to listen') };
}

/**
 * One round: SDK senders and a subscribe() receiver against the child until enough sends and completions are
 * acknowledged, then SIGKILL with more of both in flight.
 */
async function runRound(
  child: ChildProcess,
  exited: Promise<unknown>,
  connectionString: string,
  round: number,
  ledger: Ledger,
) {
  // A send cut off by the kill fails after timeoutInMs: short here, as every other send takes milliseconds.
  const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 2000 } });
  let acked = 0;
  let completes = 0;
  let killed = false;
  const maybeKill = () => {
    if (!killed && acked >= SENDS_BEFORE_KILL && completes >= COMPLETES_BEFORE_KILL) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  const receiver = client.createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
  receiver.subscribe(
    {
      async processMessage(message) {
        const id = message.messageId as string;
        ledger.completing.add(id);
        await receiver.completeMessage(message);
        ledger.completed.add(id);
        completes++;
        maybeKill();
      },
      // Errors are expected once the broker is gone.
      async processError() {},
    },
    { maxConcurrentCalls: 8, autoCompleteMessages: false },
  );
  const sendLoop = async (loop: number) => {
    const sender = client.createSender('jobs');
    for (let batch = 0; !killed; batch++) {
      const ids = Array.from({ length: 5 }, (_, i) => `r${round}-l${loop}-b${batch}-${i}`);
      try {
        await sender.sendMessages(ids.map((messageId) => ({ messageId, body: { messageId } })));
      } catch {
        return; // cut off by the kill: not acknowledged, may or may not be stored
      }
      ids.forEach((id) => ledger.sent.add(id));
      acked += ids.length;
      maybeKill();
    }
  };
  const loops = Promise.all([0, 1, 2, 3].map(sendLoop));
  expect(await withDeadline(exited, 20_000, 'the broker child to be killed')).toBe('SIGKILL');
  await client.close().catch(() => undefined);
  await withDeadline(loops, 10_000, 'the cut-off sends to fail');
}

describe('AMQP endpoint: SIGKILL during SDK sends and receives', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  let script: string;
  beforeAll(async () => {
    const out = tempDir();
    dirs.push(out);
    script = await bundleChild(join(import.meta.dirname, 'fixtures/amqpChild.ts'), out.path);
  });
  afterAll(() => dirs.forEach((d) => d.remove()));

  it('loses no send the SDK saw accepted and brings back no completion it saw accepted', async () => {
    const data = tempDir();
    dirs.push(data);
    const key = randomBytes(32).toString('base64');
    const ledger: Ledger = { sent: new Set(), completing: new Set(), completed: new Set() };
    let port = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = await startChild(script, data.path, port, key);
      port = started.port; // later rounds restart on the same port, as `npm start` would
      await runRound(started.child, started.exited, emulatorConnectionString(port, key), round, ledger);
    }

    await expectLedgerKept(data.path, ledger);
    expect(ledger.sent.size).toBeGreaterThanOrEqual(ROUNDS * SENDS_BEFORE_KILL);
    expect(ledger.completed.size).toBeGreaterThanOrEqual(ROUNDS * COMPLETES_BEFORE_KILL);
  });
});
