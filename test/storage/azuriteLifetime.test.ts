import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_DIR, withDeadline } from '../support/stack.js';

const AZURITE_MODULE = pathToFileURL(join(APP_DIR, 'dist', 'local', 'storage', 'azurite.js')).href;
const parents: ChildProcessByStdio<null, Readable, Readable>[] = [];
afterEach(() => {
  for (const parent of parents.splice(0)) if (parent.exitCode === null) parent.kill('SIGKILL');
});

/**
 * A process that starts Azurite as the stack does (`startAzurite`, from the build) and then runs `then`. Its
 * Azurite child inherits its stdout and stderr, so those pipes close only once both processes are gone.
 */
function parentRunning(then: string) {
  const script = `import { startAzurite } from ${JSON.stringify(AZURITE_MODULE)};\n${then}`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  parents.push(parent);
  let stdout = '';
  let stderr = '';
  parent.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const pipesClosed = Promise.all([once(parent.stdout, 'close'), once(parent.stderr, 'close')]);
  return { parent, pipesClosed, output: () => ({ stdout, stderr }) };
}

/** Whether `pid` is a running process: an exited one not reaped yet (a zombie) is not. */
function alive(pid: number): boolean {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the Azurite child process', () => {
  it('exits when the process that started it is killed with SIGKILL', async () => {
    const { parent, pipesClosed, output } = parentRunning(
      `const azurite = await startAzurite({ port: 0, inMemory: true });\nconsole.log('azurite pid', azurite.pid);`,
    );
    await withDeadline(once(parent.stdout, 'data'), 30_000, 'the parent to start Azurite');
    const pid = Number(/azurite pid (\d+)/.exec(output().stdout)?.[1]);
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await withDeadline(pipesClosed, 10_000, 'the orphaned Azurite process to exit');
    expect(alive(pid)).toBe(false);
    expect(output().stderr).toBe('');
  });

  it('exits quietly when its parent dies while it is still starting', async () => {
    // Killed right after the fork: the channel to the parent closes before the child has even loaded.
    const { pipesClosed, output } = parentRunning(
      `void startAzurite({ port: 0, inMemory: true }).catch(() => {});\n` +
        `setImmediate(() => process.kill(process.pid, 'SIGKILL'));`,
    );
    await withDeadline(pipesClosed, 10_000, 'the orphaned Azurite process to exit');
    // Before: it went on starting Azurite and died of ERR_IPC_CHANNEL_CLOSED when it said it was ready.
    expect(output().stderr).toBe('');
  });
});
