/** One thing a run changes (or, in what-if, would change) in Azure. */
export type Change = {
  kind: 'create' | 'update' | 'delete' | 'run';
  /** The resource or setting, e.g. `storage account ordernotifst`. */
  target: string;
  /** What differs: `allowSharedKeyAccess: true → false`. */
  details?: string[];
};

const SIGN: Record<Change['kind'], string> = { create: '+', update: '~', delete: '-', run: '»' };

/** A setting the deployment owns, as it is now and as it is declared. */
export type Drift = { setting: string; now: unknown; wanted: unknown };

/** The settings whose current value differs from the declared one (undefined counts as different). */
export function drifts(now: Record<string, unknown>, wanted: Record<string, unknown>): Drift[] {
  return Object.entries(wanted)
    .filter(([setting, value]) => !sameValue(now[setting], value))
    .map(([setting, value]) => ({ setting, now: now[setting], wanted: value }));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().every((item, i) => sameValue(item, [...b].sort()[i]));
  }
  return typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

export function describeDrift(drift: Drift): string {
  return `${drift.setting}: ${show(drift.now)} → ${show(drift.wanted)}`;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '(not set)';
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

/** Everything a run has changed, or would change: printed as the what-if answer and at the end of a run. */
export class Plan {
  readonly changes: Change[] = [];

  record(change: Change): void {
    this.changes.push(change);
  }

  /** The changes to Azure itself, leaving out the code and web client published on every run. */
  get settingChanges(): Change[] {
    return this.changes.filter((change) => change.kind !== 'run');
  }

  lines(): string[] {
    return this.changes.flatMap((change) => [
      `  ${SIGN[change.kind]} ${change.target}`,
      ...(change.details ?? []).map((detail) => `      ${detail}`),
    ]);
  }
}
