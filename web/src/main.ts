import { ApiError, createApiClient, type ApiClient } from './api.js';
import { loadConfig, type ClientConfig } from './config.js';
import { connectLive, TRANSPORT_CHOICES, type TransportChoice } from './live.js';
import { OrderState, type OrderView } from './orderState.js';
import { clearSession, loadSession, signIn, signOut, verifySession, type Session } from './session.js';
import {
  addOrderLine,
  announce,
  byId,
  clearFieldErrors,
  readOrderForm,
  renderAccount,
  renderConnection,
  renderOrders,
  showFieldErrors,
  type Product,
} from './view.js';

const TRANSPORT_KEY = 'order-notifications.transport';

/** `?transport=` wins (handy for tests and links), then the saved choice, then automatic negotiation. */
function initialTransport(): TransportChoice {
  const wanted = new URLSearchParams(location.search).get('transport') ?? localStorage.getItem(TRANSPORT_KEY);
  return TRANSPORT_CHOICES.find((t) => t === wanted) ?? 'auto';
}

class OrdersPage {
  readonly #orders = new OrderState();
  #session: Session | undefined;
  #live: { stop(): Promise<void> } | undefined;
  #transport = initialTransport();
  readonly #api: ApiClient;

  constructor(readonly config: ClientConfig) {
    this.#api = createApiClient(config.apiBaseUrl, () => this.#session?.token);
  }

  async start(): Promise<void> {
    this.#wireForms();
    const session = loadSession();
    if (session && (await verifySession(this.config, session).catch(() => false))) await this.#enter(session);
    else {
      clearSession();
      this.#showSignIn();
    }
  }

  #showSignIn(): void {
    renderAccount(undefined, () => undefined);
    byId('workspace').hidden = true;
    byId('signin').hidden = false;
    // Only the local dev provider takes a typed user id; a real provider signs in on its own page.
    const typedUserId = this.config.authProvider === 'dev';
    byId('signin-dev').hidden = !typedUserId;
    if (!typedUserId) byId('signin-submit').textContent = 'Sign in with Microsoft';
    byId(typedUserId ? 'signin-user' : 'signin-submit').focus();
  }

  async #enter(session: Session): Promise<void> {
    this.#session = session;
    renderAccount(session.userId, () => void this.#leave());
    byId('signin').hidden = true;
    byId('workspace').hidden = false;
    await this.#loadProducts();
    this.#connect();
  }

  async #leave(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await this.#live?.stop();
    this.#live = undefined;
    this.#orders.clear();
    renderOrders([]);
    if (session) await signOut(this.config, session);
    this.#showSignIn();
  }

  #connect(): void {
    const session = this.#session;
    if (!session) return;
    this.#live = connectLive(this.config.apiBaseUrl, session.token, this.#transport, {
      onStatus: (update) => this.#applyUpdate(update),
      onState: (state, transport) => renderConnection(state, transport),
      onConnected: () => void this.#resync(),
    });
  }

  async #reconnect(): Promise<void> {
    await this.#live?.stop();
    this.#connect();
  }

  #applyUpdate(update: OrderView): void {
    if (this.#orders.apply(update)) {
      renderOrders(this.#orders.list());
      announce(this.#orders.get(update.orderId) ?? update);
    }
  }

  /** Whatever happened while disconnected arrives here; `version` keeps a slow response from undoing a live update. */
  async #resync(): Promise<void> {
    try {
      const orders: OrderView[] = [];
      // The list comes a page at a time; each page names the next one until there is none.
      for (let path: string | undefined = '/api/orders'; path !== undefined;) {
        const page: { orders: OrderView[]; next?: string } = await this.#api.request(path);
        orders.push(...page.orders);
        path = page.next === undefined ? undefined : pathOf(page.next);
      }
      this.#orders.resync(orders);
      renderOrders(this.#orders.list());
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) await this.#leave();
    }
  }

  async #loadProducts(): Promise<void> {
    const { products } = await this.#api.request<{ products: Product[] }>('/api/products');
    const lines = byId('order-lines');
    lines.replaceChildren();
    const removeLine = (line: HTMLElement) => {
      if (lines.children.length > 1) line.remove();
    };
    addOrderLine(products, removeLine);
    byId('add-line').onclick = () => addOrderLine(products, removeLine).querySelector('select')?.focus();
  }

  #wireForms(): void {
    byId<HTMLFormElement>('signin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byId<HTMLInputElement>('signin-user');
      const error = byId('signin-error');
      error.textContent = '';
      signIn(this.config, input.value.trim())
        .then((session) => (session ? this.#enter(session) : undefined))
        .catch((e: unknown) => {
          error.textContent = e instanceof Error ? e.message : String(e);
          input.setAttribute('aria-invalid', 'true');
          input.focus();
        });
    });

    const transport = byId<HTMLSelectElement>('transport');
    transport.value = this.#transport;
    transport.addEventListener('change', () => {
      this.#transport = TRANSPORT_CHOICES.find((t) => t === transport.value) ?? 'auto';
      localStorage.setItem(TRANSPORT_KEY, this.#transport);
      void this.#reconnect();
    });

    const form = byId<HTMLFormElement>('order-form');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#placeOrder(form);
    });
  }

  async #placeOrder(form: HTMLFormElement): Promise<void> {
    clearFieldErrors(form);
    const submit = byId<HTMLButtonElement>('place-order');
    submit.disabled = true;
    try {
      const accepted = await this.#api.request<{ orderId: string; status: OrderView['status'] }>('/api/orders', {
        method: 'POST',
        headers: { 'Idempotency-Key': crypto.randomUUID() },
        body: JSON.stringify(readOrderForm()),
      });
      const order = await this.#api.request<OrderView>(`/api/orders/${encodeURIComponent(accepted.orderId)}`);
      this.#applyUpdate(order);
      byId<HTMLTextAreaElement>('order-note').value = '';
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.length > 0) {
        showFieldErrors(error.fieldErrors)?.focus();
      } else {
        byId('order-error').textContent = error instanceof Error ? error.message : String(error);
      }
    } finally {
      submit.disabled = false;
    }
  }
}

void loadConfig().then((config) => new OrdersPage(config).start());

/** The path and query of a link the API returned (it is absolute, built from the host's own URL). */
function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}
