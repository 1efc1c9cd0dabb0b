import { afterEach, describe, expect, it } from 'vitest';
import { formatLocal } from '../../local/host/extensions/timer/schedule.js';

// Instants either side of New York's 2026 spring change (8 March, 07:00 UTC) and of its autumn one (1 November).
const instants = ['2026-03-08T06:59:59Z', '2026-03-08T07:00:00Z', '2026-07-01T12:34:56Z', '2026-11-01T06:00:00Z'];

describe('timer times as the host writes them', () => {
  const machineZone = process.env.TZ;
  afterEach(() => {
    if (machineZone === undefined) delete process.env.TZ;
    else process.env.TZ = machineZone;
  });

  it('writes a time in the machine zone exactly as in that zone named, offsets and daylight saving included', () => {
    process.env.TZ = 'America/New_York';
    const machine = instants.map((at) => formatLocal(Date.parse(at), undefined));
    expect(machine).toEqual(instants.map((at) => formatLocal(Date.parse(at), 'America/New_York')));
    expect(machine).toEqual([
      '2026-03-08T01:59:59-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-07-01T08:34:56-04:00',
      '2026-11-01T01:00:00-05:00',
    ]);
  });

  it('writes UTC with a +00:00 offset, and a named zone whatever the machine zone is', () => {
    process.env.TZ = 'UTC';
    expect(formatLocal(Date.parse('2026-07-01T12:34:56.250Z'), undefined)).toBe('2026-07-01T12:34:56.25+00:00');
    expect(formatLocal(Date.parse('2026-07-01T12:34:56Z'), 'Asia/Kolkata')).toBe('2026-07-01T18:04:56+05:30');
  });
});
