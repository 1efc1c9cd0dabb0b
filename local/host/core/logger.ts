import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

/**
 * One host log record. Categories follow the Functions host: `Function.<name>` (Executing/Executed),
 * `Function.<name>.User` (context.log), `Host.Startup` (the banner and function list, printed verbatim),
 * `Host.General` and `Worker` (system messages).
 */
export type LogEntry = { level: LogLevel; category: string; message: string; invocationId?: string };

export interface HostLogger {
  log(entry: LogEntry): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
};

const COLOURS: Partial<Record<LogLevel, string>> = { warning: '\x1b[33m', error: '\x1b[31m', critical: '\x1b[31m' };

export type ConsoleLoggerOptions = {
  /** Show system messages at Information, as `func start --verbose` does. */
  verbose?: boolean;
  /** Minimum level for user categories (`Function.*`); Core Tools' default is Information. */
  userLogLevel?: LogLevel;
  colours?: boolean;
  write?: (line: string) => void;
  clock?: Clock;
};

export function isUserCategory(category: string): boolean {
  return category.startsWith('Function.') || category === 'Host.Function.Console';
}

/** Core Tools-style console output: `[timestamp] message`, one prefix per line, user logs at Information. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): HostLogger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const userMin = LEVEL_ORDER[options.userLogLevel ?? 'information'];
  const systemMin = LEVEL_ORDER[options.verbose ? 'information' : 'warning'];
  const colours = options.colours ?? process.stdout.isTTY === true;
  return {
    log({ level, category, message }) {
      if (category === 'Host.Startup') {
        write(message);
        return;
      }
      const min = isUserCategory(category) ? userMin : systemMin;
      if (LEVEL_ORDER[level] < min) return;
      const prefix = `[${new Date(clock.now()).toISOString()}] `;
      const colour = colours ? COLOURS[level] : undefined;
      for (const line of message.split('\n')) {
        write(colour ? `${colour}${prefix}${line}\x1b[0m` : `${prefix}${line}`);
      }
    },
  };
}
