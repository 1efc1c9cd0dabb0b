import type { ConnectionContext, LinkHandler } from './context.js';
import { UnauthorizedError, verifySasToken } from './auth.js';
import { toAmqpError } from './errors.js';
import { replyTo, takeRequest } from './requests.js';

const SAS_TOKEN_TYPE = 'servicebus.windows.net:sastoken';

/**
 * `$cbs` put-token: a SAS token is verified against the namespace's keys and grants its audience to the
 * connection until it expires. Microsoft Entra ID tokens (JWT) cannot be verified here and are refused.
 */
function putToken(ctx: ConnectionContext, props: Record<string, unknown>, token: unknown): void {
  if (props.operation !== 'put-token') throw new TypeError(`$cbs operation '${String(props.operation)}' is unknown.`);
  if (props.type === 'jwt') {
    throw new UnauthorizedError(
      'Microsoft Entra ID tokens (JWT) are not supported by the local Service Bus broker: connect with the emulator connection string (SharedAccessKeyName and SharedAccessKey).',
    );
  }
  if (props.type !== SAS_TOKEN_TYPE) throw new TypeError(`Token type '${String(props.type)}' is not supported.`);
  if (typeof token !== 'string' || typeof props.name !== 'string') {
    throw new TypeError('put-token needs the token as a string body and its audience as "name".');
  }
  const expiresAt = verifySasToken(token, props.name, ctx.keys, ctx.broker.clock.now());
  ctx.grants.grant(props.name, expiresAt);
}

export function cbsRequests(ctx: ConnectionContext): LinkHandler {
  return {
    message(context) {
      const request = takeRequest(ctx, context);
      if (!request) return;
      let reply = { status: 202, description: 'Accepted' };
      try {
        putToken(ctx, (request.application_properties ?? {}) as Record<string, unknown>, request.body);
      } catch (error) {
        reply = toAmqpError(error);
      }
      replyTo(ctx, request, { 'status-code': reply.status, 'status-description': reply.description });
    },
  };
}
