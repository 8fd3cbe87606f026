/** Order routes (sockshop-spec §3.4, §3.5): history, one order, and the checkout orchestration. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../common/errors.js';
import {
  parseJson,
  readPath,
  reserialise,
  sendBare,
  sendPiped,
  type Backends,
  type RouteContext,
} from '../backend.js';
import { isLoggedIn, sessionOf } from '../session.js';

export function orderRoutes(api: FastifyInstance, { backends }: RouteContext): void {
  api.get('/orders', async (req, reply) => {
    const custId = loggedInCustomer(req);
    const res = await backends.call(
      `http://orders/orders/search/customerId?sort=date&custId=${encodeURIComponent(custId)}`,
    );
    const orders = res.status === 404 ? [] : (readPath(parseJson(res), '_embedded', 'customerOrders') ?? []);
    // 201 is the original's (odd) status for a read.
    return sendBare(reply, 201, JSON.stringify(orders));
  });

  api.get('/orders/*', async (req, reply) =>
    sendPiped(reply, await backends.call(`http://orders${req.url}`)),
  );

  api.post('/orders', async (req, reply) => {
    const custId = loggedInCustomer(req);
    const order = await buildOrderRequest(backends, custId);
    const res = await backends.call('http://orders/orders', { method: 'POST', json: order });
    return sendBare(reply, res.status, reserialise(res.text()));
  });
}

/** The customer id of a logged-in shopper; without the `logged_in` cookie the original threw "User not logged in.". */
function loggedInCustomer(req: FastifyRequest): string {
  if (!isLoggedIn(req)) throw new HttpError(500, 'User not logged in.');
  return String(sessionOf(req).data.customerId);
}

interface OrderRequest {
  customer: unknown;
  address: unknown;
  card: unknown;
  items: string;
}

/** §3.5: the customer's links, then its first address and card (in parallel), as the four URLs orders expects. */
async function buildOrderRequest(backends: Backends, custId: string): Promise<OrderRequest> {
  const customer = parseJson(await backends.call(`http://user/customers/${encodeURIComponent(custId)}`));
  const order: OrderRequest = {
    customer: readPath(customer, '_links', 'customer', 'href'),
    address: null,
    card: null,
    items: `http://carts/carts/${encodeURIComponent(custId)}/items`,
  };
  const [address, card] = await Promise.all([
    firstLink(backends, readPath(customer, '_links', 'addresses', 'href'), 'address'),
    firstLink(backends, readPath(customer, '_links', 'cards', 'href'), 'card'),
  ]);
  order.address = address;
  order.card = card;
  return order;
}

async function firstLink(backends: Backends, href: unknown, rel: 'address' | 'card'): Promise<unknown> {
  const list = parseJson(await backends.call(String(href)));
  if (readPath(list, 'status_code') === 500) return null;
  const first = readPath(list, '_embedded', rel, 0);
  return first === null || first === undefined ? null : readPath(first, '_links', 'self', 'href');
}
