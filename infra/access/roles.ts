import { readable, type DeployContext } from '../core/context.js';
import { knownPrincipal } from '../resources/functionApp.js';

/** Built-in role definition ids (stable across clouds and languages, unlike display names). */
export const ROLES = {
  storageBlobDataOwner: { id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', name: 'Storage Blob Data Owner' },
  storageBlobDataContributor: { id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe', name: 'Storage Blob Data Contributor' },
  storageTableDataContributor: { id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', name: 'Storage Table Data Contributor' },
  serviceBusDataSender: { id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39', name: 'Azure Service Bus Data Sender' },
  serviceBusDataReceiver: { id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0', name: 'Azure Service Bus Data Receiver' },
  signalRServiceOwner: { id: '7e4f1700-ea5a-4f59-8f37-079cfe29dce3', name: 'SignalR Service Owner' },
} as const;

type Role = (typeof ROLES)[keyof typeof ROLES];
export type RoleAssignment = {
  principalId: string;
  principalType: 'ServicePrincipal' | 'User';
  who: string;
  role: Role;
  scope: string;
  scopeName: string;
  why: string;
};

/** Every role the deployment grants, each at the narrowest scope that works, with the reason (docs/deploy.md). */
export function roleAssignments(ctx: DeployContext): RoleAssignment[] {
  const { ids, names, topology, state, deployer } = ctx;
  const app = { principalId: state.principalId, principalType: 'ServicePrincipal' as const, who: 'the Function App' };
  return [
    {
      ...app,
      role: ROLES.storageBlobDataOwner,
      scope: ids.storage,
      scopeName: names.storageAccount,
      why: 'host storage (keys, locks, the deployment package)',
    },
    // The host writes its diagnostic events to monthly tables in host storage, so this cannot be one table.
    {
      ...app,
      role: ROLES.storageTableDataContributor,
      scope: ids.storage,
      scopeName: names.storageAccount,
      why: "the orders table and the host's diagnostic events",
    },
    ...topology.topics.flatMap((topic) => [
      {
        ...app,
        role: ROLES.serviceBusDataSender,
        scope: ids.topic(topic.name),
        scopeName: `topic ${topic.name}`,
        why: 'the createOrder output binding',
      },
      // A trigger's receiver role must sit on the subscription (or above); the topic alone is not enough.
      ...topic.subscriptions.map((s) => ({
        ...app,
        role: ROLES.serviceBusDataReceiver,
        scope: ids.subscription(topic.name, s.name),
        scopeName: `subscription ${topic.name}/${s.name}`,
        why: 'the processOrder and orderDeadLetters triggers',
      })),
    ]),
    // The SignalR extension both calls the REST API and mints client tokens, which needs Owner.
    {
      ...app,
      role: ROLES.signalRServiceOwner,
      scope: ids.signalR,
      scopeName: names.signalR,
      why: 'the negotiate input and the SignalR output bindings',
    },
    {
      principalId: deployer.objectId,
      principalType: deployer.principalType,
      who: 'you (the signed-in deployer)',
      role: ROLES.storageBlobDataContributor,
      scope: ids.storage,
      scopeName: names.storageAccount,
      why: 'uploading the web client with --auth-mode login (no account key)',
    },
  ];
}

/** Creates the missing assignments; a `list` first keeps re-runs quiet and what-if accurate. */
export async function reconcileRoles(ctx: DeployContext): Promise<void> {
  const { az } = ctx;
  ctx.step('Role assignments');
  for (const assignment of roleAssignments(ctx)) {
    const { principalId, role, scope } = assignment;
    if (knownPrincipal(principalId) && readable(ctx, scope)) {
      const count = await az.json<number>(
        [
          'role',
          'assignment',
          'list',
          '--assignee',
          principalId,
          '--role',
          role.id,
          '--scope',
          scope,
          '--query',
          'length(@)',
        ],
        0,
      );
      if (count > 0) continue;
    }
    ctx.plan.record({
      kind: 'create',
      target: `role ${role.name} for ${assignment.who} on ${assignment.scopeName}`,
      details: [assignment.why],
    });
    await az.change(
      ['role', 'assignment', 'create', '--assignee-object-id', principalId].concat([
        '--assignee-principal-type',
        assignment.principalType,
        '--role',
        role.id,
        '--scope',
        scope,
      ]),
      { tolerate: /RoleAssignmentExists|already exists/i },
    );
  }
}
