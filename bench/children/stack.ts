// Bench child: the whole local stack (startLocalStack) alone in a process, for figures 2 and 3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { repoRoot } from '../lib/paths.js';
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
};
export type StackApi = typeof stackApi;

serveRpc(stackApi, async () => {
  await stack?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
