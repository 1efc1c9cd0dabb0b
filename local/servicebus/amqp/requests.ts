import type { EventContext, Message } from 'rhea';
import type { ConnectionContext } from './context.js';
import { outcome } from './rheaInternals.js';

/**
 * Takes a request from a client's request link (`$cbs`, `$management`): settles its delivery at once (the
 * answer travels as a message) and hands back the request, or undefined when it names no reply link.
 */
export function takeRequest(ctx: ConnectionContext, context: EventContext): Message | undefined {
  context.delivery?.update(true, outcome());
  const request = context.message;
  if (!request || typeof request.reply_to !== 'string') {
    ctx.log('dropped a request without reply-to');
    return undefined;
  }
  return request;
}

export function replyTo(
  ctx: ConnectionContext,
  request: Message,
  applicationProperties: Record<string, unknown>,
  body: unknown = {},
): void {
  ctx.reply(request.reply_to!, {
    correlation_id: request.message_id,
    application_properties: applicationProperties,
    body,
  });
}
