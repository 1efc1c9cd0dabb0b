import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-ASRS-Signature` value for one access key: `sha256=` + hex HMAC-SHA256(UTF-8 key, connection id). */
export function computeUpstreamSignature(connectionId: string, accessKey: string): string {
  return `sha256=${createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(connectionId, 'utf8').digest('hex')}`;
}

/**
 * True when any comma-separated signature in `header` matches `connectionId` under any of `accessKeys`
 * (hex compared case-insensitively, as the Functions extension does).
 */
export function verifyUpstreamSignature(
  header: string | undefined,
  connectionId: string,
  accessKeys: readonly string[],
): boolean {
  if (!header) return false;
  const offered = header.split(',').map((s) => s.trim().toLowerCase());
  return accessKeys.some((key) => {
    const expected = Buffer.from(computeUpstreamSignature(connectionId, key));
    return offered.some((value) => {
      const candidate = Buffer.from(value);
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
  });
}
