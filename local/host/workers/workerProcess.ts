import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { compiledEntry } from '../../shared/compiledEntry.js';
import type { LogEntry, LogLevel } from '../core/logger.js';

export type WorkerProcessOptions = {
  appDir: string;
  /** The worker's whole environment: the app settings. */
  env: Record<string, string>;
  /** Node options for the worker (`languageWorkers__node__arguments`, e.g. `--inspect=9229`). */
  execArgv: string[];
  workerId: string;
  log(entry: LogEntry): void;
};

// How the host classifies the worker's stderr lines (WorkerProcess.ParseErrorMessageAndLog).
function stderrLevel(line: string): LogLevel {
  const lower = line.toLowerCase();
  if (/error|fail|severe|unhandled exception/.test(lower)) return 'error';
  if (lower.includes('warn')) return 'warning';
  return 'information';
}

function forEachLine(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
  });
}

/** A worker process and the last lines of its stderr, which explain an exit. */
export type StartedWorkerProcess = { child: ChildProcess; stderrTail: string[] };

/** Forks the worker entry as the host does: its own IPC channel (structured clone), stdout and stderr piped. */
export function forkWorkerProcess(env: NodeJS.ProcessEnv, cwd: string, execArgv: string[], workerId: string) {
  return fork(compiledEntry(import.meta.url, '../../worker/loader.js'), ['--workerId', workerId], {
    cwd,
    env,
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/**
 * Logs a worker's output as the host does: stdout lines as `Host.Function.Console`, stderr lines by what they
 * say. Nothing is lost before this is called: the pipes hold what the process wrote until someone reads.
 */
export function logWorkerOutput(child: ChildProcess, log: (entry: LogEntry) => void): StartedWorkerProcess {
  const stderrTail: string[] = [];
  forEachLine(child.stdout, (line) => log({ level: 'information', category: 'Host.Function.Console', message: line }));
  forEachLine(child.stderr, (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    log({ level: stderrLevel(line), category: 'Host.Function.Console', message: line });
  });
  return { child, stderrTail };
}

/** Starts one Node worker process for the app: working directory the app root, the app settings as its environment. */
export function startWorkerProcess(options: WorkerProcessOptions): StartedWorkerProcess {
  const child = forkWorkerProcess(options.env, options.appDir, options.execArgv, options.workerId);
  return logWorkerOutput(child, options.log);
}
