/**
 * The Spring Data REST side door the original exported by accident: `GET /items` (paged HAL
 * collection) and `GET /items/{id}`, with ids only in `_links` as Spring Data REST renders entities.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatFloat32 } from '../common/float32.js';
import type { CartItem, CartStore } from '../../stores/carts/types.js';

const HAL = 'application/hal+json;charset=UTF-8';
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 2000;

function sendHal(reply: FastifyReply, status: number, body: unknown) {
  return reply
    .code(status)
    .header('content-type', HAL)
    .send(Buffer.from(JSON.stringify(body)));
}

function nonNegativeInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : fallback;
}

export function registerItemRepository(app: FastifyInstance, store: CartStore, linkHost: string): void {
  const base = `http://${linkHost}`;
  const resource = (item: CartItem) => {
    const self = { href: `${base}/items/${item.id}` };
    return {
      itemId: item.itemId,
      quantity: item.quantity,
      unitPrice: formatFloat32(item.unitPrice),
      _links: { self, item: self },
    };
  };

  app.get<{ Querystring: { page?: string; size?: string } }>(
    '/items',
    { config: { metricsRoute: '/{repository}' } },
    async (req, reply) => {
      const size = Math.min(Math.max(1, nonNegativeInt(req.query.size, DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
      const number = nonNegativeInt(req.query.page, 0);
      const { items, total } = await store.allItems({ offset: number * size, limit: size });
      return sendHal(reply, 200, {
        _embedded: { items: items.map(resource) },
        _links: {
          self: { href: `${base}/items{?page,size,sort}`, templated: true },
          profile: { href: `${base}/profile/items` },
        },
        page: { size, totalElements: total, totalPages: Math.ceil(total / size), number },
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/items/:id',
    { config: { metricsRoute: '/{repository}/{id}' } },
    async (req, reply) => {
      const item = await store.itemById(req.params.id);
      if (!item) return reply.code(404).send();
      return sendHal(reply, 200, resource(item));
    },
  );
}
