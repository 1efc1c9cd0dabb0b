import { readable, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { NAME_TAKEN, nameTaken } from './nameTaken.js';
import { ownedDrifts, type Owned } from './owned.js';

type SignalR = {
  sku?: { name?: string; capacity?: number | null };
  features?: { flag: string; value: string }[] | null;
  disableLocalAuth?: boolean | null;
  cors?: { allowedOrigins?: string[] | null } | null;
};

function explainFailure(ctx: DeployContext) {
  return (stderr: string): DeployError | undefined => {
    if (/free/i.test(stderr) && /quota|limit|exceed|only one/i.test(stderr)) {
      return new DeployError(
        'This subscription already has its one Free_F1 SignalR Service.',
        'Pass --signalr-sku Standard_S1, or delete the other free instance.',
      );
    }
    return NAME_TAKEN.test(stderr) ? nameTaken('SignalR Service', ctx.names.signalR) : undefined;
  };
}

function owned(ctx: DeployContext): Owned<SignalR>[] {
  const { options } = ctx;
  return [
    { setting: 'sku', wanted: options.signalRSku, read: (s) => s.sku?.name, flag: '--sku', arg: options.signalRSku },
    {
      setting: 'units',
      wanted: options.signalRUnits,
      read: (s) => s.sku?.capacity,
      flag: '--unit-count',
      arg: String(options.signalRUnits),
    },
    { setting: 'serviceMode', wanted: 'Serverless', read: serviceMode, flag: '--service-mode', arg: 'Serverless' },
    // The Functions extension signs in with the app's identity, so access keys are turned off.
    {
      setting: 'disableLocalAuth',
      wanted: true,
      read: (s) => s.disableLocalAuth ?? false,
      flag: '--disable-local-auth',
      arg: 'true',
    },
  ];
}

function serviceMode(s: SignalR): string | undefined {
  return s.features?.find((feature) => feature.flag === 'ServiceMode')?.value;
}

/**
 * Serverless mode (not the CLI default), CORS for the web origins, no access keys. A re-run updates rather than
 * re-creates, since `create` would reset features and CORS.
 */
export async function reconcileSignalR(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.signalR];
  const origins = ctx.state.webOrigins;
  ctx.step(`SignalR Service ${names.signalR} (Serverless, ${options.signalRSku} × ${options.signalRUnits})`);
  const existing = readable(ctx, ctx.ids.signalR) ? await az.find<SignalR>(['signalr', 'show', ...scope]) : undefined;
  if (!existing) {
    ctx.plan.record({
      kind: 'create',
      target: `SignalR Service ${names.signalR} (${options.signalRSku} × ${options.signalRUnits})`,
    });
    ctx.state.created.add(ctx.ids.signalR);
    await az.change(
      ['signalr', 'create', ...scope, '--location', options.location, '--sku', options.signalRSku]
        .concat(['--unit-count', String(options.signalRUnits), '--service-mode', 'Serverless'])
        .concat(['--allowed-origins', ...origins]),
      { explain: explainFailure(ctx) },
    );
    // `create` has no flag for access keys; an update turns them off (and must name the mode again).
    await az.change(['signalr', 'update', ...scope, '--service-mode', 'Serverless', '--disable-local-auth', 'true']);
    return;
  }
  const drift = ownedDrifts(existing, owned(ctx)).map(
    ({ owned: o, now }) => `${o.setting}: ${now ?? '(not set)'} → ${o.wanted}`,
  );
  const corsNow = [...(existing.cors?.allowedOrigins ?? [])].sort();
  if (corsNow.join(' ') !== [...origins].sort().join(' ')) {
    drift.push(`allowedOrigins: [${corsNow.join(', ')}] → [${[...origins].sort().join(', ')}]`);
  }
  if (drift.length === 0) return;
  ctx.plan.record({ kind: 'update', target: `SignalR Service ${names.signalR}`, details: drift });
  // `signalr update` replaces the feature list and resets the unit count unless given, so it names them all.
  await az.change(
    ['signalr', 'update', ...scope, ...owned(ctx).flatMap((o) => [o.flag, o.arg]), '--allowed-origins', ...origins],
    { explain: explainFailure(ctx) },
  );
}
