// The few places where a server needs more of rhea than its typings expose: accepting a socket, the attach frame
// a server sends back, a sender's credit, and a delivery's remote settlement. Built against rhea 3.0.x; each
// accessor checks that the internal it needs is there, so an rhea upgrade that moves one fails loudly.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import rhea, { type AmqpError, type Connection, type Delivery, type link, type Message, type Sender } from 'rhea';

const { version } = createRequire(import.meta.url)('rhea/package.json') as { version: string };
if (!version.startsWith('3.')) {
  throw new Error(`The Service Bus AMQP endpoint is built against rhea 3.x; rhea ${version} is installed.`);
}

function missing(what: string): never {
  throw new Error(`rhea ${version} no longer has ${what}, which the Service Bus AMQP endpoint relies on.`);
}

export type AttachFields = {
  max_message_size?: number;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  properties?: Record<string, unknown>;
};

/** A fresh rhea container for one server (its own SASL mechanisms and options). */
export function createContainer(options: Record<string, unknown>) {
  return rhea.create_container(options);
}

/** Runs the AMQP protocol (SASL first) on an accepted socket. */
export function acceptSocket(
  container: ReturnType<typeof createContainer>,
  options: Record<string, unknown>,
  socket: Socket,
): Connection {
  const create = container.create_connection.bind(container) as unknown as (o: Record<string, unknown>) => Connection;
  const connection = create(options) as Connection & { accept?: (s: Socket) => Connection };
  if (typeof connection.accept !== 'function') missing('Connection.accept');
  return connection.accept(socket);
}

/** Fields of the attach frame this side sends back; set while handling the remote attach, before it is written. */
export function setLocalAttach(endpoint: link, fields: AttachFields): void {
  const attach = (endpoint as unknown as { local?: { attach?: Record<string, unknown> } }).local?.attach;
  if (!attach) missing('link.local.attach');
  Object.assign(attach, fields);
}

type OutgoingInternals = {
  available(): number;
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined };
};

/**
 * How many more deliveries the sender may start now: its link credit, less what it queued that rhea has not
 * transferred yet (credit only drops on transfer), bounded by the session's delivery buffer (2048 deep).
 */
export function sendRoom(sender: Sender): number {
  const internals = sender as unknown as { credit?: number; session: { outgoing?: OutgoingInternals } };
  const outgoing = internals.session.outgoing;
  if (typeof internals.credit !== 'number' || typeof outgoing?.available !== 'function') missing('Sender.credit');
  let queued = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === sender) queued++;
  }
  return Math.max(0, Math.min(internals.credit - queued, outgoing.available()));
}

/**
 * In rcv-settle-mode second the sender settles last and the receiver sends nothing more; rhea keeps such a
 * delivery in the session's buffer (2048 deep) until told the peer is done with it.
 */
export function forgetSettled(delivery: Delivery): void {
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

type Described = { described(): unknown };

/** rhea's message codec and outcomes, typed as they are (its typings leave these out). */
export const amqpMessage = rhea.message as unknown as {
  encode(message: Message): Buffer;
  decode(bytes: Buffer): Message;
  data_section(bytes: Buffer): unknown;
  data_sections(parts: Buffer[]): unknown;
  accepted(): Described;
  rejected(fields: { error: AmqpError }): Described;
};

export const amqpTypes = rhea.types as typeof rhea.types & {
  Writer: new () => { write(value: unknown): void; toBuffer(): Buffer };
  List8(items: unknown[]): unknown;
};

/**
 * An AMQP list. An empty one is written as a list8 of no items rather than rhea's list0: rhea decodes every
 * list0 into one shared array that its composites then write into, so a peer on rhea would see junk there.
 */
export function amqpList(items: unknown[]): unknown {
  return items.length === 0 ? amqpTypes.List8([]) : amqpTypes.wrap_list(items);
}

/** The settled outcome Service Bus answers with: accepted, or rejected with the error. */
export function outcome(error?: AmqpError): unknown {
  return error ? amqpMessage.rejected({ error }).described() : amqpMessage.accepted().described();
}
