import type { SendMessage, ServiceBusBroker } from '../../../servicebus/index.js';
import { withMessageTraceContext } from '../../../telemetry/index.js';
import type { BindingContext } from '../shared/bindingAdapter.js';

/**
 * Sends as the extension's SDK does with tracing on: a producer span under the invocation, and its context on
 * every message (`Diagnostic-Id`, `traceparent`) that does not carry one already, so the trigger that receives
 * the message continues this trace. Unrecorded, the messages go as they are.
 */
export async function sendTraced(
  broker: ServiceBusBroker,
  entity: string,
  messages: SendMessage[],
  ctx: BindingContext,
): Promise<void> {
  if (!ctx.span) {
    await broker.send(entity, messages);
    return;
  }
  const span = ctx.telemetry.startSpan('host', `send ${entity}`, {
    kind: 'producer',
    parent: ctx.span,
    attributes: {
      'messaging.system': 'servicebus',
      'messaging.operation.type': 'send',
      'messaging.destination.name': entity,
      'messaging.batch.message_count': messages.length,
    },
  });
  const context = { traceParent: span.traceParent, traceState: span.traceState };
  try {
    await broker.send(
      entity,
      messages.map((m) => ({ ...m, applicationProperties: withMessageTraceContext(m.applicationProperties, context) })),
    );
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}
