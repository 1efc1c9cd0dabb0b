import { describe, expect, it } from 'vitest';
import { findProduct, listProducts } from '../../src/orders/catalog.js';
import { priceOrder } from '../../src/orders/pricing.js';

describe('catalog', () => {
  it('has a handful of uniquely priced SKUs that pass the order SKU rule, one of them out of stock', () => {
    const products = listProducts();
    expect(products.length).toBeGreaterThanOrEqual(4);
    for (const p of products) {
      expect(p.sku).toMatch(/^[A-Z0-9-]{1,32}$/);
      expect(Number.isInteger(p.priceCents) && p.priceCents > 0).toBe(true);
    }
    expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
    expect(products.filter((p) => p.stock === 0)).toHaveLength(1);
  });
});

describe('priceOrder', () => {
  it('completes with the total in cents', () => {
    expect(
      priceOrder([
        { sku: 'MUG-CERAMIC', quantity: 3 },
        { sku: 'FILTER-PAPER-100', quantity: 2 },
      ]),
    ).toEqual({ status: 'Completed', totalCents: 3 * 950 + 2 * 420 });
  });

  it('rejects an unknown SKU', () => {
    expect(priceOrder([{ sku: 'UNICORN', quantity: 1 }])).toEqual({
      status: 'Rejected',
      reason: 'Unknown SKU UNICORN',
    });
  });

  it('rejects an out-of-stock SKU', () => {
    expect(priceOrder([{ sku: 'KETTLE-GOOSENECK', quantity: 1 }])).toEqual({
      status: 'Rejected',
      reason: 'KETTLE-GOOSENECK is out of stock',
    });
  });

  it('counts a SKU listed twice against its stock as one quantity', () => {
    const stock = findProduct('GRINDER-BURR')!.stock;
    expect(priceOrder([{ sku: 'GRINDER-BURR', quantity: stock }]).status).toBe('Completed');
    expect(
      priceOrder([
        { sku: 'GRINDER-BURR', quantity: stock },
        { sku: 'GRINDER-BURR', quantity: 1 },
      ]),
    ).toEqual({
      status: 'Rejected',
      reason: `Not enough stock for GRINDER-BURR: ${stock + 1} requested, ${stock} available`,
    });
  });

  it('names every problem in one reason', () => {
    const outcome = priceOrder([
      { sku: 'UNICORN', quantity: 1 },
      { sku: 'KETTLE-GOOSENECK', quantity: 1 },
    ]);
    expect(outcome).toEqual({ status: 'Rejected', reason: 'Unknown SKU UNICORN; KETTLE-GOOSENECK is out of stock' });
  });
});
