import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../shared/clock.js';

/** Group → expiry (ms since epoch), or null for "no ttl". */
type Memberships = Map<string, number | null>;
type StoreFile = { version: 1; hubs: Record<string, Record<string, Record<string, number | null>>> };

/** Without a ttl Azure keeps only the latest 100 groups of a user. */
export const MAX_GROUPS_WITHOUT_TTL = 100;

/**
 * Service-side user → group membership, independent of live connections: a user added to a group before
 * connecting joins it on connect, until the ttl runs out. Optionally persisted to a JSON file so it survives
 * a restart of the service, as it does in Azure.
 */
export class UserGroupStore {
  readonly #hubs = new Map<string, Map<string, Memberships>>();
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  #writeError: Error | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly path?: string,
  ) {
    if (path) this.#load(path);
  }

  /** Remembers `user` in `group`; `ttlSeconds` 0 means "current connections only", so nothing is remembered. */
  add(hub: string, user: string, group: string, ttlSeconds?: number): void {
    const memberships = this.#memberships(hub, user, true);
    memberships.delete(group); // re-adding moves the group to the newest position and updates its ttl
    if (ttlSeconds === 0) return this.#changed();
    memberships.set(group, ttlSeconds === undefined ? null : this.clock.now() + ttlSeconds * 1000);
    if (ttlSeconds === undefined) {
      const untimed = [...memberships].filter(([, expiry]) => expiry === null);
      for (const [oldest] of untimed.slice(0, Math.max(0, untimed.length - MAX_GROUPS_WITHOUT_TTL))) {
        memberships.delete(oldest);
      }
    }
    this.#changed();
  }

  remove(hub: string, user: string, group: string): void {
    if (this.#memberships(hub, user, false)?.delete(group)) this.#changed();
  }

  removeAll(hub: string, user: string): void {
    if (this.#hubs.get(hub)?.delete(user)) this.#changed();
  }

  /** Groups `user` belongs to now (expired ones are dropped). */
  groupsOf(hub: string, user: string): string[] {
    const memberships = this.#memberships(hub, user, false);
    if (!memberships) return [];
    const now = this.clock.now();
    const groups: string[] = [];
    for (const [group, expiry] of memberships) {
      if (expiry === null || expiry > now) groups.push(group);
    }
    return groups;
  }

  has(hub: string, user: string, group: string): boolean {
    const expiry = this.#memberships(hub, user, false)?.get(group);
    return expiry === null || (expiry !== undefined && expiry > this.clock.now());
  }

  /** Waits until every change so far is on disk; rethrows a failed write. */
  async flush(): Promise<void> {
    await this.#writing;
    const error = this.#writeError;
    this.#writeError = undefined;
    if (error) throw new Error(`could not save SignalR group memberships to ${this.path}: ${error.message}`);
  }

  #memberships(hub: string, user: string, create: true): Memberships;
  #memberships(hub: string, user: string, create: false): Memberships | undefined;
  #memberships(hub: string, user: string, create: boolean): Memberships | undefined {
    let users = this.#hubs.get(hub);
    if (!users) {
      if (!create) return undefined;
      this.#hubs.set(hub, (users = new Map()));
    }
    let memberships = users.get(user);
    if (!memberships && create) users.set(user, (memberships = new Map()));
    return memberships;
  }

  #changed(): void {
    if (!this.path || this.#dirty) return;
    // Coalesce a burst of changes into one write; writes never overlap.
    this.#dirty = true;
    const path = this.path;
    this.#writing = this.#writing.then(async () => {
      this.#dirty = false;
      const temp = `${path}.${process.pid}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(this.#snapshot()));
        await rename(temp, path);
      } catch (error) {
        this.#writeError = error as Error;
      }
    });
  }

  #snapshot(): StoreFile {
    const now = this.clock.now();
    const hubs: StoreFile['hubs'] = {};
    for (const [hub, users] of this.#hubs) {
      for (const [user, memberships] of users) {
        for (const [group, expiry] of memberships) {
          if (expiry !== null && expiry <= now) continue;
          ((hubs[hub] ??= {})[user] ??= {})[group] = expiry;
        }
      }
    }
    return { version: 1, hubs };
  }

  #load(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let data: StoreFile;
    try {
      data = JSON.parse(text) as StoreFile;
    } catch {
      throw new Error(`SignalR state file ${path} is not valid JSON; delete it to start with no group memberships`);
    }
    if (data?.version !== 1 || typeof data.hubs !== 'object') {
      throw new Error(`SignalR state file ${path} has an unknown format; delete it to start afresh`);
    }
    for (const [hub, users] of Object.entries(data.hubs)) {
      for (const [user, groups] of Object.entries(users)) {
        const memberships = this.#memberships(hub, user, true);
        for (const [group, expiry] of Object.entries(groups)) memberships.set(group, expiry);
      }
    }
  }
}
