import type { DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';

/** One setting the deployment owns on a resource: how to read it from a `show`, and how to set it. */
export type Owned<Shown> = {
  setting: string;
  /** Declared value, in the form `read` returns (durations in milliseconds). */
  wanted: string | number | boolean;
  read: (shown: Shown) => unknown;
  flag: string;
  /** The flag's value for the declared setting, e.g. `PT1H` for one hour. */
  arg: string;
  /** Azure refuses to change it after creation. */
  fixedAtCreation?: boolean;
  display?: (value: unknown) => string;
};

export type OwnedDrift<Shown> = { owned: Owned<Shown>; now: unknown };

export function ownedDrifts<Shown>(shown: Shown, owned: Owned<Shown>[]): OwnedDrift<Shown>[] {
  return owned
    .map((o) => ({ owned: o, now: o.read(shown) }))
    .filter(({ owned: o, now }) => !sameSetting(now, o.wanted));
}

function sameSetting(now: unknown, wanted: unknown): boolean {
  return typeof now === 'string' && typeof wanted === 'string'
    ? now.toLowerCase() === wanted.toLowerCase()
    : now === wanted;
}

/**
 * Records and applies the drift of one resource with a single update command, after refusing drift that only
 * a re-creation could undo (the hint says how).
 */
export async function applyOwnedDrift<Shown>(
  ctx: DeployContext,
  target: string,
  drift: OwnedDrift<Shown>[],
  update: string[],
): Promise<void> {
  if (drift.length === 0) return;
  const fixed = drift.filter(({ owned }) => owned.fixedAtCreation);
  if (fixed.length > 0) {
    const what = fixed.map(
      ({ owned, now }) => `${owned.setting} is ${show(owned, now)}, declared ${show(owned, owned.wanted)}`,
    );
    throw new DeployError(
      `${target}: ${what.join('; ')}, and Azure fixes this at creation.`,
      'Delete and re-create that entity (its messages go with it), or change the topology file to match.',
    );
  }
  ctx.plan.record({
    kind: 'update',
    target,
    details: drift.map(({ owned, now }) => `${owned.setting}: ${show(owned, now)} → ${show(owned, owned.wanted)}`),
  });
  await ctx.az.change([...update, ...drift.flatMap(({ owned }) => [owned.flag, owned.arg])]);
}

function show<Shown>(owned: Owned<Shown>, value: unknown): string {
  if (value === undefined || value === null) return '(not set)';
  return owned.display ? owned.display(value) : String(value);
}
