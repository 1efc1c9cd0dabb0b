import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/shared/freePort.js';
import { blobQueueEndpoints, emulatorConnectionString } from '../../local/storage/blobQueue.js';
import { copyFixture, type FixtureApp } from '../host/helpers/fixtureApp.js';
import { APP_DIR, pollUntil, signIn, withDeadline } from '../support/stack.js';

const STACK_MODULE = pathToFileURL(join(APP_DIR, 'dist', 'local', 'stack', 'index.js')).href;
const SUBMISSIONS = 40;
const WORKERS = 4;

type Stack = { child: ChildProcessByStdio<null, Readable, Readable>; functionsUrl: string; gone: Promise<unknown> };
const stacks: Stack[] = [];
let app: FixtureApp | undefined;
let dataDir: string | undefined;
afterAll(() => {
  for (const { child } of stacks) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  app?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A process that runs `startLocalStack` on the app, as `npm start` does, over a durable data dir. Its children
 * (Azurite, the workers) inherit its output, so the pipes close only once all of them are gone.
 */
async function startStack(ports: { blobPort: number; queuePort: number }, env: Record<string, string>): Promise<Stack> {
  const options = { appDir: app!.dir, dataDir, port: 0, signalrPort: 0, azuritePort: 0, servicebusPort: 0, ...ports };
  const script =
    `import { startLocalStack } from ${JSON.stringify(STACK_MODULE)};\n` +
    `const stack = await startLocalStack({ ...${JSON.stringify(options)}, webRoot: false });\n` +
    `console.log('functions ' + stack.urls.functions);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const gone = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]);
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /^functions (\S+)$/m.exec(output);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`The stack exited (${code}) before it was up:\n${output}`)));
  });
  const stack = { child, functionsUrl: await withDeadline(url, 60_000, 'the stack to start'), gone };
  stacks.push(stack);
  return stack;
}

describe('blobs and queue messages under SIGKILL of the stack', () => {
  it('keeps every blob written and processes every message accepted before the kill', async () => {
    app = copyFixture('storage-crash-app', {
      IsEncrypted: false,
      Values: { FUNCTIONS_WORKER_RUNTIME: 'node', AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
    });
    dataDir = mkdtempSync(join(tmpdir(), 'storage-crash-'));
    const ports = { blobPort: await freePort(), queuePort: await freePort() };

    // First life: the queue trigger is off, so every accepted message is still queued when the kill lands.
    const first = await startStack(ports, { 'AzureWebJobs.process.Disabled': 'true' });
    const token = await signIn(first.functionsUrl, 'crash-storage');
    const accepted: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const id = `s${next++}`;
        const response = await fetch(`${first.functionsUrl}/api/submit/${id}`, {
          method: 'POST',
          headers: { 'x-zumo-auth': token },
        }).catch((error: Error) => {
          if (killed) return undefined; // cut off by the kill: never acknowledged
          throw error;
        });
        if (response === undefined) return;
        if (response.status !== 202) throw new Error(`POST /api/submit/${id} answered ${response.status}`);
        accepted.push(id);
        if (accepted.length === SUBMISSIONS && !killed) {
          killed = true; // with the other workers' requests still in flight
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await withDeadline(first.gone, 10_000, 'every process of the killed stack to exit');

    const second = await startStack(ports, {});
    const connection = emulatorConnectionString(blobQueueEndpoints('127.0.0.1', ports.blobPort, ports.queuePort));
    const blobs = BlobServiceClient.fromConnectionString(connection);
    const processedRuns = async () => {
      const runs = new Map<string, string[]>();
      for await (const blob of blobs.getContainerClient('processed').listBlobsFlat()) {
        const id = blob.name.split('/')[0]!;
        runs.set(id, [...(runs.get(id) ?? []), blob.name]);
      }
      return runs;
    };
    const runs = await pollUntil(
      async () => {
        const found = await processedRuns().catch(() => new Map<string, string[]>());
        return accepted.every((id) => found.has(id)) ? found : undefined;
      },
      { timeoutMs: 30_000, what: `all ${accepted.length} accepted messages to be processed` },
    );

    const uploads = blobs.getContainerClient('uploads');
    const processed = blobs.getContainerClient('processed');
    for (const id of accepted) {
      expect((await uploads.getBlobClient(`${id}.txt`).downloadToBuffer()).toString()).toBe(`upload ${id}`);
      // One run each: nothing was in flight in the trigger when the stack died.
      expect(runs.get(id)).toHaveLength(1);
      const copy = await processed.getBlobClient(runs.get(id)![0]!).downloadToBuffer();
      expect(copy.toString()).toBe(`upload ${id}`);
    }
    const queues = QueueServiceClient.fromConnectionString(connection);
    const poison = [];
    for await (const queue of queues.listQueues()) if (queue.name.endsWith('-poison')) poison.push(queue.name);
    expect(poison).toEqual([]);
    second.child.kill('SIGTERM');
    await withDeadline(second.gone, 20_000, 'the second stack to stop');
  }, 120_000);
});
