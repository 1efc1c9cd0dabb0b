import * as z from 'zod';
import { ServiceBusError, type ServiceBusBroker } from '../servicebus/index.js';
import type { Problem } from '../shared/problemJson.js';
import { withMessageTraceContext, type Telemetry } from '../telemetry/index.js';
import { localProblems } from './localProblems.js';

const entity = z.string({ error: 'must be an entity path' }).min(1, { error: 'must be an entity path' }).max(260);
const property = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'application property values must be strings, numbers, booleans or null',
});

const schemas = {
  resubmit: z.strictObject({ entity, sequenceNumber: z.number().int().positive() }),
  purge: z.strictObject({ entity }),
  send: z.strictObject({
    entity,
    body: z.string({ error: 'must be the message body as text' }),
    contentType: z.string().max(256).optional(),
    subject: z.string().max(256).optional(),
    applicationProperties: z.record(z.string(), property).optional(),
  }),
};

export type ActionName = keyof typeof schemas;
export const ACTION_NAMES = Object.keys(schemas) as ActionName[];

export type ActionResult = { status: number; body: unknown } | { problem: Problem };

/** What a broker error means to the operator who asked. */
function problemFor(error: unknown): Problem {
  if (error instanceof ServiceBusError) {
    const status = { MessagingEntityNotFound: 404, MessageNotFound: 404, MessageSizeExceeded: 413, BrokerClosed: 503 };
    return localProblems.refused(status[error.code as keyof typeof status] ?? 409, error.message);
  }
  if (error instanceof TypeError || error instanceof RangeError) return localProblems.refused(400, error.message);
  throw error;
}

/**
 * The inspector's state-changing Service Bus actions (the caller checked the master key and the origin): resubmit
 * a dead letter to its entity, purge an entity, send a test message — traced as a new root, with its context on
 * the message as an SDK would put it, so its deliveries show up under it.
 */
export async function runAction(
  name: ActionName,
  input: unknown,
  deps: { broker: ServiceBusBroker; telemetry: Telemetry },
): Promise<ActionResult> {
  const parsed = schemas[name].safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: localProblems.badField(issue.path.join('.') || 'body', issue.message) };
  }
  try {
    if (name === 'resubmit') {
      const { entity: path, sequenceNumber } = parsed.data as z.infer<typeof schemas.resubmit>;
      return { status: 200, body: await deps.broker.resubmitDeadLetter(path, sequenceNumber) };
    }
    if (name === 'purge') {
      const { entity: path } = parsed.data as z.infer<typeof schemas.purge>;
      return { status: 200, body: { purged: await deps.broker.purge(path) } };
    }
    return { status: 202, body: await sendTestMessage(parsed.data as z.infer<typeof schemas.send>, deps) };
  } catch (error) {
    return { problem: problemFor(error) };
  }
}

async function sendTestMessage(
  message: z.infer<typeof schemas.send>,
  { broker, telemetry }: { broker: ServiceBusBroker; telemetry: Telemetry },
): Promise<{ sent: string; traceId?: string }> {
  const { entity: path, applicationProperties, ...fields } = message;
  if (!telemetry.recording) {
    await broker.send(path, [{ ...fields, applicationProperties }]);
    return { sent: path };
  }
  const span = telemetry.startSpan('host', `inspector: send test message to ${path}`, {
    kind: 'producer',
    attributes: { 'messaging.system': 'servicebus', 'messaging.destination.name': path },
  });
  try {
    const traced = withMessageTraceContext(applicationProperties, { traceParent: span.traceParent });
    await broker.send(path, [{ ...fields, applicationProperties: traced }]);
    return { sent: path, traceId: span.traceId };
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}
