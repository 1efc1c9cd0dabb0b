/** Memory of this process after full collections; needs `--expose-gc`. */
export type MemorySample = { rss: number; heapTotal: number; heapUsed: number; external: number };

export async function settledMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('settledMemory needs node --expose-gc');
  // Two passes with a turn between, so finalizers and weak callbacks of the first pass are collected too.
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external };
}
