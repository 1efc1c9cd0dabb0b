/** Error codes named after the Service Bus exception reasons a client would see. */
export type ServiceBusErrorCode =
  | 'MessagingEntityNotFound'
  | 'MessagingEntityAlreadyExists'
  | 'MessageLockLost'
  | 'MessageNotFound'
  | 'MessageSizeExceeded'
  | 'InvalidOperation'
  | 'BrokerClosed';

export class ServiceBusError extends Error {
  readonly code: ServiceBusErrorCode;

  constructor(code: ServiceBusErrorCode, message: string) {
    super(message);
    this.name = 'ServiceBusError';
    this.code = code;
  }
}

export function entityNotFound(path: string): ServiceBusError {
  return new ServiceBusError('MessagingEntityNotFound', `The messaging entity '${path}' could not be found.`);
}

export function lockLost(path: string, lockToken: string): ServiceBusError {
  return new ServiceBusError(
    'MessageLockLost',
    `The lock '${lockToken}' on '${path}' is not held: it expired, the message was already settled, or the token is unknown.`,
  );
}

/** A resubmit named a message that is not an unlocked dead letter of `path` (or `path` is no dead-letter queue). */
export function deadLetterNotFound(path: string, sequenceNumber: number, isDeadLetterQueue: boolean): ServiceBusError {
  if (!isDeadLetterQueue) {
    return new ServiceBusError(
      'InvalidOperation',
      `'${path}' is not a dead-letter queue: dead letters are resubmitted from '${path}/$DeadLetterQueue'.`,
    );
  }
  return new ServiceBusError(
    'MessageNotFound',
    `'${path}' holds no unlocked message with sequence number ${sequenceNumber}.`,
  );
}
