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

/**
 * Starts one Node worker process for the app, as the host does: working directory the app root, the app settings
 * as its environment, stdout lines logged as `Host.Function.Console`, stderr lines by what they say. The last
 * stderr lines are kept: they explain an exit.
 */
export function startWorkerProcess(options: WorkerProcessOptions): { child: ChildProcess; stderrTail: string[] } {
  const child = fork(compiledEntry(import.meta.url, '../../worker/main.js'), ['--workerId', options.workerId], {
    cwd: options.appDir,
    env: options.env,
    execArgv: options.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stderrTail: string[] = [];
  forEachLine(child.stdout, (line) =>
    options.log({ level: 'information', category: 'Host.Function.Console', message: line }),
  );
  forEachLine(child.stderr, (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    options.log({ level: stderrLevel(line), category: 'Host.Function.Console', message: line });
  });
  return { child, stderrTail };
}
