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
