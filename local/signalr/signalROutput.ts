import type { SignalRRestClient } from './restClient.js';

export class SignalROutputError extends Error {
  override name = 'SignalROutputError';
}

type Call = (client: SignalRRestClient, hub: string) => Promise<void>;

/**
 * Carries out what a function set on a `signalR` output binding, as the Azure extension does: each item is a
 * message `{ target, arguments, connectionId? | userId? | groupName? }` (first present wins, else broadcast) or a
 * group action `{ action: 'add'|'remove'|'removeAll', groupName, connectionId? | userId? }`. Every item is
 * checked before any call is made; calls then run in order and the first failure rejects (failing the invocation).
 */
export async function sendSignalROutput(client: SignalRRestClient, hub: string, value: unknown): Promise<void> {
  const items = Array.isArray(value) ? value : [value];
  const calls = items.map((item, index) =>
    toCall(item, items.length > 1 ? `signalR output item ${index}` : 'signalR output'),
  );
  for (const call of calls) await call(client, hub);
}

function toCall(item: unknown, label: string): Call {
  if (!item || typeof item !== 'object') throw new SignalROutputError(`${label} must be an object`);
  const o = item as Record<string, unknown>;
  const connectionId = optionalString(o, 'connectionId', label);
  const userId = optionalString(o, 'userId', label);
  const groupName = optionalString(o, 'groupName', label);
  if (o.action !== undefined) {
    const action = typeof o.action === 'string' ? o.action.toLowerCase() : '';
    if (action !== 'add' && action !== 'remove' && action !== 'removeall') {
      throw new SignalROutputError(`${label}: action must be 'add', 'remove' or 'removeAll', got ${String(o.action)}`);
    }
    if (action === 'removeall') {
      // Azure only removes users from all groups; the connection form is silently ignored there too.
      if (connectionId !== undefined) return async () => {};
      if (userId === undefined) throw new SignalROutputError(`${label}: removeAll needs a userId`);
      return (client, hub) => client.removeUserFromAllGroups(hub, userId);
    }
    if (groupName === undefined) throw new SignalROutputError(`${label}: a group action needs a groupName`);
    if (connectionId !== undefined) {
      return action === 'add'
        ? (client, hub) => client.addConnectionToGroup(hub, groupName, connectionId)
        : (client, hub) => client.removeConnectionFromGroup(hub, groupName, connectionId);
    }
    if (userId === undefined) throw new SignalROutputError(`${label}: a group action needs a userId or connectionId`);
    return action === 'add'
      ? (client, hub) => client.addUserToGroup(hub, groupName, userId)
      : (client, hub) => client.removeUserFromGroup(hub, groupName, userId);
  }
  if (typeof o.target !== 'string' || o.target === '' || !Array.isArray(o.arguments)) {
    throw new SignalROutputError(
      `${label} is neither a message ({ target, arguments: [] }) nor a group action ({ action, groupName, userId })`,
    );
  }
  const message = { target: o.target, arguments: o.arguments as unknown[] };
  if (connectionId !== undefined) return (client, hub) => client.sendToConnection(hub, connectionId, message);
  if (userId !== undefined) return (client, hub) => client.sendToUser(hub, userId, message);
  if (groupName !== undefined) return (client, hub) => client.sendToGroup(hub, groupName, message);
  return (client, hub) => client.sendToAll(hub, message);
}

function optionalString(o: Record<string, unknown>, name: string, label: string): string | undefined {
  const value = o[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SignalROutputError(`${label}: ${name} must be a string`);
  return value;
}
