import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersClient, useLocalStack, withDeadline } from '../support/stack.js';

const dataDir = mkdtempSync(join(tmpdir(), 'azurite-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const { stack, logger } = useLocalStack({ inMemory: false, dataDir });

/** The pid of this process's Azurite child (Linux: from /proc). */
function azuriteChild(): number {
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    for (const pid of readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('azuriteLoader.js')) return Number(pid);
    }
  }
  throw new Error('This process has no Azurite child.');
}

describe('the stack when its Azurite process dies', () => {
  it.skipIf(process.platform !== 'linux')(
    'restarts it by itself, says so, and the API answers again with nothing lost',
    async () => {
      const ann = await OrdersClient.signIn(stack().urls.functions, 'ann');
      const before = await ann.place([{ sku: 'MUG-CERAMIC', quantity: 1 }]);
      await ann.waitUntilFinal(before);

      const back = logger.next((entry) => /Azurite is back/.test(entry.message));
      process.kill(azuriteChild(), 'SIGKILL');
      // No manual restart: the next order is taken (the Table SDK's retries span the restart).
      const after = await ann.place([{ sku: 'MUG-CERAMIC', quantity: 1 }]);
      await withDeadline(back, 10_000, 'the restart to be logged');
      expect(logger.messages((entry) => entry.category === 'Host.Storage')).toEqual([
        expect.stringMatching(/is down \(exited with signal SIGKILL\); restarting it in \d+ ms \(attempt 1 of 5\)/),
        expect.stringMatching(/back on port/),
      ]);
      expect((await ann.waitUntilFinal(after)).status).toBe('Completed');
      expect((await ann.get(before))?.status).toBe('Completed');
      const health = await fetch(`${stack().urls.functions}/_local/health`);
      expect(health.status).toBe(200);
    },
    60_000,
  );
});
