import type { DeployContext } from '../core/context.js';

export const APP_TAG = { name: 'app', value: 'order-notifications' } as const;

/** Creates the group if missing; returns its tags (the record of which app registration it owns). */
export async function reconcileResourceGroup(ctx: DeployContext): Promise<Record<string, string>> {
  const { az, names, options } = ctx;
  ctx.step(`Resource group ${names.resourceGroup}`);
  const group = await az.find<{ location: string; tags?: Record<string, string> | null }>([
    'group',
    'show',
    '--name',
    names.resourceGroup,
  ]);
  if (group) {
    if (group.location !== options.location) {
      ctx.log(`# the group is in ${group.location}; its resources go to ${options.location} as asked`);
    }
    return group.tags ?? {};
  }
  ctx.plan.record({ kind: 'create', target: `resource group ${names.resourceGroup} (${options.location})` });
  ctx.state.created.add(ctx.ids.group);
  await az.change([
    'group',
    'create',
    '--name',
    names.resourceGroup,
    '--location',
    options.location,
    '--tags',
    `${APP_TAG.name}=${APP_TAG.value}`,
  ]);
  return { [APP_TAG.name]: APP_TAG.value };
}

/** Adds or corrects one tag without touching the others (`tag update --operation Merge`). */
export async function mergeGroupTag(ctx: DeployContext, tags: Record<string, string>, name: string, value: string) {
  if (tags[name] === value) return;
  ctx.plan.record({
    kind: 'update',
    target: `resource group ${ctx.names.resourceGroup}`,
    details: [`tag ${name}: ${tags[name] ?? '(not set)'} → ${value}`],
  });
  await ctx.az.change([
    'tag',
    'update',
    '--resource-id',
    ctx.ids.group,
    '--operation',
    'Merge',
    '--tags',
    `${name}=${value}`,
  ]);
}
