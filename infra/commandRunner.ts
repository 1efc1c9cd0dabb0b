import { spawn } from 'node:child_process';

export type CommandResult = { code: number; stdout: string; stderr: string };

/** Runs one program with arguments (no shell) and collects its output; rejects only if it cannot start. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`${command} was not found on PATH`);
  }
}

/** The real runner. `env` lets tests put a fake `az` first on PATH while the code path stays the same. */
export function spawnRunner(env: NodeJS.ProcessEnv = process.env): CommandRunner {
  return (command, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'ENOENT' ? new CommandNotFoundError(command) : error);
      });
      child.on('close', (code) => {
        resolve({
          code: code ?? 1,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
    });
}
