/** What the shop sells. Prices are integer cents so totals never suffer floating-point drift. */
export type Product = {
  sku: string;
  name: string;
  priceCents: number;
  /** Units on hand. Static: processing checks against it but does not decrement it. */
  stock: number;
};

export const CURRENCY = 'EUR';

const PRODUCTS: readonly Product[] = [
  { sku: 'COFFEE-BEANS-1KG', name: 'Espresso beans, 1 kg', priceCents: 2490, stock: 200 },
  { sku: 'TEA-SENCHA-250G', name: 'Sencha green tea, 250 g', priceCents: 1275, stock: 80 },
  { sku: 'MUG-CERAMIC', name: 'Ceramic mug', priceCents: 950, stock: 500 },
  { sku: 'FILTER-PAPER-100', name: 'Paper filters, pack of 100', priceCents: 420, stock: 1000 },
  { sku: 'GRINDER-BURR', name: 'Burr grinder', priceCents: 12900, stock: 15 },
  { sku: 'KETTLE-GOOSENECK', name: 'Gooseneck kettle', priceCents: 5900, stock: 0 },
];

const BY_SKU: ReadonlyMap<string, Product> = new Map(PRODUCTS.map((p) => [p.sku, p]));

export function listProducts(): readonly Product[] {
  return PRODUCTS;
}

export function findProduct(sku: string): Product | undefined {
  return BY_SKU.get(sku);
}

/** Cents to the decimal amount the API shows (2490 → 24.9). */
export function toAmount(cents: number): number {
  return cents / 100;
}
