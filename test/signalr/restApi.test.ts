import { afterEach, describe, expect, it } from 'vitest';
import { mintRestAccessToken } from '../../local/signalr/accessTokens.js';
import { createSignalRRestClient, SignalRRestError } from '../../local/signalr/restClient.js';
import { ManualClock } from '../../local/shared/clock.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { accessKeyOf, closed, Fixture, HUB, Inbox } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

/** A raw authorized REST call, to check status codes and bodies exactly. */
async function rest(service: SignalRService, method: string, path: string, body?: unknown, key = accessKeyOf(service)) {
  const url = `${service.url}${path}`;
  return fetch(url, {
    method,
    headers: { Authorization: `Bearer ${await mintRestAccessToken(url, key)}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('REST data-plane API', () => {
  it('answers health anonymously and refuses missing or forged bearer tokens with a JSON 401', async () => {
    const service = await fixture.start();
    expect((await fetch(`${service.url}/api/health`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${service.url}/api/v1/health`)).status).toBe(200);
    expect(await createSignalRRestClient(service.connectionString).isHealthy()).toBe(true);

    const anonymous = await fetch(`${service.url}/api/hubs/${HUB}/:send?api-version=2022-06-01`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ code: 'Error.Unauthorized', message: expect.stringMatching(/Bearer/) });
    const forged = await rest(service, 'POST', `/api/hubs/${HUB}/:send`, { target: 't', arguments: [] }, 'wrong');
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toMatch(/signature/);
  });

  it('delivers every messaging mode: broadcast, all-except, group, groups, group-except, user, users, connection', async () => {
    const service = await fixture.start();
    const key = accessKeyOf(service);
    const client = createSignalRRestClient(service.connectionString);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((userId) => fixture.connect(service, key, { userId })));
    const inboxes = [a, b, c].map((connection) => new Inbox(connection!, 'm'));
    const [idA, idB, idC] = [a!.connectionId!, b!.connectionId!, c!.connectionId!];
    await client.addConnectionToGroup(HUB, 'g1', idA);
    await client.addUserToGroup(HUB, 'g2', 'b');
    await client.addConnectionToGroup(HUB, 'g2', idC);
    const m = (n: string) => ({ target: 'm', arguments: [n] });

    await client.sendToAll(HUB, m('all'));
    await client.sendToAll(HUB, m('all-except-a'), { excluded: [idA] });
    await client.sendToGroup(HUB, 'g1', m('g1'));
    await client.sendToGroups(HUB, ['g1', 'g2'], m('g1+g2'));
    await client.sendToGroup(HUB, 'g2', m('g2-except-c'), { excluded: [idC] });
    await client.sendToUser(HUB, 'c', m('user-c'));
    await client.sendToUsers(HUB, ['a', 'b'], m('users-a-b'));
    await client.sendToConnection(HUB, idB, m('conn-b'));
    // v1 path with the .NET SDK's PascalCase body.
    expect((await rest(service, 'POST', `/api/v1/hubs/${HUB}`, { Target: 'm', Arguments: ['end'] })).status).toBe(202);

    await Promise.all(inboxes.map((inbox) => inbox.until((args) => args[0] === 'end')));
    const texts = inboxes.map((inbox) => inbox.received.map((args) => args[0]));
    expect(texts[0]).toEqual(['all', 'g1', 'g1+g2', 'users-a-b', 'end']);
    expect(texts[1]).toEqual(['all', 'all-except-a', 'g1+g2', 'g2-except-c', 'users-a-b', 'conn-b', 'end']);
    expect(texts[2]).toEqual(['all', 'all-except-a', 'g1+g2', 'user-c', 'end']);
  });

  it("reports existence with 200/404 and x-ms-error-code, and uses each API version's status codes", async () => {
    const service = await fixture.start();
    const connection = await fixture.connect(service, accessKeyOf(service), { userId: 'alice' });
    const id = connection.connectionId!;
    const q = '?api-version=2022-06-01';
    const hub = `/api/hubs/${HUB}`;

    expect((await rest(service, 'HEAD', `${hub}/connections/${id}${q}`)).status).toBe(200);
    const missing = await rest(service, 'HEAD', `${hub}/connections/nope${q}`);
    expect([missing.status, missing.headers.get('x-ms-error-code')]).toEqual([404, 'Warning.Connection.NotExisted']);
    expect((await rest(service, 'GET', `${hub}/users/alice${q}`)).status).toBe(200);
    expect((await rest(service, 'HEAD', `${hub}/users/bob${q}`)).headers.get('x-ms-error-code')).toBe(
      'Warning.User.NotExisted',
    );
    expect((await rest(service, 'HEAD', `${hub}/groups/g${q}`)).status).toBe(404);

    expect((await rest(service, 'PUT', `${hub}/users/alice/groups/g${q}`)).status).toBe(200);
    expect((await rest(service, 'HEAD', `${hub}/groups/g${q}`)).status).toBe(200);
    expect((await rest(service, 'HEAD', `${hub}/users/alice/groups/g${q}`)).status).toBe(200);
    expect((await rest(service, 'GET', `/api/v1/hubs/${HUB}/groups/g/users/alice`)).status).toBe(200);
    expect((await rest(service, 'DELETE', `${hub}/users/alice/groups/g${q}`)).status).toBe(204);
    const notIn = await rest(service, 'HEAD', `${hub}/users/alice/groups/g${q}`);
    expect([notIn.status, notIn.headers.get('x-ms-error-code')]).toEqual([404, 'Info.User.NotInGroup']);
    expect((await rest(service, 'PUT', `/api/v1/hubs/${HUB}/groups/g/users/alice`)).status).toBe(202);
    expect((await rest(service, 'DELETE', `${hub}/users/alice/groups${q}`)).status).toBe(204);
    expect((await rest(service, 'HEAD', `${hub}/groups/g${q}`)).status).toBe(404);

    const unknownConnection = await rest(service, 'PUT', `${hub}/groups/g/connections/nope${q}`);
    expect(unknownConnection.status).toBe(404);
    expect(await unknownConnection.json()).toMatchObject({ code: 'Error.Connection.NotExisted' });
    expect((await rest(service, 'PUT', `${hub}/groups/g/connections/${id}${q}`)).status).toBe(200);
    expect((await rest(service, 'DELETE', `${hub}/groups/g/connections/${id}${q}`)).status).toBe(200);
    expect((await rest(service, 'DELETE', `${hub}/groups/g/connections/${id}${q}`)).status).toBe(200);
  });

  it('refuses bad input with 400/404/405 and a message saying what is wrong', async () => {
    const service = await fixture.start();
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/hubs/9lives/:send', { target: 't' }, 400, /invalid hub name/],
      ['POST', `/api/hubs/${HUB}/:send`, { arguments: [] }, 400, /target/],
      ['POST', `/api/hubs/${HUB}/:send`, { target: 't', arguments: 'x' }, 400, /arguments/],
      ['PUT', `/api/hubs/${HUB}/users/u/groups/g?ttl=soon`, undefined, 400, /ttl/],
      ['POST', `/api/hubs/${HUB}/nothing`, undefined, 404, /no REST operation/],
      ['PATCH', `/api/hubs/${HUB}/users/u`, undefined, 405, /PATCH/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await rest(service, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    const client = createSignalRRestClient(service.connectionString);
    const failure = await client.sendToAll('9lives', { target: 't', arguments: [] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SignalRRestError);
    expect(failure).toMatchObject({ status: 400, errorCode: 'Error.BadRequest' });
  });

  it("applies a user's group to connections opened later, until its ttl runs out", async () => {
    const clock = new ManualClock(Date.now());
    // A long client timeout keeps the first connection open while the clock jumps past the ttl.
    const service = await fixture.start({ clock, clientTimeoutMs: 3_600_000 });
    const key = accessKeyOf(service);
    const client = createSignalRRestClient(service.connectionString);
    await client.addUserToGroup(HUB, 'short', 'alice', { ttlSeconds: 60 });
    await client.addUserToGroup(HUB, 'forever', 'alice');
    await client.addUserToGroup(HUB, 'now-only', 'alice', { ttlSeconds: 0 });

    const early = await fixture.connect(service, key, { userId: 'alice' });
    const inbox = new Inbox(early, 'm');
    expect(await client.userInGroup(HUB, 'short', 'alice')).toBe(true);
    expect(await client.userInGroup(HUB, 'now-only', 'alice')).toBe(false);
    await client.sendToGroup(HUB, 'short', { target: 'm', arguments: ['short, in time'] });
    expect(await inbox.nth(0)).toEqual(['short, in time']);

    clock.advance(59_999);
    expect(await client.userInGroup(HUB, 'short', 'alice')).toBe(true);
    clock.advance(1);
    const late = await fixture.connect(service, key, { userId: 'alice' });
    const lateInbox = new Inbox(late, 'm');
    // The membership ended when granted: the connected user left the group with it, and a new one never joins.
    expect(await client.userInGroup(HUB, 'short', 'alice')).toBe(false);
    expect(await client.groupExists(HUB, 'short')).toBe(false);
    await client.sendToGroup(HUB, 'short', { target: 'm', arguments: ['short, too late'] });
    await client.sendToGroup(HUB, 'forever', { target: 'm', arguments: ['forever'] });
    expect(await inbox.nth(1)).toEqual(['forever']);
    expect(inbox.received).toEqual([['short, in time'], ['forever']]);
    expect(await lateInbox.nth(0)).toEqual(['forever']);
    expect(lateInbox.received).toEqual([['forever']]);
  });

  it('ends a re-granted membership at its new expiry, not the old one', async () => {
    const clock = new ManualClock(Date.now());
    const service = await fixture.start({ clock, clientTimeoutMs: 3_600_000 });
    const connection = await fixture.connect(service, accessKeyOf(service), { userId: 'alice' });
    const client = createSignalRRestClient(service.connectionString);
    await client.addUserToGroup(HUB, 'g', 'alice', { ttlSeconds: 10 });
    clock.advance(5_000);
    await client.addUserToGroup(HUB, 'g', 'alice', { ttlSeconds: 10 });
    clock.advance(6_000);
    expect(await client.userInGroup(HUB, 'g', 'alice')).toBe(true);
    clock.advance(4_000);
    expect(await client.userInGroup(HUB, 'g', 'alice')).toBe(false);
    expect(await client.connectionExists(HUB, connection.connectionId!)).toBe(true);
  });

  it.each(['.', '..', '__proto__', 'constructor', 'hasOwnProperty', 'a/b', '%2E%2E', ':send'])(
    'keeps user id %j one path segment end to end: groups, sends and checks reach that user only',
    async (userId) => {
      const service = await fixture.start();
      const key = accessKeyOf(service);
      const client = createSignalRRestClient(service.connectionString);
      const [target, bystander] = await Promise.all([
        fixture.connect(service, key, { userId }),
        fixture.connect(service, key, { userId: 'zed' }),
      ]);
      const [inbox, bystanderInbox] = [new Inbox(target, 'm'), new Inbox(bystander, 'm')];
      await client.addUserToGroup(HUB, `user-${userId}`, userId);
      expect(await client.userInGroup(HUB, `user-${userId}`, userId)).toBe(true);
      expect(await client.userExists(HUB, userId)).toBe(true);
      expect(await client.groupExists(HUB, `user-${userId}`)).toBe(true);
      await client.sendToGroup(HUB, `user-${userId}`, { target: 'm', arguments: ['group'] });
      await client.sendToUser(HUB, userId, { target: 'm', arguments: ['user'] });
      await client.sendToAll(HUB, { target: 'm', arguments: ['all'] });
      expect(await inbox.nth(2)).toEqual(['all']);
      expect(inbox.received).toEqual([['group'], ['user'], ['all']]);
      expect(await bystanderInbox.nth(0)).toEqual(['all']);
      expect(bystanderInbox.received).toEqual([['all']]);
      await client.removeUserFromAllGroups(HUB, userId);
      expect(await client.userInGroup(HUB, `user-${userId}`, userId)).toBe(false);
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain(`user-${userId}`);
    },
  );

  it('closes a connection with its reason, and tolerates closing one that is gone', async () => {
    const service = await fixture.start();
    const connection = await fixture.connect(service, accessKeyOf(service), { userId: 'alice' });
    const client = createSignalRRestClient(service.connectionString);
    const id = connection.connectionId!;
    const ended = closed(connection);
    await client.closeConnection(HUB, id, 'maintenance');
    expect((await ended)?.message).toMatch(/maintenance/);
    await expect(client.closeConnection(HUB, id)).resolves.toBeUndefined();
    expect(await client.connectionExists(HUB, id)).toBe(false);
  });
});
