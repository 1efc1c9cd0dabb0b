// Bench child: the whole local stack (startLocalStack) alone in a process, for figures 2 and 3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { repoRoot } from '../lib/paths.js';
import { descendantCpuMs } from '../lib/processCpu.js';
import { serveRpc } from '../lib/rpc.js';

let stack: LocalStack | undefined;
let dataDir: string | undefined;

export const stackApi = {
  /** Starts the stack on free ports with durable state in a fresh folder; returns the Functions host URL. */
  async start(): Promise<{ functions: string }> {
    dataDir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
    stack = await startLocalStack({
      appDir: repoRoot,
      port: 0,
      signalrPort: 0,
      azuritePort: 0,
      servicebusPort: 0,
      dataDir,
      inMemory: false,
      watch: false,
      webRoot: false,
      // Per-invocation log lines would measure the terminal, not the stack.
      logger: { log: () => undefined },
    });
    return { functions: stack.urls.functions };
  },
  /**
   * CPU milliseconds used so far: this process (host, broker, SignalR service, Easy Auth) and its child
   * processes by role (the app's worker, Azurite). Linux only for the children.
   */
  async cpu(): Promise<{ stackMs: number; children: Record<string, number> }> {
    const { user, system } = process.cpuUsage();
    return { stackMs: (user + system) / 1000, children: Object.fromEntries(descendantCpuMs(process.pid)) };
  },
  /** Resolves once no queue or subscription holds an unsettled message: everything accepted was processed. */
  async drained(options: { timeoutMs: number }): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    const busy = () =>
      stack!.broker.stats().some((s) => s.kind !== 'deadLetter' && s.active + s.locked + s.scheduled > 0);
    while (busy()) {
      if (Date.now() > deadline) throw new Error(`the stack still held messages after ${options.timeoutMs} ms`);
      // Polled: the broker has no event for "nothing left", and this runs between measured periods only.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  },
};
export type StackApi = typeof stackApi;

serveRpc(stackApi, async () => {
  await stack?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
