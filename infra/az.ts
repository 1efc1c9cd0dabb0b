import { CommandNotFoundError, type CommandResult, type CommandRunner } from './commandRunner.js';
import { DeployError } from './deployError.js';
import { maskSecrets } from './secrets.js';

const NOT_FOUND = /ResourceNotFound|ResourceGroupNotFound|NotFound\)|was not found|could not be found|does not exist/i;
const NOT_SIGNED_IN = /az login|AADSTS50076|AADSTS70043|AADSTS700082|refresh token has expired/i;

type ChangeOptions = {
  /** Errors that mean "already done", e.g. RoleAssignmentExists on a re-run. */
  tolerate?: RegExp;
  /** Turns a known failure into an actionable error (name taken, quota...). */
  explain?: (stderr: string) => DeployError | undefined;
};

/**
 * The Azure CLI as the deployment uses it: every command is printed (masked) before it runs, and in dry-run
 * mode printed only. Queries get a placeholder answer in dry-run so later commands can still be shown.
 */
export class AzCliMissingError extends DeployError {
  constructor() {
    super(
      'The Azure CLI (az) is not installed or not on PATH.',
      'Install it from https://learn.microsoft.com/cli/azure/install-azure-cli, then run `az login`.',
    );
  }
}

export class AzCli {
  constructor(
    private readonly run: CommandRunner | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get dryRun(): boolean {
    return this.run === undefined;
  }

  /** A query whose JSON answer the deployment needs. */
  async json<T>(args: readonly string[], placeholder: T): Promise<T> {
    const result = await this.exec([...args, '--output', 'json']);
    if (!result) return placeholder;
    if (result.code !== 0) throw this.failure(args, result);
    return parseJson<T>(args, result.stdout);
  }

  /** A query for one value (`--query x -o tsv`). */
  async tsv(args: readonly string[], placeholder: string): Promise<string> {
    const result = await this.exec([...args, '--output', 'tsv']);
    if (!result) return placeholder;
    if (result.code !== 0) throw this.failure(args, result);
    return result.stdout.trim();
  }

  /** A `show`: the resource as JSON, or undefined when it does not exist (always undefined in dry-run). */
  async find<T>(args: readonly string[]): Promise<T | undefined> {
    const result = await this.exec([...args, '--output', 'json']);
    if (!result) return undefined;
    if (result.code !== 0) {
      if (NOT_FOUND.test(result.stderr)) return undefined;
      throw this.failure(args, result);
    }
    return parseJson<T>(args, result.stdout);
  }

  /** A command that changes something; its output is not needed (and may hold secrets), so it is discarded. */
  async change(args: readonly string[], options: ChangeOptions = {}): Promise<void> {
    const result = await this.exec([...args, '--output', 'none']);
    if (!result || result.code === 0) return;
    if (options.tolerate?.test(result.stderr)) {
      this.log('  (already in place)');
      return;
    }
    throw options.explain?.(result.stderr) ?? this.failure(args, result);
  }

  /** Like `change` but returns the command's JSON answer. */
  async changeJson<T>(args: readonly string[], placeholder: T, options: ChangeOptions = {}): Promise<T> {
    const result = await this.exec([...args, '--output', 'json']);
    if (!result) return placeholder;
    if (result.code !== 0) throw options.explain?.(result.stderr) ?? this.failure(args, result);
    return parseJson<T>(args, result.stdout);
  }

  private async exec(args: readonly string[]): Promise<CommandResult | undefined> {
    this.log(`$ ${formatCommand('az', args)}`);
    if (!this.run) return undefined;
    try {
      return await this.run('az', args);
    } catch (error) {
      if (error instanceof CommandNotFoundError) throw new AzCliMissingError();
      throw error;
    }
  }

  private failure(args: readonly string[], result: CommandResult): DeployError {
    if (NOT_SIGNED_IN.test(result.stderr)) return notSignedIn();
    const detail = maskSecrets(result.stderr.trim() || result.stdout.trim())
      .split('\n')
      .slice(-6)
      .join('\n  ');
    return new DeployError(`\`az ${commandName(args)}\` failed (exit ${result.code}):\n  ${detail}`);
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
function commandName(args: readonly string[]): string {
  const end = args.findIndex((arg) => arg.startsWith('-'));
  return args.slice(0, end === -1 ? args.length : end).join(' ');
}

const SAFE_ARG = /^[\w./:=,@%+-]+$/;

/** A copy-pasteable POSIX shell rendering of a command. */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((arg) => (SAFE_ARG.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
