import { assignRoles, configureAppSettings } from './access.js';
import { AzCli, AzCliMissingError, notSignedIn } from './az.js';
import type { CommandRunner } from './commandRunner.js';
import { functionAppUrl, resourceIds, type Account, type DeployContext } from './context.js';
import { DeployError } from './deployError.js';
import { configureAuthentication } from './easyAuth.js';
import { HELP, parseOptions, resourceNames, type DeployOptions } from './options.js';
import { ensureFunctionApp, ensureResourceGroup, ensureServiceBus, ensureSignalR, ensureStorage } from './provision.js';
import { publishFunctionApp, publishWebClient } from './publish.js';
import { maskSecrets } from './secrets.js';
import { fetchStatus, smokeCheck, type HttpStatusProbe } from './smoke.js';
import { teardown } from './teardown.js';
import { loadTopology } from './topology.js';

export type DeployDeps = {
  /** Runs `az`; never called with --dry-run. */
  run: CommandRunner;
  /** Receives every line of output, already masked. */
  out: (line: string) => void;
  /** Where the teardown confirmation is read from (default: stdin). */
  input?: NodeJS.ReadableStream;
  /** Waits between retries while Azure catches up (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  httpStatus?: HttpStatusProbe;
  cwd?: string;
};

const AUTH_EXTENSION = 'authV2';

/** The whole command line program: returns the process exit code, prints errors instead of throwing them. */
export async function runDeploy(argv: readonly string[], deps: DeployDeps): Promise<number> {
  const log = (line: string): void => deps.out(maskSecrets(line));
  try {
    const options = parseOptions(argv, deps.cwd ?? process.cwd());
    if (options.help) {
      log(HELP);
      return 0;
    }
    const az = new AzCli(options.dryRun ? undefined : deps.run, log);
    if (options.dryRun) log('# dry run: printing the commands, running none');
    const names = resourceNames(options);
    if (options.teardown) {
      await signedInAccount(az);
      const done = await teardown(az, options, names, { log, input: deps.input ?? process.stdin });
      return done ? 0 : 1;
    }
    await deploy(az, options, deps, log);
    return 0;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    log(`error: ${error.message}`);
    if (error.hint) log(`hint: ${error.hint}`);
    return 1;
  }
}

async function deploy(az: AzCli, options: DeployOptions, deps: DeployDeps, log: (line: string) => void) {
  const topology = loadTopology(options.topologyFile);
  const names = resourceNames(options);
  const account = await preflight(az, options);
  const ctx: DeployContext = {
    az,
    options,
    names,
    topology,
    account,
    ids: resourceIds(account.subscriptionId, names),
    log,
    step: (title) => log(`\n==> ${title}`),
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    state: { webOrigins: [...options.extraOrigins], staticWebsiteUrl: '', principalId: '' },
  };
  await ensureResourceGroup(ctx);
  await ensureStorage(ctx);
  await ensureServiceBus(ctx);
  await ensureSignalR(ctx);
  await ensureFunctionApp(ctx);
  await assignRoles(ctx);
  await configureAppSettings(ctx);
  await configureAuthentication(ctx);
  await publishFunctionApp(ctx);
  await publishWebClient(ctx);
  await smokeCheck(ctx, deps.httpStatus ?? fetchStatus);

  const api = functionAppUrl(names);
  log(`\n${az.dryRun ? 'Dry run complete: nothing was changed.' : 'Deployed.'}`);
  log(`  Web client: ${ctx.state.staticWebsiteUrl}`);
  log(`  API:        ${api}/api`);
  log(`  Sign-in:    ${api}/.auth/login/aad`);
  log(`  SignalR:    https://${names.signalR}.service.signalr.net`);
  log('New role assignments can take up to 10 minutes to apply everywhere; a 403 right after a first deploy fades.');
}

/** Fails early, with the fix, on what would otherwise break halfway: sign-in, the auth extension, the region. */
async function preflight(az: AzCli, options: DeployOptions): Promise<Account> {
  const account = await signedInAccount(az);
  await az.json(['extension', 'show', '--name', AUTH_EXTENSION], {}).catch((error: unknown) => {
    const missing = error instanceof DeployError && !(error instanceof AzCliMissingError);
    if (missing && /not installed|not found|does not exist/i.test(error.message)) {
      throw new DeployError(
        `The Azure CLI extension ${AUTH_EXTENSION} (App Service Authentication v2 commands) is missing.`,
        `Run \`az extension add --name ${AUTH_EXTENSION}\`, then run this again.`,
      );
    }
    throw error;
  });
  const regions = await az.json<string[]>(
    ['functionapp', 'list-flexconsumption-locations', '--query', '[].name'],
    [options.location],
  );
  if (!regions.includes(options.location)) {
    throw new DeployError(
      `The region ${options.location} does not offer the Flex Consumption plan.`,
      `Pass --location with one of: ${regions.join(', ')}.`,
    );
  }
  return account;
}

async function signedInAccount(az: AzCli): Promise<Account> {
  const account = await az
    .json<{ id: string; tenantId: string }>(['account', 'show'], {
      id: '<subscription-id>',
      tenantId: '<tenant-id>',
    })
    .catch((error: unknown) => {
      // Any failure of `account show` other than a missing CLI means there is no usable sign-in.
      if (error instanceof DeployError && !(error instanceof AzCliMissingError)) throw notSignedIn();
      throw error;
    });
  return { subscriptionId: account.id, tenantId: account.tenantId };
}
