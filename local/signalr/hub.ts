import type { ServiceConnection } from './connection.js';
import type { OutboundFrame } from './hubProtocol.js';

/** Live connections of one hub, indexed by id, user and group. */
export class Hub {
  readonly connections = new Map<string, ServiceConnection>();
  /**
   * User → their connection, or a Set once they have two: most users hold one connection, and a Set per user
   * costs more than the connection's own record.
   */
  readonly #users = new Map<string, ServiceConnection | Set<ServiceConnection>>();
  readonly groups = new Map<string, Set<ServiceConnection>>();

  constructor(readonly name: string) {}

  /** Users with a live connection in this hub. */
  get userCount(): number {
    return this.#users.size;
  }

  hasUser(user: string): boolean {
    return this.#users.has(user);
  }

  /** The user's live connections (none for an unknown user). */
  userConnections(user: string): Iterable<ServiceConnection> {
    const entry = this.#users.get(user);
    if (entry === undefined) return [];
    return entry instanceof Set ? entry : [entry];
  }

  add(connection: ServiceConnection): void {
    this.connections.set(connection.id, connection);
    const user = connection.userId;
    if (user === undefined) return;
    const entry = this.#users.get(user);
    if (entry === undefined) this.#users.set(user, connection);
    else if (entry instanceof Set) entry.add(connection);
    else if (entry !== connection) this.#users.set(user, new Set([entry, connection]));
  }

  remove(connection: ServiceConnection): void {
    this.connections.delete(connection.id);
    const user = connection.userId;
    if (user !== undefined) {
      const entry = this.#users.get(user);
      if (entry === connection) this.#users.delete(user);
      else if (entry instanceof Set && entry.delete(connection) && entry.size === 1) {
        this.#users.set(user, entry.values().next().value!);
      }
    }
    this.leaveAll(connection);
  }

  join(connection: ServiceConnection, group: string): void {
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Set()));
    members.add(connection);
    (connection.groups ??= new Set()).add(group);
  }

  leave(connection: ServiceConnection, group: string): void {
    this.#leaveGroup(connection, group);
    connection.groups?.delete(group);
  }

  leaveAll(connection: ServiceConnection): void {
    for (const group of connection.groups ?? []) this.#leaveGroup(connection, group);
    connection.groups = undefined;
  }

  #leaveGroup(connection: ServiceConnection, group: string): void {
    const members = this.groups.get(group);
    if (!members) return;
    members.delete(connection);
    if (members.size === 0) this.groups.delete(group);
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
