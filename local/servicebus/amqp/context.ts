import type { Delivery, EventContext, Message, Sender } from 'rhea';
import type { ServiceBusBroker } from '../broker.js';
import type { ConnectionGrants, SharedAccessKeys } from './auth.js';

/** What every link of one connection works with. */
export type ConnectionContext = {
  broker: ServiceBusBroker;
  keys: SharedAccessKeys;
  grants: ConnectionGrants;
  /** The namespace host the client named (its open frame's hostname), for Service Bus's error wording. */
  host(): string;
  /** Sends a response on the client's reply link (a `$cbs` or `$management` receiver) named by `reply_to`. */
  reply(replyTo: string, message: Message): void;
  log(message: string): void;
};

/** The endpoint's side of one attached link; the connection routes the link's events to it. */
export type LinkHandler = {
  /** A transfer from the client (client sender links). */
  message?(context: EventContext): void;
  /** New credit, or a drain request (client receiver links). */
  flow?(sender: Sender, draining: boolean): void;
  /** The client's disposition of a delivery this side sent. */
  settle?(delivery: Delivery): void;
  closed?(): void;
};
