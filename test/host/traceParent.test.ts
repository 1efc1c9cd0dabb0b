import { describe, expect, it } from 'vitest';
import { newTraceParent } from '../../local/host/core/traceParent.js';

describe('traceparent of each invocation', () => {
  it('is a sampled W3C traceparent with fresh non-zero ids, also across refills of the random pool', () => {
    // 4 KiB pool, 24 bytes per traceparent: 400 calls refill it more than twice.
    const values = Array.from({ length: 400 }, () => newTraceParent());
    for (const value of values) {
      expect(value).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const [, traceId, parentId] = value.split('-');
      expect(traceId).not.toMatch(/^0+$/);
      expect(parentId).not.toMatch(/^0+$/);
    }
    expect(new Set(values).size).toBe(values.length);
  });
});
