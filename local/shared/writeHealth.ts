/** What a durable part tells health about its writes: whether its disk is full, and its last failed write. */
export type WriteHealth = { diskFull: boolean; lastWriteError?: string };

/** Error codes that mean "no space left" from the file system (Node) or from SQLite. */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && DISK_FULL_CODES.has(code);
}

/** One line for logs and health: the code (when there is one) and the message. */
export function describeWriteError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
