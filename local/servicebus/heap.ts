/** Binary min-heap; the broker keeps available messages in sequence order and scheduled ones in time order. */
export class Heap<T> {
  #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** The items in no particular order. */
  values(): readonly T[] {
    return this.#items;
  }

  push(item: T): void {
    const items = this.#items;
    let i = items.length;
    items.push(item);
    // Sift up by moving parents down (no swaps: this runs for every message).
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent]!;
      if (!this.#before(item, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.#before(items[right]!, items[left]!) ? right : left;
      if (!this.#before(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Removes every item `remove` returns true for. */
  removeWhere(remove: (item: T) => boolean): void {
    const kept = this.#items.filter((item) => !remove(item));
    this.#items = [];
    for (const item of kept) this.push(item);
  }
}
