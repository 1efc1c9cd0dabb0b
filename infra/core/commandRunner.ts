import { spawn } from 'node:child_process';
import type { Clock } from './clock.js';

export type CommandResult = {
  code: number;
  stdout: string;
  stderr: string;
  /** The command outlived its bound and was killed; code and output are what it had produced by then. */
  timedOut?: boolean;
};

export type RunOptions = {
  /** The most the command may take before it is killed. Every command has one. */
  timeoutMs: number;
};

/** Runs one program with arguments (no shell) and collects its output; rejects only if it cannot start. */
export type CommandRunner = (command: string, args: readonly string[], options: RunOptions) => Promise<CommandResult>;

export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`${command} was not found on PATH`);
  }
}

/**
 * The real runner. The child gets its own process group so that a timeout kills whatever it started too (the
 * Azure CLI is a shell script around Python). `env` lets tests put a fake `az` first on PATH; `clock` decides
 * when a timeout fires.
 */
export function spawnRunner(clock: Clock, env: NodeJS.ProcessEnv = process.env): CommandRunner {
  return (command, args, { timeoutMs }) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const cancel = clock.timeout(timeoutMs, () => {
        timedOut = true;
        killGroup(child.pid);
      });
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        cancel();
        reject(error.code === 'ENOENT' ? new CommandNotFoundError(command) : error);
      });
      child.on('close', (code) => {
        cancel();
        resolve({
          code: code ?? 1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          ...(timedOut ? { timedOut } : {}),
        });
      });
    });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone: nothing to stop.
  }
}
