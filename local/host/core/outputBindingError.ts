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
    const error = cause instanceof Error ? cause : new Error(String(cause));
    super(`Error while handling parameter ${bindingName} after function returned: ${error.message}`, { cause: error });
    const code = (error as { code?: unknown }).code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}
