import { fork } from 'node:child_process';
import { compiledEntry } from '../shared/compiledEntry.js';
import type { ExitReason, Supervised } from '../shared/supervisor.js';
import type { WriteHealth } from '../shared/writeHealth.js';
import type { AzuriteParentMessage, AzuriteProcessMessage } from './azuriteProcess.js';

/** One Azurite table service process: its port, its exit, and what its journal says of its writes. */
export type AzuriteProcess = Supervised & { port: number; pid: number | undefined; health(): Promise<WriteHealth> };

/** How long a process asked to stop may take before it is killed. */
const STOP_GRACE_MS = 10_000;
/** How long a health question may go unanswered before the last answer stands. */
const HEALTH_TIMEOUT_MS = 2_000;

/** Forks the table service's process on host:port and resolves once it listens. */
export async function startAzuriteProcess(
  host: string,
  port: number,
  options: { dataDir?: string; inMemory?: boolean },
): Promise<AzuriteProcess> {
  const child = fork(
    compiledEntry(import.meta.url, 'azuriteProcess.js'),
    [JSON.stringify({ host, port, dataDir: options.dataDir, inMemory: options.inMemory })],
    {
      // Not the parent's flags: a test runner's loaders or a profiler do not belong in Azurite's process.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<ExitReason>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const boundPort = await new Promise<number>((resolvePromise, reject) => {
    child.once('message', (message: AzuriteProcessMessage) => {
      if ('health' in message) return;
      if (message.ready) resolvePromise(message.port);
      else reject(new Error(message.error));
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`The Azurite table service exited (${signal ?? `code ${code}`}) before it was ready.`)),
    );
    child.on('error', reject); // kept: after start-up, failures show as the exit or an unanswered question
  });

  let stopping: Promise<void> | undefined;
  let lastHealth: WriteHealth = { diskFull: false };
  let asking: Promise<WriteHealth> | undefined;
  const ask = (): Promise<WriteHealth> =>
    new Promise((resolve) => {
      const done = (health: WriteHealth) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        lastHealth = health;
        resolve(health);
      };
      const onMessage = (message: AzuriteProcessMessage) => {
        if ('health' in message) done(message.health);
      };
      const timer = setTimeout(() => done(lastHealth), HEALTH_TIMEOUT_MS);
      child.on('message', onMessage);
      child.send('health' satisfies AzuriteParentMessage, (error) => error && done(lastHealth));
    });
  return {
    port: boundPort,
    pid: child.pid,
    exited,
    health() {
      if (!child.connected) return Promise.resolve(lastHealth);
      asking ??= ask().finally(() => (asking = undefined));
      return asking;
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        if (!child.connected) child.kill('SIGTERM');
        else child.send('stop' satisfies AzuriteParentMessage, (error) => error && child.kill('SIGTERM'));
        await exited;
        clearTimeout(kill);
      })()),
  };
}
