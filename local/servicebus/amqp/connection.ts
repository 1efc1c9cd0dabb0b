import type { Connection, EventContext, link, Message, Sender } from 'rhea';
import type { ServiceBusBroker } from '../broker.js';
import { openIncoming, openOutgoing } from './attach.js';
import type { ConnectionGrants, SharedAccessKeys } from './auth.js';
import type { ConnectionContext, LinkHandler } from './context.js';

export type ConnectionDeps = {
  broker: ServiceBusBroker;
  keys: SharedAccessKeys;
  grants: ConnectionGrants;
  log(message: string): void;
};

/** Errors arrive again as close events (handled below); listening keeps rhea from raising them on the container. */
const errorEvents = ['connection_error', 'session_error', 'sender_error', 'receiver_error', 'protocol_error', 'error'];

/**
 * Serves one client connection: routes each link's events to the handler its attach chose, and drops the
 * handlers when links, sessions or the connection go away. Locks outlive their link until they expire, as in
 * Service Bus (a client can still settle through `$management`).
 */
export function serveConnection(connection: Connection, deps: ConnectionDeps): void {
  const handlers = new Map<link, LinkHandler>();
  const replyLinks = new Map<string, Sender>();
  const ctx: ConnectionContext = {
    ...deps,
    host: () => connection.hostname ?? 'localhost',
    reply(address: string, message: Message) {
      const sender = replyLinks.get(address);
      if (sender?.is_open()) sender.send(message);
      else deps.log(`no reply link '${address}' for a response`);
    },
  };
  // rhea dispatches the dispositions that came in with a detach or close only after it handled that frame:
  // the handler stays until then, so a client's last settlements before it went away still count.
  const drop = (endpoint: link | undefined) => {
    if (!endpoint) return;
    setImmediate(() => {
      handlers.get(endpoint)?.closed?.();
      handlers.delete(endpoint);
    });
  };
  connection.on('receiver_open', (c: EventContext) => handlers.set(c.receiver!, openIncoming(ctx, c.receiver!)));
  connection.on('sender_open', (c: EventContext) => handlers.set(c.sender!, openOutgoing(ctx, c.sender!, replyLinks)));
  connection.on('message', (c: EventContext) => handlers.get(c.receiver!)?.message?.(c));
  connection.on('sender_flow', (c: EventContext) => handlers.get(c.sender!)?.flow?.(c.sender!, false));
  connection.on('sender_draining', (c: EventContext) => handlers.get(c.sender!)?.flow?.(c.sender!, true));
  for (const outcome of ['accepted', 'rejected', 'modified', 'released']) {
    connection.on(outcome, (c: EventContext) => handlers.get(c.sender!)?.settle?.(c.delivery!));
  }
  connection.on('receiver_close', (c: EventContext) => drop(c.receiver));
  connection.on('sender_close', (c: EventContext) => drop(c.sender));
  connection.on('session_close', (c: EventContext) => {
    for (const endpoint of [...handlers.keys()]) if (endpoint.session === c.session) drop(endpoint);
  });
  const dropAll = () => [...handlers.keys()].forEach(drop);
  connection.on('connection_close', dropAll);
  connection.on('disconnected', dropAll);
  for (const event of errorEvents) connection.on(event, () => undefined);
}
