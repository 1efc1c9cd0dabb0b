import { findProduct } from './catalog.js';
import type { OrderItem, StatusChange } from './order.js';

/**
 * Decides an order's outcome from the catalog: every unknown SKU and every SKU short of stock is named in
 * the rejection reason; otherwise the order completes with its total. Quantities of a SKU listed twice add up.
 */
export function priceOrder(items: readonly OrderItem[]): StatusChange {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);

  const problems: string[] = [];
  let totalCents = 0;
  for (const [sku, quantity] of quantities) {
    const product = findProduct(sku);
    if (!product) {
      problems.push(`unknown SKU ${sku}`);
    } else if (product.stock < quantity) {
      problems.push(
        product.stock === 0
          ? `${sku} is out of stock`
          : `not enough stock for ${sku}: ${quantity} requested, ${product.stock} available`,
      );
    } else {
      totalCents += product.priceCents * quantity;
    }
  }
  if (problems.length > 0) return { status: 'Rejected', reason: capitalize(problems.join('; ')) };
  return { status: 'Completed', totalCents };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
