/**
 * The two JSON forms of an order (sockshop-spec §6.4): the plain Jackson form POST /orders
 * answers (ids included, nested ids null) and the Spring Data REST HAL form of the read routes
 * (no `id` anywhere, links on host `http://orders`). `status` and `statusHistory` are our
 * additive fields, appended after the original ones.
 */
import { formatFloat32 } from '../common/float32.js';
import type { OrderItem, OrderRecord } from '../../stores/orders/types.js';

export const ORDERS_BASE = 'http://orders';

/** Java's `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` in UTC. */
export function javaOrderDate(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

function history(order: OrderRecord) {
  return order.statusHistory.map((change) =>
    change.reason === undefined
      ? { status: change.status, date: javaOrderDate(change.at) }
      : { status: change.status, date: javaOrderDate(change.at), reason: change.reason },
  );
}

function item(i: OrderItem) {
  return { id: i.id, itemId: i.itemId, quantity: i.quantity, unitPrice: formatFloat32(i.unitPrice) };
}

export function plainOrder(order: OrderRecord) {
  const { customer: c, address: a, card: k } = order;
  return {
    id: order.id,
    customerId: order.customerId,
    customer: {
      id: c.id,
      firstName: c.firstName,
      lastName: c.lastName,
      username: c.username,
      addresses: c.addresses,
      cards: c.cards,
    },
    address: {
      id: a.id,
      number: a.number,
      street: a.street,
      city: a.city,
      postcode: a.postcode,
      country: a.country,
    },
    card: { id: k.id, longNum: k.longNum, expires: k.expires, ccv: k.ccv },
    items: order.items.map(item),
    shipment: { id: order.shipment.id, name: order.shipment.name },
    date: javaOrderDate(order.date),
    total: formatFloat32(order.total),
    status: order.status,
    statusHistory: history(order),
  };
}

/** Spring Data REST writes entities without their `id` properties, at every level. */
function withoutIds(order: OrderRecord) {
  const plain = plainOrder(order);
  const { customer, address, card, items, shipment } = plain;
  return {
    customerId: plain.customerId,
    customer: {
      firstName: customer.firstName,
      lastName: customer.lastName,
      username: customer.username,
      addresses: customer.addresses,
      cards: customer.cards,
    },
    address: {
      number: address.number,
      street: address.street,
      city: address.city,
      postcode: address.postcode,
      country: address.country,
    },
    card: { longNum: card.longNum, expires: card.expires, ccv: card.ccv },
    items: items.map((i) => ({ itemId: i.itemId, quantity: i.quantity, unitPrice: i.unitPrice })),
    shipment: { name: shipment.name },
    date: plain.date,
    total: plain.total,
    status: plain.status,
    statusHistory: plain.statusHistory,
  };
}

export function halOrder(order: OrderRecord) {
  const href = `${ORDERS_BASE}/orders/${order.id}`;
  return { ...withoutIds(order), _links: { self: { href }, order: { href } } };
}

export interface PageInfo {
  page: number;
  size: number;
  totalElements: number;
}

/** `GET /orders`: Spring Data REST's paged collection resource. */
export function halOrderCollection(orders: OrderRecord[], info: PageInfo) {
  const totalPages = Math.ceil(info.totalElements / info.size);
  const pageHref = (page: number) => `${ORDERS_BASE}/orders?page=${page}&size=${info.size}`;
  const links: Record<string, { href: string; templated?: boolean }> = {};
  if (totalPages > 1) {
    links.first = { href: pageHref(0) };
    if (info.page > 0) links.prev = { href: pageHref(info.page - 1) };
  }
  links.self = { href: `${ORDERS_BASE}/orders{?page,size,sort}`, templated: true };
  if (totalPages > 1) {
    if (info.page < totalPages - 1) links.next = { href: pageHref(info.page + 1) };
    links.last = { href: pageHref(totalPages - 1) };
  }
  links.profile = { href: `${ORDERS_BASE}/profile/orders` };
  links.search = { href: `${ORDERS_BASE}/orders/search` };
  return {
    _embedded: { customerOrders: orders.map(halOrder) },
    _links: links,
    page: { size: info.size, totalElements: info.totalElements, totalPages, number: info.page },
  };
}

/** A search resource: the matching orders and the search's own URL. */
export function halSearchResult(orders: OrderRecord[], selfHref: string) {
  return { _embedded: { customerOrders: orders.map(halOrder) }, _links: { self: { href: selfHref } } };
}

/** `GET /orders/search`: the available searches. */
export function halSearchIndex() {
  return {
    _links: {
      customerId: { href: `${ORDERS_BASE}/orders/search/customerId{?custId}`, templated: true },
      status: { href: `${ORDERS_BASE}/orders/search/status{?status}`, templated: true },
      self: { href: `${ORDERS_BASE}/orders/search` },
    },
  };
}
