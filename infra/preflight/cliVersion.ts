import { AzCliMissingError, CommandTimeoutError, type AzCli } from '../core/az.js';
import { DeployError } from '../core/deployError.js';

/**
 * The oldest Azure CLI with the Flex Consumption commands the deployment uses (`functionapp create
 * --flexconsumption-location`, `functionapp scale config set`); Microsoft's Flex Consumption how-to names it.
 * Older ones fail halfway with "unrecognized arguments".
 */
export const MIN_AZ_CLI = '2.60.0';

const UPGRADE =
  'Upgrade with `az upgrade` (or your package manager: brew upgrade azure-cli, apt/dnf/winget), see ' +
  'https://learn.microsoft.com/cli/azure/update-azure-cli, then run this again.';

export async function checkCliVersion(az: AzCli): Promise<void> {
  const answer = await az
    .json<Record<string, unknown>>(['version'], { 'azure-cli': MIN_AZ_CLI })
    .catch((error: unknown) => {
      if (error instanceof AzCliMissingError || error instanceof CommandTimeoutError) throw error;
      // `az version` itself arrived in 2.11; a CLI without it is far too old.
      throw new DeployError(`This Azure CLI is too old to report its version (needs ${MIN_AZ_CLI} or later).`, UPGRADE);
    });
  const version = answer['azure-cli'];
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new DeployError('`az version` did not name the azure-cli version.', UPGRADE);
  }
  if (compareVersions(version, MIN_AZ_CLI) < 0) {
    throw new DeployError(
      `Azure CLI ${version} is older than ${MIN_AZ_CLI}, the first with Flex Consumption.`,
      UPGRADE,
    );
  }
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b` (major.minor.patch). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split('.')
      .slice(0, 3)
      .map((part) => parseInt(part, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
