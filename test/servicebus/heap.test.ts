import { describe, expect, it } from 'vitest';
import { Heap } from '../../local/servicebus/heap.js';

describe('Heap', () => {
  it('pops in order across interleaved pushes and pops, and removes by predicate', () => {
    const heap = new Heap<number>((a, b) => a < b);
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) % 1000;
    const model: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) {
        const value = next();
        heap.push(value);
        model.push(value);
      }
      model.sort((a, b) => a - b);
      for (let i = 0; i < 25; i++) expect(heap.pop()).toBe(model.shift());
    }
    heap.removeWhere((value) => value % 2 === 1);
    const evens = model.filter((value) => value % 2 === 0);
    expect(heap.size).toBe(evens.length);
    expect(Array.from({ length: evens.length }, () => heap.pop())).toEqual(evens);
    expect(heap.pop()).toBeUndefined();
  });
});
