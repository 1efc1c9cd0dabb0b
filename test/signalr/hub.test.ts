import { describe, expect, it } from 'vitest';
import { ServiceConnection, type ConnectionEvents } from '../../local/signalr/connection.js';
import { Hub } from '../../local/signalr/hub.js';

const events: ConnectionEvents = {
  serviceTime: () => 0,
  standardQuery: () => '',
  connected: () => {},
  invocation: () => {},
  closed: () => {},
};
let next = 0;
const connectionOf = (userId: string | undefined) =>
  new ServiceConnection(`c${++next}`, 'orders', userId === undefined ? {} : { nameid: userId }, events);

describe("a hub's user index", () => {
  it('finds each user exactly their live connections, as they come and go in any order', () => {
    const hub = new Hub('orders');
    const [a1, a2, a3, b1] = [connectionOf('alice'), connectionOf('alice'), connectionOf('alice'), connectionOf('bob')];
    const anonymous = connectionOf(undefined);
    for (const connection of [a1, a2, b1, anonymous]) hub.add(connection);
    hub.add(a1); // adding twice changes nothing
    expect([...hub.userConnections('alice')]).toEqual([a1, a2]);
    expect([...hub.userConnections('bob')]).toEqual([b1]);
    expect([...hub.userConnections('carol')]).toEqual([]);
    expect(hub.userCount).toBe(2);

    hub.remove(a1);
    expect([...hub.userConnections('alice')]).toEqual([a2]);
    hub.add(a3);
    hub.add(a1);
    expect(new Set(hub.userConnections('alice'))).toEqual(new Set([a1, a2, a3]));
    hub.remove(a2);
    hub.remove(a3);
    hub.remove(a3); // removing twice changes nothing
    expect([...hub.userConnections('alice')]).toEqual([a1]);
    hub.remove(a1);
    hub.remove(b1);
    expect([hub.hasUser('alice'), hub.hasUser('bob'), hub.userCount]).toEqual([false, false, 0]);
    expect([...hub.connections.values()]).toEqual([anonymous]);
  });

  it('takes a removed connection out of every group, and drops groups left empty', () => {
    const hub = new Hub('orders');
    const [a, b] = [connectionOf('alice'), connectionOf('bob')];
    hub.add(a);
    hub.add(b);
    hub.join(a, 'g1');
    hub.join(a, 'g2');
    hub.join(b, 'g2');
    hub.remove(a);
    expect([...hub.groups.keys()]).toEqual(['g2']);
    expect([...hub.groups.get('g2')!]).toEqual([b]);
    expect(a.groups).toBeUndefined();
  });
});
