import { afterEach, describe, expect, it } from 'vitest';
import { createSignalRRestClient } from '../../local/signalr/restClient.js';
import { accessKeyOf, Fixture, HUB, Inbox, TRANSPORTS } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

describe.each(TRANSPORTS)('the real @microsoft/signalr client over %s', (name, transport) => {
  it('receives user, group and broadcast sends for its own user only, in every session', async () => {
    const service = await fixture.start();
    const key = accessKeyOf(service);
    const rest = createSignalRRestClient(service.connectionString);
    // Membership by user is remembered before the user connects, as in Azure.
    await rest.addUserToGroup(HUB, 'user-alice', 'alice');

    const alice1 = await fixture.connect(service, key, { userId: 'alice', transport });
    const alice2 = await fixture.connect(service, key, { userId: 'alice', transport });
    const bob = await fixture.connect(service, key, { userId: 'bob', transport });
    const inboxes = [alice1, alice2, bob].map((c) => new Inbox(c, 'orderStatus'));
    expect(service.stats().transports[lowerFirst(name)]).toBe(3);

    await rest.sendToUser(HUB, 'alice', { target: 'orderStatus', arguments: [{ n: 1 }] });
    await rest.sendToGroup(HUB, 'user-alice', { target: 'orderStatus', arguments: [{ n: 2 }, 'second'] });
    await rest.sendToAll(HUB, { target: 'orderStatus', arguments: [{ n: 3 }] });

    for (const inbox of inboxes.slice(0, 2)) {
      expect(await inbox.nth(2)).toEqual([{ n: 3 }]);
      expect(inbox.received).toEqual([[{ n: 1 }], [{ n: 2 }, 'second'], [{ n: 3 }]]);
    }
    // Messages to one connection arrive in order, so once bob has the broadcast he has had everything for him.
    expect(await inboxes[2]!.nth(0)).toEqual([{ n: 3 }]);
    expect(inboxes[2]!.received).toHaveLength(1);
  });

  // WebSocket frames carry their length in 7, 16 or 64 bits; each size class, in order, to two connections at once.
  it('delivers messages of every frame length whole and in order', async () => {
    const service = await fixture.start();
    const key = accessKeyOf(service);
    const rest = createSignalRRestClient(service.connectionString);
    const clients = [
      await fixture.connect(service, key, { userId: 'alice', transport }),
      await fixture.connect(service, key, { userId: 'bob', transport }),
    ];
    const inboxes = clients.map((c) => new Inbox(c, 'orderStatus'));
    const texts = [10, 90, 126, 1_000, 65_535, 70_000].map((n, i) => String(i).repeat(n));
    for (const text of texts) await rest.sendToAll(HUB, { target: 'orderStatus', arguments: [text] });
    for (const inbox of inboxes) {
      await inbox.nth(texts.length - 1);
      expect(inbox.received).toEqual(texts.map((text) => [text]));
    }
  });
});

function lowerFirst(name: string): 'webSockets' | 'serverSentEvents' | 'longPolling' {
  return (name[0]!.toLowerCase() + name.slice(1)) as 'webSockets' | 'serverSentEvents' | 'longPolling';
}
