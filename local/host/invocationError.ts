/** What the worker reports for a thrown value: Errors as they are; strings as the message; objects as JSON. */
export function toInvocationError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (value === null || value === undefined) return new Error('Unknown error');
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/**
 * An output binding that failed after the function returned. As in the Functions host, it fails the invocation;
 * the cause's `code` (e.g. ENOSPC) stays visible so the HTTP answer can tell a full disk from other failures.
 */
export class OutputBindingError extends Error {
  override readonly name = 'OutputBindingError';
  readonly code: string | undefined;

  constructor(
    readonly bindingName: string,
    readonly bindingType: string,
    cause: unknown,
  ) {
    const error = toInvocationError(cause);
    super(`Error while handling parameter ${bindingName} after function returned: ${error.message}`, { cause: error });
    const code = (error as { code?: unknown }).code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}
