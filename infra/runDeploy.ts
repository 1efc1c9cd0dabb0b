import { AzCli, formatCommand, type AzMode } from './core/az.js';
import { systemClock, type Clock } from './core/clock.js';
import type { CommandRunner } from './core/commandRunner.js';
import { confirmer, terminalAsk, type Ask } from './core/confirm.js';
import { functionAppUrl, type DeployContext, type HttpProbe } from './core/context.js';
import { DeployError } from './core/deployError.js';
import { HELP, parseOptions, resourceNames } from './core/options.js';
import { maskSecrets } from './core/secrets.js';
import { deployment } from './deployment.js';
import { teardown } from './teardown.js';
import { fetchProbe } from './verify/smoke.js';

export type DeployDeps = {
  /** Runs `az`; never called with --dry-run. */
  run: CommandRunner;
  /** Receives every line of output, already masked. */
  out: (line: string) => void;
  /** Where confirmations are asked (default: the terminal; without one, --yes is required). */
  ask?: Ask;
  /** Every wait and bound (default: real time). */
  clock?: Clock;
  /** The smoke checks' HTTP requests (default: fetch). */
  http?: HttpProbe;
  cwd?: string;
};

/** The whole command line program: returns the process exit code, prints errors instead of throwing them. */
export async function runDeploy(argv: readonly string[], deps: DeployDeps): Promise<number> {
  const log = (line: string): void => deps.out(maskSecrets(line));
  try {
    const options = parseOptions(argv, deps.cwd ?? process.cwd());
    if (options.help) {
      log(HELP);
      return 0;
    }
    const mode: AzMode = options.whatIf ? 'what-if' : options.dryRun ? 'dry-run' : 'apply';
    // `npm run teardown` adds --teardown itself.
    const script = options.teardown
      ? ['teardown', '--', ...argv.filter((arg) => arg !== '--teardown')]
      : ['deploy', '--', ...argv];
    const resumeHint = formatCommand('npm', ['run', ...script]);
    const az = (m: AzMode) => new AzCli(deps.run, log, m, resumeHint);
    const ask = deps.ask ?? terminalAsk(process.stdin, process.stdout);
    const clock = deps.clock ?? systemClock;
    if (mode === 'dry-run') log('# dry run: printing the commands, running none');
    if (options.teardown) {
      return (await teardown(az(mode), options, resourceNames(options), { log, ask, clock })) ? 0 : 1;
    }
    const run = (m: AzMode, yes: boolean) =>
      deployment(az(m), options, { clock, log, http: deps.http ?? fetchProbe, confirm: confirmer(ask, yes) });
    if (mode !== 'apply' || options.yes) {
      report(await run(mode, options.yes), mode, log);
      return 0;
    }
    // On a terminal without --yes: show what a run would change, and go on only when the person agrees.
    const preview = await run('what-if', false);
    report(preview, 'what-if', log);
    if (!(await confirmer(ask, false)(`Apply ${changeCount(preview)}?`))) {
      log('Not confirmed: nothing was changed.');
      return 1;
    }
    report(await run('apply', true), 'apply', log);
    return 0;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    log(`error: ${error.message}`);
    if (error.hint) log(`hint: ${error.hint}`);
    return 1;
  }
}

function changeCount(ctx: DeployContext): string {
  const n = ctx.plan.settingChanges.length;
  return n === 0 ? 'the publish (no settings need changing)' : `these ${n} change${n === 1 ? '' : 's'}`;
}

function report(ctx: DeployContext, mode: AzMode, log: (line: string) => void): void {
  const changes = ctx.plan.settingChanges.length;
  if (mode === 'what-if') {
    log(
      `\nWhat-if: ${changes === 0 ? 'everything matches the declared settings' : `${changes} change${changes === 1 ? '' : 's'} a run would make`} (nothing was changed):`,
    );
    ctx.plan.lines().forEach((line) => log(line));
    return;
  }
  if (mode === 'dry-run') {
    log('\nDry run complete: nothing was changed.');
    return;
  }
  log(
    `\nDeployed${changes === 0 ? ': every setting already matched' : `, with ${changes} change${changes === 1 ? '' : 's'}:`}`,
  );
  ctx.plan.lines().forEach((line) => log(line));
  summary(ctx, log);
}

function summary(ctx: DeployContext, log: (line: string) => void): void {
  const api = functionAppUrl(ctx.names);
  log(`  Web client: ${ctx.state.staticWebsiteUrl}`);
  log(`  API:        ${api}/api`);
  log(`  Sign-in:    ${api}/.auth/login/aad`);
  log(`  SignalR:    https://${ctx.names.signalR}.service.signalr.net`);
}
