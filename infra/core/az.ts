import { describeDuration, MINUTE } from './clock.js';
import { CommandNotFoundError, type CommandResult, type CommandRunner } from './commandRunner.js';
import { DeployError } from './deployError.js';
import { maskSecrets } from './secrets.js';

const NOT_FOUND =
  /ResourceNotFound|ResourceGroupNotFound|NotFound\)|Not Found|was not found|could not be found|does not exist/i;
const NOT_SIGNED_IN = /az login|AADSTS50076|AADSTS70043|AADSTS700082|refresh token has expired/i;

/** A query answers within minutes or something is wrong; long-running creates get longer but are still bounded. */
export const READ_TIMEOUT_MS = 3 * MINUTE;
export const WRITE_TIMEOUT_MS = 20 * MINUTE;

/**
 * apply: run everything. what-if: run the reads against what exists, print the writes without running them.
 * dry-run: run nothing (no Azure CLI needed); reads answer a placeholder.
 */
export type AzMode = 'apply' | 'what-if' | 'dry-run';

type Bound = { timeoutMs?: number };
export type ChangeOptions = Bound & {
  /** Errors that mean "already done", e.g. RoleAssignmentExists on a re-run. */
  tolerate?: RegExp;
  /** Turns a known failure into an actionable error (name taken, quota...). */
  explain?: (stderr: string) => DeployError | undefined;
};

/** A command stopped at its bound: not a sign of a wrong sign-in or a missing resource. */
export class CommandTimeoutError extends DeployError {}

export class AzCliMissingError extends DeployError {
  constructor() {
    super(
      'The Azure CLI (az) is not installed or not on PATH.',
      'Install it from https://learn.microsoft.com/cli/azure/install-azure-cli, then run `az login`.',
    );
  }
}

/**
 * The Azure CLI as the deployment uses it: every command is printed (masked) before it runs, every command is
 * bounded in time, and reads and writes are told apart so what-if and dry-run can skip the writes.
 */
export class AzCli {
  constructor(
    private readonly run: CommandRunner,
    private readonly log: (line: string) => void,
    readonly mode: AzMode,
    /** How to resume after a failure: the same command line again (every step reconciles). */
    readonly resumeHint: string,
  ) {}

  get writes(): boolean {
    return this.mode === 'apply';
  }

  /** A query whose JSON answer the deployment needs. */
  async json<T>(args: readonly string[], placeholder: T, options: Bound = {}): Promise<T> {
    const result = await this.read([...args, '--output', 'json'], options);
    if (!result) return placeholder;
    if (result.code !== 0) throw this.failure(args, result);
    return parseJson<T>(args, result.stdout);
  }

  /** A query for one value (`--query x -o tsv`). */
  async tsv(args: readonly string[], placeholder: string, options: Bound = {}): Promise<string> {
    const result = await this.read([...args, '--output', 'tsv'], options);
    if (!result) return placeholder;
    if (result.code !== 0) throw this.failure(args, result);
    return result.stdout.trim();
  }

  /** A `show`: the resource as JSON, or undefined when it does not exist (always undefined in dry-run). */
  async find<T>(args: readonly string[], options: Bound = {}): Promise<T | undefined> {
    const result = await this.read([...args, '--output', 'json'], options);
    if (!result) return undefined;
    if (result.code !== 0) {
      if (NOT_FOUND.test(result.stderr)) return undefined;
      throw this.failure(args, result);
    }
    return result.stdout.trim() ? parseJson<T>(args, result.stdout) : undefined;
  }

  /**
   * A read used as a probe: its failure or timeout is an answer ("not yet"), not an error. Undefined in dry-run.
   * JSON output, so callers parse `stdout` when `code` is 0.
   */
  async probe(args: readonly string[], options: Bound = {}): Promise<CommandResult | undefined> {
    if (this.mode === 'dry-run') {
      this.log(`$ ${formatCommand('az', [...args, '--output', 'json'])}`);
      return undefined;
    }
    return this.exec([...args, '--output', 'json'], options.timeoutMs ?? READ_TIMEOUT_MS);
  }

  /** A command that changes something; its output is not needed (and may hold secrets), so it is discarded. */
  async change(args: readonly string[], options: ChangeOptions = {}): Promise<void> {
    const result = await this.write([...args, '--output', 'none'], options);
    if (!result || result.code === 0) return;
    if (options.tolerate?.test(result.stderr)) {
      this.log('  (already in place)');
      return;
    }
    throw options.explain?.(result.stderr) ?? this.failure(args, result);
  }

  /** Like `change` but returns the command's JSON answer (the placeholder when writes are not run). */
  async changeJson<T>(args: readonly string[], placeholder: T, options: ChangeOptions = {}): Promise<T> {
    const result = await this.write([...args, '--output', 'json'], options);
    if (!result) return placeholder;
    if (result.code !== 0) throw options.explain?.(result.stderr) ?? this.failure(args, result);
    return parseJson<T>(args, result.stdout);
  }

  /** A write that answers one value (`--query x -o tsv`); the placeholder when writes are not run. */
  async changeTsv(args: readonly string[], placeholder: string, options: ChangeOptions = {}): Promise<string> {
    const result = await this.write([...args, '--output', 'tsv'], options);
    if (!result) return placeholder;
    if (result.code !== 0) throw options.explain?.(result.stderr) ?? this.failure(args, result);
    return result.stdout.trim();
  }

  /** A write whose failure (or timeout) the caller interprets itself; undefined when writes are not run. */
  attempt(args: readonly string[], options: Bound = {}): Promise<CommandResult | undefined> {
    return this.write([...args, '--output', 'none'], { ...options, keepTimeout: true });
  }

  /** The error for a command that failed, for callers that looked at the result themselves. */
  failure(args: readonly string[], result: CommandResult): DeployError {
    if (NOT_SIGNED_IN.test(result.stderr)) return notSignedIn();
    const detail = maskSecrets(result.stderr.trim() || result.stdout.trim())
      .split('\n')
      .slice(-6)
      .join('\n  ');
    return new DeployError(`\`az ${commandName(args)}\` failed (exit ${result.code}):\n  ${detail}`);
  }

  /** The error for a command stopped at its bound: says which bound, and how to pick up again. */
  timedOut(args: readonly string[], timeoutMs: number): DeployError {
    return new CommandTimeoutError(
      `\`az ${commandName(args)}\` did not finish within ${describeDuration(timeoutMs)} and was stopped.`,
      this.resumeHint,
    );
  }

  private async read(args: readonly string[], options: Bound): Promise<CommandResult | undefined> {
    if (this.mode === 'dry-run') {
      this.log(`$ ${formatCommand('az', args)}`);
      return undefined;
    }
    const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;
    const result = await this.exec(args, timeoutMs);
    if (result.timedOut) throw this.timedOut(args, timeoutMs);
    return result;
  }

  private async write(
    args: readonly string[],
    options: Bound & { keepTimeout?: boolean },
  ): Promise<CommandResult | undefined> {
    if (!this.writes) {
      this.log(`$ ${formatCommand('az', args)}${this.mode === 'what-if' ? '   # what-if: not run' : ''}`);
      return undefined;
    }
    const timeoutMs = options.timeoutMs ?? WRITE_TIMEOUT_MS;
    const result = await this.exec(args, timeoutMs);
    if (result.timedOut && !options.keepTimeout) throw this.timedOut(args, timeoutMs);
    return result;
  }

  private async exec(args: readonly string[], timeoutMs: number): Promise<CommandResult> {
    this.log(`$ ${formatCommand('az', args)}`);
    try {
      return await this.run('az', args, { timeoutMs });
    } catch (error) {
      if (error instanceof CommandNotFoundError) throw new AzCliMissingError();
      throw error;
    }
  }
}

export function notSignedIn(): DeployError {
  return new DeployError(
    'You are not signed in to Azure.',
    'Run `az login` (and `az account set --subscription <id>` to pick a subscription), then run this again.',
  );
}

function parseJson<T>(args: readonly string[], stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new DeployError(`\`az ${commandName(args)}\` did not answer JSON`);
  }
}

/** The command words before the first flag, e.g. `storage account create`. */
export function commandName(args: readonly string[]): string {
  const end = args.findIndex((arg) => arg.startsWith('-'));
  return args.slice(0, end === -1 ? args.length : end).join(' ');
}

const SAFE_ARG = /^[\w./:=,@%+-]+$/;

/** A copy-pasteable POSIX shell rendering of a command. */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((arg) => (SAFE_ARG.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
