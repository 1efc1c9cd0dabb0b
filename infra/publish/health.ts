import { MINUTE, SECOND } from '../core/clock.js';
import { ARM, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { pollUntil } from '../core/poll.js';

export const HOST_HEALTH_WAIT_MS = 10 * MINUTE;
export const FUNCTIONS_LISTED_WAIT_MS = 5 * MINUTE;
const INTERVAL_MS = 15 * SECOND;
const HOST_STATUS_API = '2022-03-01';

type HostStatus = { state?: string; errors?: string[] | null };

/**
 * The Functions host's own status, read through ARM (no function key needed): it reports `Running` only once it
 * can use its host storage with the managed identity, so this is also the data-plane proof for that role.
 */
export async function waitForHealthyHost(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  ctx.step('Health of the Function App');
  const url = `${ARM}${ctx.ids.site}/hostruntime/admin/host/status?api-version=${HOST_STATUS_API}`;
  if (!az.writes) {
    ctx.log('# would wait for the host to report Running with no errors, then for the functions to be listed');
    return;
  }
  const hint = `The host status says why: az rest --method get --url '${url}'. Fix that, then run again: ${az.resumeHint}`;
  const status = await pollUntil<HostStatus>({
    clock: ctx.clock,
    what: 'the Functions host to report Running with no errors',
    timeoutMs: HOST_HEALTH_WAIT_MS,
    intervalMs: INTERVAL_MS,
    log: ctx.log,
    hint,
    probe: async () => {
      const result = await az.probe(['rest', '--method', 'get', '--url', url]);
      if (!result || result.code !== 0)
        return { done: false, seen: result?.timedOut ? 'no answer' : 'not answering yet' };
      const host = JSON.parse(result.stdout) as HostStatus;
      const errors = host.errors ?? [];
      if (host.state === 'Running' && errors.length === 0) return { done: true, value: host };
      return { done: false, seen: `${host.state ?? 'unknown'}${errors.length ? `: ${errors.join('; ')}` : ''}` };
    },
  });
  ctx.log(`# host: ${status.state}`);
  const functions = await pollUntil<string[]>({
    clock: ctx.clock,
    what: 'the functions to be listed',
    timeoutMs: FUNCTIONS_LISTED_WAIT_MS,
    intervalMs: INTERVAL_MS,
    log: ctx.log,
    hint: 'Check that package.json "main" points at the built app (dist/src/bundle/functions.js: npm run build), then run again.',
    probe: async () => {
      const listed = await az.json<string[]>(
        [
          'functionapp',
          'function',
          'list',
          '--resource-group',
          names.resourceGroup,
          '--name',
          names.functionApp,
        ].concat(['--query', '[].name']),
        [],
      );
      // Names come back as "<app>/<function>".
      const found = listed.map((name) => name.slice(name.indexOf('/') + 1));
      return found.length > 0 ? { done: true, value: found } : { done: false, seen: 'no functions yet' };
    },
  });
  if (functions.length === 0) throw new DeployError('The Function App lists no functions after publishing.');
  ctx.log(`# functions: ${functions.join(', ')}`);
}
