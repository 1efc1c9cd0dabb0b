import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The host id, shaped as the Functions host makes it when it runs outside Azure: `AzureFunctionsWebHost__hostid`
 * if set, else the machine name and a hash of the app folder (`AzureWebJobsScriptRoot`), lower-cased, with
 * characters other than letters, digits and '-' dropped, cut to 32 characters. Timer status and blob receipts are
 * kept under it, so two apps on one machine keep theirs apart and one app finds its own again after a restart.
 */
export function functionsHostId(setting: (name: string) => string | undefined): string {
  const configured = setting('AzureFunctionsWebHost__hostid');
  const root = setting('AzureWebJobsScriptRoot') ?? '';
  const raw = configured ?? `${hostname()}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
  const id = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return id === '' ? 'localhost' : id;
}
