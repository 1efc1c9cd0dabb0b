import type { ConnectionContext, LinkHandler } from './context.js';
import { toAmqpError, UnsupportedError } from './errors.js';
import { messageOperations, type Operation, type Reply } from './messageOperations.js';
import { replyTo, takeRequest } from './requests.js';
import { ruleOperations } from './ruleOperations.js';

const operations: Record<string, Operation> = { ...messageOperations, ...ruleOperations };

const statusText: Record<number, string> = { 200: 'OK', 204: 'No Content' };

function run(ctx: ConnectionContext, entityPath: string, name: unknown, body: unknown): Promise<Reply> {
  const operation = typeof name === 'string' ? operations[name] : undefined;
  if (!operation) {
    const what = String(name);
    const why = /session/.test(what) ? ' (sessions are not supported by the local broker)' : '';
    return Promise.reject(new UnsupportedError(`The $management operation '${what}' is not supported${why}.`));
  }
  const map = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return operation(ctx, entityPath, map);
}

/**
 * An entity's `$management` request link: each request names its operation in application property
 * `operation`; the answer carries `statusCode` and `statusDescription` (camel case, as Service Bus answers
 * management requests) and, on failure, the `errorCondition`.
 */
export function managementRequests(ctx: ConnectionContext, entityPath: string): LinkHandler {
  return {
    message(context) {
      const request = takeRequest(ctx, context);
      if (!request) return;
      const props = (request.application_properties ?? {}) as Record<string, unknown>;
      // Run after the current frame, so an operation that throws synchronously still gets an answer.
      Promise.resolve()
        .then(() => run(ctx, entityPath, props.operation, request.body))
        .then(
          ({ status, body }) =>
            replyTo(ctx, request, { statusCode: status, statusDescription: statusText[status] ?? 'OK' }, body),
          (error: unknown) => {
            const { status, condition, description } = toAmqpError(error);
            replyTo(ctx, request, { statusCode: status, statusDescription: description, errorCondition: condition });
          },
        );
    },
  };
}
