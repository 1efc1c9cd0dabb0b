import { describe, expect, it } from 'vitest';
import { fieldPath, parseCreateOrder } from '../../src/orders/schema.js';

const item = { sku: 'MUG-CERAMIC', quantity: 1 };

function fieldsOf(body: unknown): string[] {
  const result = parseCreateOrder(body);
  if (result.ok) throw new Error('expected a validation failure');
  return result.errors.map((e) => e.field);
}

describe('parseCreateOrder', () => {
  it('accepts a valid order and keeps only what was asked for', () => {
    expect(parseCreateOrder({ items: [item], note: 'n' })).toEqual({ ok: true, value: { items: [item], note: 'n' } });
    expect(parseCreateOrder({ items: [item] })).toEqual({ ok: true, value: { items: [item] } });
  });

  it('accepts the limits: 50 items, quantity 1000, 32-character SKU, 500-character note', () => {
    const body = {
      items: Array.from({ length: 50 }, () => ({ sku: 'A'.repeat(32), quantity: 1000 })),
      note: 'x'.repeat(500),
    };
    expect(parseCreateOrder(body).ok).toBe(true);
  });

  it.each([
    ['no items', { items: [] }, ['items']],
    ['51 items', { items: Array.from({ length: 51 }, () => item) }, ['items']],
    ['missing items', {}, ['items']],
    ['lowercase SKU', { items: [{ sku: 'mug', quantity: 1 }] }, ['items[0].sku']],
    ['33-character SKU', { items: [{ sku: 'A'.repeat(33), quantity: 1 }] }, ['items[0].sku']],
    ['empty SKU', { items: [{ sku: '', quantity: 1 }] }, ['items[0].sku']],
    ['zero quantity', { items: [{ sku: 'A', quantity: 0 }] }, ['items[0].quantity']],
    ['1001 quantity', { items: [{ sku: 'A', quantity: 1001 }] }, ['items[0].quantity']],
    ['fractional quantity', { items: [{ sku: 'A', quantity: 1.5 }] }, ['items[0].quantity']],
    ['quantity as text', { items: [{ sku: 'A', quantity: '1' }] }, ['items[0].quantity']],
    ['501-character note', { items: [item], note: 'x'.repeat(501) }, ['note']],
    ['unknown top-level field', { items: [item], userId: 'someone-else' }, ['userId']],
    ['unknown item field', { items: [{ ...item, price: 0 }] }, ['items[0].price']],
    ['an array body', [item], ['(body)']],
    ['a null body', null, ['(body)']],
  ])('rejects %s', (_, body, fields) => {
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('reports every invalid field at once, with a message for each', () => {
    const result = parseCreateOrder({ items: [{ sku: 'bad' }, { sku: 'OK', quantity: 5000 }], note: 3, extra: 1 });
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: 'items[0].sku', message: 'must be 1 to 32 characters of A-Z, 0-9 and -' },
        { field: 'items[0].quantity', message: 'is required' },
        { field: 'items[1].quantity', message: 'must be from 1 to 1000' },
        { field: 'note', message: 'must be a string' },
        { field: 'extra', message: 'is not an allowed field' },
      ]),
    });
    expect(result.ok || result.errors).toHaveLength(5);
  });
});

describe('fieldPath', () => {
  it('renders array indexes in brackets and names with dots', () => {
    expect(fieldPath(['items', 3, 'sku'])).toBe('items[3].sku');
    expect(fieldPath([])).toBe('(body)');
  });
});
