import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMs, percentiles, type Percentiles } from './stats.js';

/**
 * Latency of `inSeries` durable appends one after another (a small write and its fdatasync each), as the
 * order path makes them: the floor the disk puts under an acknowledged, processed order. Measured on the
 * file system the stack keeps its data on (the temp folder), `samples` times.
 */
export function diskSyncLatency(inSeries: number, samples: number): Percentiles {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fsync-'));
  const fd = openSync(join(dir, 'journal'), 'a');
  const record = Buffer.alloc(512, 0x61);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = nowMs();
      for (let write = 0; write < inSeries; write++) {
        writeSync(fd, record);
        fdatasyncSync(fd);
      }
      latencies.push(nowMs() - start);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return percentiles(latencies);
}
