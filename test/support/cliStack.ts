import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { APP_DIR, EMULATOR_SETTINGS, withDeadline } from './stack.js';

export const CLI = join(APP_DIR, 'dist', 'local', 'cli.js');
const START_MS = 30_000;

/**
 * The CLI (`npm start`) as a child process on free ports and a durable data dir. The processes it starts inherit
 * its stdout and stderr, so those pipes close only once the stack and every child of it are gone.
 */
export class StackProcess {
  #output = '';
  readonly #pipesClosed: Promise<unknown>;

  private constructor(
    readonly child: ChildProcessByStdio<null, Readable, Readable>,
    readonly exited: Promise<number | null>,
  ) {
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString('utf8')).slice(-200_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.#pipesClosed = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]);
  }

  static async start(
    dataDir: string,
    running: Set<StackProcess>,
  ): Promise<{ process: StackProcess; functionsUrl: string; tableUrl: string }> {
    const child = spawn(
      process.execPath,
      [
        CLI,
        ...['--port', '0', '--signalr-port', '0', '--azurite-port', '0', '--servicebus-port', '0'],
        ...['--data-dir', dataDir, '--no-watch'],
      ],
      { cwd: APP_DIR, env: { ...process.env, ...EMULATOR_SETTINGS }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? null : code)),
    );
    const stackProcess = new StackProcess(child, exited);
    running.add(stackProcess);
    const banner = new Promise<{ functionsUrl: string; tableUrl: string }>((resolve, reject) => {
      const onData = () => {
        const functions = /Web client \+ API\s+(http:\/\/\S+?)\/\s/.exec(stackProcess.#output);
        const tables = /Azurite tables\s+(http:\/\/\S+)/.exec(stackProcess.#output);
        if (functions && tables) {
          child.stdout.off('data', onData);
          // The banner says localhost for people; the stack listens on 127.0.0.1.
          resolve({ functionsUrl: functions[1]!.replace('localhost', '127.0.0.1'), tableUrl: tables[1]! });
        }
      };
      child.stdout.on('data', onData);
      void exited.then((code) =>
        reject(new Error(`The stack exited (${code}) before its banner:\n${stackProcess.#output}`)),
      );
    });
    const urls = await withDeadline(banner, START_MS, 'the local stack to print its banner');
    return { process: stackProcess, ...urls };
  }

  get output(): string {
    return this.#output;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no handler runs, nothing is flushed — as a power cut or `kill -9`. Resolves once the process is gone. */
  kill(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Resolves once every process of the stack, children included, has let go of its output. */
  childrenGone(timeoutMs = 10_000): Promise<unknown> {
    return withDeadline(this.#pipesClosed, timeoutMs, 'every process of the killed stack to exit');
  }
}
