import type { AmqpError } from 'rhea';
import { ServiceBusError, type ServiceBusErrorCode } from '../errors.js';
import { UnauthorizedError } from './auth.js';

/** The AMQP error condition and `$management` status code Service Bus answers for each broker error. */
const byCode: Record<ServiceBusErrorCode, { condition: string; status: number }> = {
  MessagingEntityNotFound: { condition: 'amqp:not-found', status: 404 },
  MessagingEntityAlreadyExists: { condition: 'com.microsoft:entity-already-exists', status: 409 },
  MessageLockLost: { condition: 'com.microsoft:message-lock-lost', status: 410 },
  MessageNotFound: { condition: 'com.microsoft:message-not-found', status: 404 },
  MessageSizeExceeded: { condition: 'amqp:link:message-size-exceeded', status: 413 },
  InvalidOperation: { condition: 'amqp:not-allowed', status: 400 },
  BrokerClosed: { condition: 'com.microsoft:server-busy', status: 503 },
};

/** Something Service Bus offers that the local broker refuses (sessions, SQL filters, rule actions). */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

export type ErrorReply = AmqpError & { condition: string; description: string; status: number };

/** Any failure while serving a client, as the error Service Bus would send. */
export function toAmqpError(error: unknown): ErrorReply {
  if (error instanceof ServiceBusError) return { ...byCode[error.code], description: error.message };
  if (error instanceof UnsupportedError) {
    return { condition: 'amqp:not-implemented', status: 501, description: error.message };
  }
  if (error instanceof UnauthorizedError) {
    return { condition: 'amqp:unauthorized-access', status: 401, description: error.message };
  }
  // Bad input (validation names the field): non-retryable in the SDKs, as Service Bus's own argument errors.
  if (error instanceof TypeError || error instanceof RangeError) {
    return { condition: 'com.microsoft:argument-error', status: 400, description: error.message };
  }
  return { condition: 'amqp:internal-error', status: 500, description: `Internal error: ${String(error)}` };
}

/** Service Bus's wording for an unknown entity, which the SDKs turn into MessagingEntityNotFound. */
export function entityNotFoundError(address: string, host: string): ErrorReply {
  return {
    condition: 'amqp:not-found',
    status: 404,
    description: `The messaging entity 'sb://${host}/${address}' could not be found.`,
  };
}
