import type { FieldError } from './api.js';
import type { LiveState } from './live.js';
import type { OrderView } from './orderState.js';

export type Product = { sku: string; name: string; price: number; inStock: boolean };

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('data-') || key.startsWith('aria-')) element.setAttribute(key, String(value));
    else (element as unknown as Record<string, unknown>)[key] = value;
  }
  element.append(...children);
  return element;
}

// The catalog prices in euros (the API's `currency`).
const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

export function renderAccount(userId: string | undefined, onSignOut: () => void): void {
  const account = byId('account');
  account.replaceChildren();
  if (!userId) return;
  const button = el('button', { type: 'button', id: 'signout' }, 'Sign out');
  button.addEventListener('click', onSignOut);
  account.append(el('span', { id: 'signed-in-user' }, `Signed in as ${userId} `), button);
}

export function renderConnection(state: LiveState, transport: string | undefined): void {
  const stateEl = byId('connection-state');
  stateEl.textContent = state;
  stateEl.dataset.state = state;
  byId('connection-transport').textContent = state === 'connected' && transport ? `over ${transport}` : '';
}

let lineCounter = 0;

/** One product + quantity row; its inputs carry the API's field names so problem+json errors land next to them. */
export function addOrderLine(products: Product[], onRemove: (line: HTMLElement) => void): HTMLElement {
  const index = lineCounter++;
  const skuId = `line-${index}-sku`;
  const qtyId = `line-${index}-qty`;
  const select = el('select', { id: skuId, name: 'sku' });
  for (const product of products) {
    const label = `${product.name} (${money.format(product.price)})${product.inStock ? '' : ' — out of stock'}`;
    select.append(el('option', { value: product.sku }, label));
  }
  const quantity = el('input', { id: qtyId, name: 'quantity', type: 'number', min: '1', max: '1000', value: '1' });
  const remove = el('button', { type: 'button', 'aria-label': 'Remove this item' }, 'Remove');
  const line = el(
    'div',
    { className: 'order-line' },
    el('div', {}, el('label', { htmlFor: skuId }, 'Product'), select),
    el('div', {}, el('label', { htmlFor: qtyId }, 'Quantity'), quantity),
    remove,
    el('p', { className: 'field-error', 'data-line-error': '', role: 'alert' }),
  );
  remove.addEventListener('click', () => onRemove(line));
  byId('order-lines').append(line);
  return line;
}

export function readOrderForm(): { items: { sku: string; quantity: number }[]; note?: string } {
  const items = [...byId('order-lines').querySelectorAll<HTMLElement>('.order-line')].map((line) => ({
    sku: line.querySelector<HTMLSelectElement>('select[name="sku"]')?.value ?? '',
    quantity: Number(line.querySelector<HTMLInputElement>('input[name="quantity"]')?.value),
  }));
  const note = byId<HTMLTextAreaElement>('order-note').value.trim();
  return note ? { items, note } : { items };
}

export function clearFieldErrors(form: HTMLElement): void {
  form.querySelectorAll('.field-error, .form-error').forEach((p) => (p.textContent = ''));
  form.querySelectorAll('[aria-invalid]').forEach((input) => {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  });
}

/** Maps `items[2].quantity`, `items`, `note` onto the matching control; returns the first control flagged. */
export function showFieldErrors(errors: FieldError[]): HTMLElement | undefined {
  const lines = [...byId('order-lines').querySelectorAll<HTMLElement>('.order-line')];
  let first: HTMLElement | undefined;
  for (const error of errors) {
    const item = /^items\[(\d+)\](?:\.(sku|quantity))?$/.exec(error.field);
    let control: HTMLElement | null = null;
    let message: HTMLElement | null = null;
    if (item) {
      const line = lines[Number(item[1])];
      control = line?.querySelector<HTMLElement>(`[name="${item[2] ?? 'sku'}"]`) ?? null;
      message = line?.querySelector<HTMLElement>('[data-line-error]') ?? null;
    } else {
      const name = error.field.split(/[.[]/)[0] ?? '';
      message = byId('order-form').querySelector<HTMLElement>(`[data-field="${name}"]`);
      control = name === 'note' ? byId('order-note') : null;
    }
    const target = message ?? byId('order-error');
    target.textContent = [target.textContent, error.message].filter(Boolean).join(' ');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      if (!target.id) target.id = `${control.id}-error`;
      control.setAttribute('aria-describedby', target.id);
      first ??= control;
    }
  }
  return first;
}

function describe(order: OrderView): string {
  const parts = [`Order ${order.orderId.slice(0, 8)}: ${order.status}`];
  if (order.total !== undefined) parts.push(`total ${money.format(order.total)}`);
  if (order.reason) parts.push(order.reason);
  return parts.join(' — ');
}

export function renderOrders(orders: OrderView[]): void {
  byId('orders-empty').hidden = orders.length > 0;
  byId('orders').replaceChildren(
    ...orders.map((order) =>
      el(
        'li',
        { 'data-order-id': order.orderId, 'data-status': order.status, 'data-version': order.version },
        el('span', { className: 'order-id' }, `#${order.orderId.slice(0, 8)} `),
        el('span', { className: 'status', 'data-status': order.status }, order.status),
        order.total !== undefined ? el('span', { className: 'total' }, ` ${money.format(order.total)}`) : '',
        order.items
          ? el('span', { className: 'items' }, ` · ${order.items.map((i) => `${i.quantity}× ${i.sku}`).join(', ')}`)
          : '',
        order.reason ? el('p', { className: 'reason' }, order.reason) : '',
      ),
    ),
  );
}

export function announce(order: OrderView): void {
  byId('announcer').textContent = describe(order);
}
