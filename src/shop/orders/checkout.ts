/**
 * POST /orders (sockshop-spec §6.2): fetch customer, address, card and items in parallel, price
 * the order in float32 with the shipping rate, authorise payment, ask shipping to ship, keep the
 * order. Our extension records every order that reached payment with its status (created →
 * paid, or payment_failed / failed); the HTTP answers stay the original's.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { HttpError } from '../common/errors.js';
import { formatFloat32, orderTotal } from '../common/float32.js';
import type { ShopMetrics } from '../common/metrics.js';
import { UpstreamError, type Upstream } from '../common/upstream.js';
import type {
  OrderAddress,
  OrderCard,
  OrderCustomer,
  OrderItem,
  OrderRecord,
  OrderStore,
} from '../../stores/orders/types.js';

const CONTROLLER = 'works.weave.socks.orders.controllers.OrdersController';
const INVALID_ORDER = `${CONTROLLER}$InvalidOrderException`;
const PAYMENT_DECLINED = `${CONTROLLER}$PaymentDeclinedException`;
const ILLEGAL_STATE = 'java.lang.IllegalStateException';
const TIMEOUT_MESSAGE = 'Unable to create order due to timeout from one of the services.';
const IO_MESSAGE = 'Unable to create order due to unspecified IO error.';
/** The original's flat shipping charge (sockshop-spec §6.3), used unless shipping's rates say otherwise. */
const ORIGINAL_SHIPPING_RATE = 4.99;

/** A dependency answered, but not with what an order needs (4xx/5xx, unreadable body). */
class DependencyError extends Error {}

export interface CheckoutOptions {
  httpTimeoutMs: number;
  ratesTimeoutMs: number;
}

interface OrderRequest {
  customer: string;
  address: string;
  card: string;
  items: string;
}

export class Checkout {
  private readonly created;
  private readonly rejected;
  private readonly rateFallbacks;

  constructor(
    private readonly store: OrderStore,
    private readonly upstream: Upstream,
    private readonly log: Logger,
    metrics: ShopMetrics,
    private readonly options: CheckoutOptions,
  ) {
    this.created = metrics.counter(
      'orders_created_total',
      'Orders recorded, by the status POST /orders left them in.',
      ['status'],
    );
    this.rejected = metrics.counter(
      'orders_rejected_total',
      'Order requests refused before an order was recorded.',
      ['reason'],
    );
    this.rateFallbacks = metrics.counter(
      'orders_shipping_rate_fallbacks_total',
      'Orders priced with the default 4.99 because shipping rates were unavailable.',
    );
  }

  async place(body: unknown): Promise<OrderRecord> {
    const request = parseRequest(body);
    if (!request) {
      this.rejected.inc({ reason: 'invalid' });
      throw new HttpError(
        406,
        'Invalid order request. Order requires customer, address, card and items.',
        INVALID_ORDER,
      );
    }
    let order: OrderRecord | undefined;
    try {
      const [address, customer, card, items] = await Promise.all([
        this.fetchHal(request.address).then(toAddress),
        this.fetchHal(request.customer),
        this.fetchHal(request.card).then(toCard),
        this.fetchJson(request.items).then(toItems),
      ]);
      const customerId = customerIdOf(customer);
      const total = orderTotal(items, await this.shippingRate(address.country));
      order = await this.store.create({
        customerId,
        customer: toCustomer(customer),
        address,
        card,
        items,
        shipment: { id: randomUUID(), name: customerId },
        date: new Date(),
        total,
      });
      await this.authorise(order);
      order = await this.moveTo(order, 'paid');
      await this.call('http://shipping/shipping', 'POST', {
        id: order.shipment.id,
        name: order.shipment.name,
      });
      this.created.inc({ status: 'paid' });
      return order;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const timeout = error instanceof UpstreamError && error.kind === 'timeout';
      this.log.error({ reason: (error as Error).message, order: order?.id }, 'order creation failed');
      if (order) {
        await this.moveTo(order, 'failed', (error as Error).message);
        this.created.inc({ status: 'failed' });
      } else {
        this.rejected.inc({ reason: timeout ? 'timeout' : 'io' });
      }
      throw new HttpError(500, timeout ? TIMEOUT_MESSAGE : IO_MESSAGE, ILLEGAL_STATE);
    }
  }

  private async authorise(order: OrderRecord): Promise<void> {
    const answer = await this.call('http://payment/paymentAuth', 'POST', {
      address: order.address,
      card: order.card,
      customer: order.customer,
      amount: formatFloat32(order.total),
      // Additive: lets payment's ledger tie an authorisation to its order.
      orderId: order.id,
    });
    const verdict = answer as { authorised?: unknown; message?: unknown } | null;
    if (!verdict || typeof verdict !== 'object') {
      await this.decline(order, 'Unable to parse authorisation packet');
    } else if (verdict.authorised !== true) {
      await this.decline(
        order,
        typeof verdict.message === 'string' ? verdict.message : String(verdict.message),
      );
    }
  }

  private async decline(order: OrderRecord, message: string): Promise<never> {
    await this.moveTo(order, 'payment_failed', message);
    this.created.inc({ status: 'payment_failed' });
    this.log.info({ order: order.id, reason: message }, 'payment declined');
    throw new HttpError(406, message, PAYMENT_DECLINED);
  }

  private async moveTo(
    order: OrderRecord,
    status: 'paid' | 'failed' | 'payment_failed',
    reason?: string,
  ): Promise<OrderRecord> {
    // Shipping can still fail after payment, so `failed` may follow `paid`.
    const update = await this.store.updateStatus(
      order.id,
      status,
      status === 'failed' ? ['created', 'paid'] : ['created'],
      reason,
    );
    return update.outcome === 'missing' ? order : update.order;
  }

  /** The original's flat 4.99 unless shipping's rates say otherwise; never fails an order. */
  private async shippingRate(country: string | null): Promise<number> {
    const query = country === null ? '' : `?country=${encodeURIComponent(country)}`;
    try {
      const res = await this.upstream.request(`http://shipping/shipping/rates${query}`, {
        headers: { accept: 'application/json' },
        timeoutMs: this.options.ratesTimeoutMs,
      });
      const rate = res.status === 200 ? res.json<{ rate?: unknown }>().rate : undefined;
      if (typeof rate === 'number' && Number.isFinite(rate) && rate >= 0) return rate;
      throw new Error(`shipping rates answered ${res.status}`);
    } catch (error) {
      this.rateFallbacks.inc();
      this.log.warn({ reason: (error as Error).message }, 'shipping rate unavailable; using 4.99');
      return ORIGINAL_SHIPPING_RATE;
    }
  }

  private fetchHal(url: string): Promise<unknown> {
    return this.call(url, 'GET', undefined, 'application/hal+json');
  }

  private fetchJson(url: string): Promise<unknown> {
    return this.call(url, 'GET', undefined, 'application/json');
  }

  private async call(
    url: string,
    method: string,
    json?: unknown,
    accept = 'application/json',
  ): Promise<unknown> {
    const res = await this.upstream.request(url, {
      method,
      json,
      headers: { accept },
      timeoutMs: this.options.httpTimeoutMs,
    });
    if (res.status < 200 || res.status >= 300)
      throw new DependencyError(`${method} ${url} answered ${res.status}`);
    if (res.body.length === 0) return null;
    try {
      return res.json();
    } catch {
      throw new DependencyError(`${method} ${url} answered a body that is not JSON`);
    }
  }
}

function parseRequest(body: unknown): OrderRequest | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  const wanted = ['customer', 'address', 'card', 'items'] as const;
  if (wanted.some((key) => fields[key] === undefined || fields[key] === null)) return undefined;
  const [customer, address, card, items] = wanted.map((key) => String(fields[key]));
  return { customer, address, card, items };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new DependencyError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The original reads the id off the customer's HAL self link (`[\w-]+$`). */
function customerIdOf(customer: unknown): string {
  const links = record(customer, 'customer')._links as { self?: { href?: unknown } } | undefined;
  const href = links?.self?.href;
  const id = typeof href === 'string' ? /[\w-]+$/.exec(href)?.[0] : undefined;
  if (!id) throw new DependencyError('customer has no _links.self.href ending in an id');
  return id;
}

function toCustomer(value: unknown): OrderCustomer {
  const c = record(value, 'customer');
  return {
    id: null,
    firstName: text(c.firstName),
    lastName: text(c.lastName),
    username: text(c.username),
    addresses: [],
    cards: [],
  };
}

function toAddress(value: unknown): OrderAddress {
  const a = record(value, 'address');
  return {
    id: null,
    number: text(a.number),
    street: text(a.street),
    city: text(a.city),
    postcode: text(a.postcode),
    country: text(a.country),
  };
}

function toCard(value: unknown): OrderCard {
  const c = record(value, 'card');
  return { id: null, longNum: text(c.longNum), expires: text(c.expires), ccv: text(c.ccv) };
}

function toItems(value: unknown): OrderItem[] {
  if (!Array.isArray(value)) throw new DependencyError('items is not a JSON array');
  return value.map((entry) => {
    const i = record(entry, 'item');
    const quantity = Number(i.quantity ?? 0);
    const unitPrice = Number(i.unitPrice ?? 0);
    if (!Number.isFinite(quantity) || !Number.isFinite(unitPrice))
      throw new DependencyError('item quantity or price is not a number');
    return { id: text(i.id), itemId: text(i.itemId), quantity, unitPrice };
  });
}
