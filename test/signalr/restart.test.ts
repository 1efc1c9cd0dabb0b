import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalRRestClient } from '../../local/signalr/restClient.js';
import { accessKeyOf, Fixture, HUB, Inbox, TRANSPORTS } from './helpers.js';

const fixture = new Fixture();
const dirs: string[] = [];
afterEach(async () => {
  await fixture.dispose();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the state file', () => {
  it('keeps users and groups named like Object.prototype members or dot segments, and pollutes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signalr-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'signalr.json');
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const ids = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '.', '..'];
    const first = await fixture.start({ statePath });
    const key = accessKeyOf(first);
    const rest = createSignalRRestClient(first.connectionString);
    for (const id of ids) await rest.addUserToGroup(HUB, id, id);
    await first.close();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toMatchObject({ version: 1 });

    const second = await fixture.start({ statePath, accessKey: key, port: first.port });
    const again = createSignalRRestClient(second.connectionString);
    for (const id of ids) expect(await again.userInGroup(HUB, id, id), id).toBe(true);
    expect(await again.userInGroup(HUB, 'constructor', '__proto__')).toBe(false);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });

  it('refuses a state file whose memberships are not what it wrote, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signalr-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'signalr.json');
    await writeFile(statePath, JSON.stringify({ version: 1, hubs: { orders: { alice: { g: 'soon' } } } }));
    await expect(fixture.start({ statePath })).rejects.toThrow(/signalr\.json has an unknown format/);
  });
});

describe.each(TRANSPORTS)('a service restart on the same port (%s)', (_name, transport) => {
  it("lets the client reconnect as a new connection that is still in its user's group", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signalr-state-'));
    dirs.push(dir);
    const statePath = join(dir, 'signalr.json');
    const first = await fixture.start({ statePath });
    const key = accessKeyOf(first);
    await createSignalRRestClient(first.connectionString).addUserToGroup(HUB, 'user-alice', 'alice');
    const connection = await fixture.connect(first, key, { userId: 'alice', transport, reconnect: true });
    const firstId = connection.connectionId;
    const inbox = new Inbox(connection, 'orderStatus');
    const reconnected = new Promise<string | undefined>((resolve) => connection.onreconnected(resolve));

    await first.close();
    const second = await fixture.start({ statePath, accessKey: key, port: first.port });
    const secondId = await reconnected;
    expect(secondId).toEqual(expect.any(String));
    expect(secondId).not.toBe(firstId);

    await createSignalRRestClient(second.connectionString).sendToGroup(HUB, 'user-alice', {
      target: 'orderStatus',
      arguments: ['after restart'],
    });
    expect(await inbox.nth(0)).toEqual(['after restart']);
  });
});
