import type { ServiceConnection } from './connection.js';
import type { OutboundFrame } from './hubProtocol.js';

/** Live connections of one hub, indexed by id, user and group. */
export class Hub {
  readonly connections = new Map<string, ServiceConnection>();
  readonly users = new Map<string, Set<ServiceConnection>>();
  readonly groups = new Map<string, Set<ServiceConnection>>();

  constructor(readonly name: string) {}

  add(connection: ServiceConnection): void {
    this.connections.set(connection.id, connection);
    if (connection.userId !== undefined) addTo(this.users, connection.userId, connection);
  }

  remove(connection: ServiceConnection): void {
    this.connections.delete(connection.id);
    if (connection.userId !== undefined) removeFrom(this.users, connection.userId, connection);
    for (const group of connection.groups ?? []) removeFrom(this.groups, group, connection);
    connection.groups = undefined;
  }

  join(connection: ServiceConnection, group: string): void {
    addTo(this.groups, group, connection);
    (connection.groups ??= new Set()).add(group);
  }

  leave(connection: ServiceConnection, group: string): void {
    removeFrom(this.groups, group, connection);
    connection.groups?.delete(group);
  }

  leaveAll(connection: ServiceConnection): void {
    for (const group of connection.groups ?? []) removeFrom(this.groups, group, connection);
    connection.groups = undefined;
  }

  /** Sends one pre-serialized frame to every target not excluded at `now`; returns how many got it. */
  static sendTo(
    targets: Iterable<ServiceConnection> | undefined,
    frame: OutboundFrame,
    now: number,
    excluded?: ReadonlySet<string>,
  ): number {
    let count = 0;
    for (const connection of targets ?? []) {
      if (excluded?.has(connection.id)) continue;
      connection.send(frame, now);
      count++;
    }
    return count;
  }
}

function addTo<K>(index: Map<K, Set<ServiceConnection>>, key: K, connection: ServiceConnection): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(connection);
}

function removeFrom<K>(index: Map<K, Set<ServiceConnection>>, key: K, connection: ServiceConnection): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(connection);
  if (set.size === 0) index.delete(key);
}
