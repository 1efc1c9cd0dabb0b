import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, ClockTimer } from '../shared/clock.js';

/** One membership: when it ends (ms since epoch, or null for "no ttl") and the timer that ends it. */
type Membership = { expiry: number | null; timer?: ClockTimer };
/** Group → membership. */
type Memberships = Map<string, Membership>;
/** hub → user → group → expiry. Written with null-prototype objects: every key here is outside input. */
type StoreFile = { version: 1; hubs: Record<string, Record<string, Record<string, number | null>>> };

/** Without a ttl Azure keeps only the latest 100 groups of a user. */
export const MAX_GROUPS_WITHOUT_TTL = 100;
/** Node fires longer timeouts at once; a longer ttl is re-armed in steps of this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Called when a membership's ttl runs out, so the service can take the user's live connections out too. */
export type MembershipExpired = (hub: string, user: string, group: string) => void;

/**
 * Service-side user → group membership, independent of live connections: a user added to a group before
 * connecting joins it on connect, until the ttl runs out — and at that moment leaves it, connected or not.
 * Optionally persisted to a JSON file so it survives a restart of the service, as it does in Azure.
 */
export class UserGroupStore {
  readonly #hubs = new Map<string, Map<string, Memberships>>();
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  #writeError: Error | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: MembershipExpired = () => {},
    private readonly path?: string,
  ) {
    if (path) this.#load(path);
  }

  /** Remembers `user` in `group`; `ttlSeconds` 0 means "current connections only", so nothing is remembered. */
  add(hub: string, user: string, group: string, ttlSeconds?: number): void {
    const memberships = this.#memberships(hub, user, true);
    this.#forget(memberships, group); // re-adding moves the group to the newest position and updates its ttl
    if (ttlSeconds === 0) return this.#changed();
    const expiry = ttlSeconds === undefined ? null : this.clock.now() + ttlSeconds * 1000;
    this.#remember(hub, user, group, expiry);
    if (ttlSeconds === undefined) {
      const untimed = [...memberships].filter(([, membership]) => membership.expiry === null);
      for (const [oldest] of untimed.slice(0, Math.max(0, untimed.length - MAX_GROUPS_WITHOUT_TTL))) {
        this.#forget(memberships, oldest);
      }
    }
    this.#changed();
  }

  remove(hub: string, user: string, group: string): void {
    const memberships = this.#memberships(hub, user, false);
    if (memberships && this.#forget(memberships, group)) this.#changed();
  }

  removeAll(hub: string, user: string): void {
    const memberships = this.#memberships(hub, user, false);
    if (!memberships) return;
    for (const group of [...memberships.keys()]) this.#forget(memberships, group);
    this.#hubs.get(hub)?.delete(user);
    this.#changed();
  }

  /** Groups `user` belongs to now. */
  groupsOf(hub: string, user: string): string[] {
    const memberships = this.#memberships(hub, user, false);
    if (!memberships) return [];
    const now = this.clock.now();
    return [...memberships].filter(([, m]) => m.expiry === null || m.expiry > now).map(([group]) => group);
  }

  has(hub: string, user: string, group: string): boolean {
    const expiry = this.#memberships(hub, user, false)?.get(group)?.expiry;
    return expiry === null || (expiry !== undefined && expiry > this.clock.now());
  }

  /** Stops the expiry timers (the service is closing); memberships stay as they are. */
  stop(): void {
    for (const users of this.#hubs.values()) {
      for (const memberships of users.values()) {
        for (const membership of memberships.values()) {
          if (membership.timer !== undefined) this.clock.clearTimeout(membership.timer);
          membership.timer = undefined;
        }
      }
    }
  }

  /** Waits until every change so far is on disk; rethrows a failed write. */
  async flush(): Promise<void> {
    await this.#writing;
    const error = this.#writeError;
    this.#writeError = undefined;
    if (error) throw new Error(`could not save SignalR group memberships to ${this.path}: ${error.message}`);
  }

  #remember(hub: string, user: string, group: string, expiry: number | null): void {
    const membership: Membership = { expiry };
    this.#memberships(hub, user, true).set(group, membership);
    if (expiry !== null) this.#arm(hub, user, group, membership);
  }

  /** Ends a timed membership at its expiry: dropped from the store, and the service told. */
  #arm(hub: string, user: string, group: string, membership: Membership): void {
    const delay = membership.expiry! - this.clock.now();
    membership.timer = this.clock.setTimeout(
      () => {
        membership.timer = undefined;
        if (membership.expiry! > this.clock.now()) return this.#arm(hub, user, group, membership);
        const memberships = this.#memberships(hub, user, false);
        if (memberships?.get(group) !== membership) return;
        this.#forget(memberships, group);
        if (memberships.size === 0) this.#hubs.get(hub)?.delete(user);
        this.#changed();
        this.onExpired(hub, user, group);
      },
      Math.min(Math.max(0, delay), MAX_TIMER_MS),
    );
  }

  #forget(memberships: Memberships, group: string): boolean {
    const membership = memberships.get(group);
    if (!membership) return false;
    if (membership.timer !== undefined) this.clock.clearTimeout(membership.timer);
    return memberships.delete(group);
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
    const hubs: StoreFile['hubs'] = dictionary();
    for (const [hub, users] of this.#hubs) {
      for (const [user, memberships] of users) {
        for (const [group, { expiry }] of memberships) {
          if (expiry !== null && expiry <= now) continue;
          ((hubs[hub] ??= dictionary())[user] ??= dictionary())[group] = expiry;
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
    const unknownFormat = new Error(`SignalR state file ${path} has an unknown format; delete it to start afresh`);
    if (!isObject(data) || data.version !== 1 || !isObject(data.hubs)) throw unknownFormat;
    const now = this.clock.now();
    // JSON.parse makes a key "__proto__" an own property, so Object.entries sees every name as written.
    for (const [hub, users] of Object.entries(data.hubs)) {
      if (!isObject(users)) throw unknownFormat;
      for (const [user, groups] of Object.entries(users)) {
        if (!isObject(groups)) throw unknownFormat;
        for (const [group, expiry] of Object.entries(groups)) {
          if (expiry !== null && typeof expiry !== 'number') throw unknownFormat;
          if (expiry === null || expiry > now) this.#remember(hub, user, group, expiry);
        }
      }
    }
  }
}

/** An object for outside keys: with no prototype, `__proto__` or `constructor` are keys like any other. */
function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
