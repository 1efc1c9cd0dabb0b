import type { ChildProcess } from 'node:child_process';
import {
  forkWorkerProcess,
  logWorkerOutput,
  type StartedWorkerProcess,
  type WorkerProcessOptions,
} from './workerProcess.js';

/** A worker process started before the host knew the app, waiting to be given its settings and folder. */
type Placeholder = { child: ChildProcess; env: NodeJS.ProcessEnv; started: Promise<void> };

let waiting: Placeholder | undefined;

/**
 * Environment variables Node reads as a process starts (options, module paths, certificates, the thread pool):
 * a placeholder started under other values than the app's settings name cannot become the app's worker.
 */
export const READ_AT_START = /^(NODE_.*|UV_.*|OPENSSL_CONF|SSL_CERT_(DIR|FILE))$/;

function sameAtStart(started: NodeJS.ProcessEnv, app: Record<string, string>): boolean {
  const names = new Set([...Object.keys(started), ...Object.keys(app)].filter((name) => READ_AT_START.test(name)));
  return [...names].every((name) => started[name] === app[name]);
}

/**
 * Starts a worker process while the host is still being set up, as Azure keeps placeholder workers warm: the
 * process and the worker's own code load in parallel with the rest of the stack, and the first worker the host
 * needs takes it over (`takePlaceholderWorker`). Called once, early, by the CLI.
 */
export function startPlaceholderWorker(): void {
  if (waiting) return;
  const env = { ...process.env };
  const child = forkWorkerProcess(env, process.cwd(), [], 'placeholder');
  // Its StartStream arrives before anyone talks to it; whoever takes it over is told it came.
  const started = new Promise<void>((resolve) => {
    const onMessage = (batch: unknown) => {
      if (!Array.isArray(batch) || !batch.some((message) => 'startStream' in (message as object))) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
  });
  const placeholder = { child, env, started };
  waiting = placeholder;
  child.once('exit', () => {
    if (waiting === placeholder) waiting = undefined;
  });
}

/**
 * The waiting placeholder for a worker about to start, when it can be that worker: no Node options of the
 * app's own (`languageWorkers__node__arguments`) and the same start-time environment. Otherwise it is stopped and
 * the host starts a worker of its own. The caller sends it the app's environment and folder before anything else.
 */
export function takePlaceholderWorker(
  options: WorkerProcessOptions,
): (StartedWorkerProcess & { started: Promise<void> }) | undefined {
  const placeholder = waiting;
  waiting = undefined;
  if (!placeholder) return undefined;
  if (options.execArgv.length > 0 || !sameAtStart(placeholder.env, options.env)) {
    placeholder.child.kill();
    return undefined;
  }
  return { ...logWorkerOutput(placeholder.child, options.log), started: placeholder.started };
}
