import type { link, Receiver, Sender } from 'rhea';
import { maxMessageBytes } from '../message.js';
import { cbsRequests } from './cbs.js';
import type { ConnectionContext, LinkHandler } from './context.js';
import { entityNotFoundError, toAmqpError, UnsupportedError, type ErrorReply } from './errors.js';
import { incomingMessages } from './incoming.js';
import { managementRequests } from './management.js';
import { outgoingMessages } from './outgoing.js';
import { setLocalAttach } from './rheaInternals.js';

const CBS = '$cbs';
const MANAGEMENT_SUFFIX = '/$management';
const SESSION_FILTER = 'com.microsoft:session-filter';

/** Refuses a link the way Service Bus does: the attach (already answered) is followed by a detach with the error. */
function refuse(endpoint: link, error: ErrorReply): LinkHandler {
  endpoint.close({ condition: error.condition, description: error.description });
  return {};
}

/** Echoes the client's terminus, so the attach it gets back names the same source and target. */
function echoTermini(endpoint: link): void {
  if (endpoint.source) endpoint.set_source(endpoint.source);
  if (endpoint.target) endpoint.set_target(endpoint.target);
}

function authorize(ctx: ConnectionContext, address: string): ErrorReply | undefined {
  try {
    ctx.grants.check(address, ctx.broker.clock.now());
    return undefined;
  } catch (error) {
    return toAmqpError(error);
  }
}

function resolve(ctx: ConnectionContext, address: string) {
  try {
    return ctx.broker.resolvePath(address);
  } catch {
    return undefined;
  }
}

/** A client's sender link: `$cbs` requests, `<entity>/$management` requests, or messages for a queue or topic. */
export function openIncoming(ctx: ConnectionContext, receiver: Receiver): LinkHandler {
  echoTermini(receiver);
  const address = String(receiver.target?.address ?? '');
  if (address === CBS) return cbsRequests(ctx);
  if (address === '') {
    // A transaction coordinator, or an anonymous relay link: neither is offered.
    const error = new UnsupportedError(
      'Transactions and links without a target address are not supported by the local broker.',
    );
    return refuse(receiver, toAmqpError(error));
  }
  const denied = authorize(ctx, address);
  if (denied) return refuse(receiver, denied);
  if (address.endsWith(MANAGEMENT_SUFFIX)) {
    const entity = resolve(ctx, address.slice(0, -MANAGEMENT_SUFFIX.length));
    if (!entity) return refuse(receiver, entityNotFoundError(address, ctx.host()));
    return managementRequests(ctx, entity.path);
  }
  const entity = resolve(ctx, address);
  if (!entity) return refuse(receiver, entityNotFoundError(address, ctx.host()));
  if (entity.kind !== 'queue' && entity.kind !== 'topic') {
    return refuse(receiver, {
      condition: 'amqp:not-allowed',
      status: 400,
      description: `Cannot send to '${address}': send to a queue or a topic, not to a subscription or dead-letter queue.`,
    });
  }
  setLocalAttach(receiver, { max_message_size: maxMessageBytes });
  return incomingMessages(ctx, entity.path);
}

function hasSessionFilter(sender: Sender): boolean {
  const filter = (sender.source as { filter?: Record<string, unknown> } | undefined)?.filter;
  return filter !== undefined && filter !== null && SESSION_FILTER in filter;
}

/** A client's receiver link: a `$cbs` / `$management` reply link, or messages from a queue, subscription or DLQ. */
export function openOutgoing(ctx: ConnectionContext, sender: Sender, replyLinks: Map<string, Sender>): LinkHandler {
  // A refused session receiver gets no source back: the SDKs then report the detach error (or, asked for one
  // particular session, that it could not be locked) rather than a half-open session.
  if (hasSessionFilter(sender)) {
    return refuse(sender, toAmqpError(new UnsupportedError('Sessions are not supported by the local broker.')));
  }
  echoTermini(sender);
  const address = String(sender.source?.address ?? '');
  if (address === CBS || address.endsWith(MANAGEMENT_SUFFIX)) {
    // Responses go to the link whose name or target address the request's reply-to names.
    const keys = [sender.name, sender.target?.address].filter((k): k is string => typeof k === 'string');
    for (const key of keys) replyLinks.set(key, sender);
    return { closed: () => keys.forEach((key) => replyLinks.get(key) === sender && replyLinks.delete(key)) };
  }
  const denied = authorize(ctx, address);
  if (denied) return refuse(sender, denied);
  const entity = resolve(ctx, address);
  if (!entity) return refuse(sender, entityNotFoundError(address, ctx.host()));
  if (entity.kind === 'topic') {
    return refuse(sender, {
      condition: 'amqp:not-allowed',
      status: 400,
      description: `Cannot receive from topic '${address}': receive from '${address}/Subscriptions/<subscription>'.`,
    });
  }
  // Receive-and-delete clients ask for pre-settled deliveries; peek-lock ones settle second.
  const receiveAndDelete = sender.snd_settle_mode === 1;
  setLocalAttach(sender, { snd_settle_mode: receiveAndDelete ? 1 : 0, rcv_settle_mode: receiveAndDelete ? 0 : 1 });
  return outgoingMessages(ctx, sender, entity.path, receiveAndDelete ? 'receiveAndDelete' : 'peekLock');
}
