/**
 * The original carts API (sockshop-spec §5): carts are created on first read, a duplicate add
 * bumps the quantity, lines are found by catalogue `itemId`, and a missing line is Spring's 500
 * IllegalArgumentException. Route labels are the Spring URL patterns the original reported.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../common/errors.js';
import { formatFloat32 } from '../common/float32.js';
import { javaHealth } from '../common/health.js';
import type { CartItem, CartStore } from '../../stores/carts/types.js';
import { decodeItem, requireJsonContentType, sendEmpty, sendJson } from './spring.js';

const CART = '/carts/{customerId:.*}';
const ITEMS = `${CART}/items`;
const ITEM = `${ITEMS}/{itemId:.*}`;

type CartParams = { Params: { customerId: string } };
type ItemParams = { Params: { customerId: string; itemId: string } };

export function itemJson(item: CartItem) {
  return {
    id: item.id,
    itemId: item.itemId,
    quantity: item.quantity,
    unitPrice: formatFloat32(item.unitPrice),
  };
}

/** The first line of the cart with that catalogue id (the original's `Item.equals` compares itemId only). */
async function findLine(store: CartStore, customerId: string, itemId: string): Promise<CartItem> {
  const line = (await store.items(customerId)).find((item) => item.itemId === itemId);
  if (!line) throw new HttpError(500, 'Cannot find item in cart', 'java.lang.IllegalArgumentException');
  return line;
}

export function registerCartRoutes(app: FastifyInstance, store: CartStore): void {
  const label = (route: string) => ({ config: { metricsRoute: route } });

  app.get<CartParams>('/carts/:customerId', label(CART), async (req, reply) => {
    await store.ensureCart(req.params.customerId);
    return sendJson(reply, 200, { customerId: req.params.customerId });
  });

  app.delete<CartParams>('/carts/:customerId', label(CART), async (req, reply) => {
    await store.deleteCart(req.params.customerId);
    return sendEmpty(reply, 202);
  });

  app.get<CartParams & { Querystring: { sessionId?: string } }>(
    '/carts/:customerId/merge',
    label(`${CART}/merge`),
    async (req, reply) => {
      const sessionId = req.query.sessionId;
      if (sessionId === undefined) {
        throw new HttpError(
          400,
          "Required String parameter 'sessionId' is not present",
          'org.springframework.web.bind.MissingServletRequestParameterException',
        );
      }
      await store.merge(req.params.customerId, sessionId);
      return sendEmpty(reply, 202);
    },
  );

  app.get<CartParams>('/carts/:customerId/items', label(ITEMS), async (req, reply) => {
    return sendJson(reply, 200, (await store.items(req.params.customerId)).map(itemJson));
  });

  app.get<ItemParams>('/carts/:customerId/items/:itemId', label(ITEM), async (req, reply) => {
    return sendJson(reply, 200, itemJson(await findLine(store, req.params.customerId, req.params.itemId)));
  });

  app.post<CartParams>('/carts/:customerId/items', label(ITEMS), async (req, reply) => {
    requireJsonContentType(req);
    const item = decodeItem(req.body);
    const { customerId } = req.params;
    const existing = (await store.items(customerId)).find((line) => line.itemId === item.itemId);
    // A repeated add means "one more", whatever quantity the request carries.
    const saved = existing
      ? await store.setQuantity(existing.id, existing.quantity + 1)
      : await store.addItem(customerId, item);
    if (!saved) throw new HttpError(500, 'Cannot find item in cart', 'java.lang.IllegalArgumentException');
    return sendJson(reply, 201, itemJson(saved));
  });

  app.patch<CartParams>('/carts/:customerId/items', label(ITEMS), async (req, reply) => {
    requireJsonContentType(req);
    const item = decodeItem(req.body);
    const line = await findLine(store, req.params.customerId, item.itemId);
    await store.setQuantity(line.id, item.quantity);
    return sendEmpty(reply, 202);
  });

  app.delete<ItemParams>('/carts/:customerId/items/:itemId', label(ITEM), async (req, reply) => {
    const line = await findLine(store, req.params.customerId, req.params.itemId);
    await store.removeItem(req.params.customerId, line.id);
    return sendEmpty(reply, 202);
  });

  app.get('/health', async (_req, reply) => {
    const dbOk = await store.health().catch(() => false);
    return sendJson(
      reply,
      200,
      javaHealth([
        { service: 'carts', ok: true },
        { service: 'carts-db', ok: dbOk },
      ]),
    );
  });
}
