import type { IncomingMessage } from 'node:http';
import type { Telemetry } from '../telemetry/index.js';

export type AuthOutcome = 'authenticated' | 'refused' | 'signed in' | 'signed out';

/**
 * What Easy Auth decided for a traced request, as a span under the request's: who the caller is (`enduser.id`,
 * also set on the request's span, so a trace can be found by its user) or why it was refused.
 */
export function traceAuth(
  telemetry: Telemetry | undefined,
  req: IncomingMessage,
  outcome: AuthOutcome,
  details: { userId?: string; reason?: string } = {},
): void {
  const request = telemetry?.recording ? telemetry.spanOf(req) : undefined;
  if (!telemetry || !request) return;
  if (details.userId !== undefined) request.set({ 'enduser.id': details.userId });
  const span = telemetry.startSpan('auth', `EasyAuth ${outcome}`, {
    parent: request,
    attributes: { 'enduser.id': details.userId, 'easyauth.provider': 'dev', 'easyauth.outcome': outcome },
  });
  if (outcome === 'refused') span.fail(details.reason ?? 'refused');
  span.end();
}
