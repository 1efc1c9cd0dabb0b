/** The page's view of the user's orders: HTTP resyncs and SignalR updates merged by `version`. */
export type OrderStatus = 'Accepted' | 'Completed' | 'Rejected' | 'Failed';

export type OrderView = {
  orderId: string;
  status: OrderStatus;
  version: number;
  updatedAt: string;
  createdAt?: string;
  items?: { sku: string; quantity: number }[];
  total?: number;
  reason?: string;
};

export class OrderState {
  #orders = new Map<string, OrderView>();

  /**
   * Applies an update unless a newer version is already known; the same version only fills in fields the page
   * lacked (a live update carries no items, the API's copy does). Returns whether anything changed.
   */
  apply(update: OrderView): boolean {
    const known = this.#orders.get(update.orderId);
    if (known && known.version > update.version) return false;
    const next = known && known.version === update.version ? { ...update, ...known } : { ...known, ...update };
    if (known && JSON.stringify(next) === JSON.stringify(known)) return false;
    this.#orders.set(update.orderId, next);
    return true;
  }

  /** A full list from the API: newer versions win either way, so a late resync cannot roll back a live update. */
  resync(orders: OrderView[]): void {
    for (const order of orders) this.apply(order);
  }

  clear(): void {
    this.#orders.clear();
  }

  get(orderId: string): OrderView | undefined {
    return this.#orders.get(orderId);
  }

  /** Newest first. */
  list(): OrderView[] {
    return [...this.#orders.values()].sort((a, b) =>
      (b.createdAt ?? b.updatedAt).localeCompare(a.createdAt ?? a.updatedAt),
    );
  }
}
