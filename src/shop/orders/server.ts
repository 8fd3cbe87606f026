/** orders (sockshop-spec §6): order placement, Spring Data REST reads, and our shipment report-back. */
import type { FastifyReply } from 'fastify';
import { HttpError } from '../common/errors.js';
import { javaHealth } from '../common/health.js';
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory, Upstream } from '../common/upstream.js';
import { WorkerPool } from '../common/worker-pool.js';
import { openBeside, openOrderStore } from '../../stores/open.js';
import { ORDER_STATUSES, type OrderStatus, type OrderStore } from '../../stores/orders/types.js';
import { Checkout } from './checkout.js';
import type { OrdersConfig } from './config.js';
import {
  halOrder,
  halOrderCollection,
  halSearchIndex,
  halSearchResult,
  ORDERS_BASE,
  plainOrder,
} from './representation.js';

const JSON_TYPE = 'application/json;charset=UTF-8';
const HAL_TYPE = 'application/hal+json;charset=UTF-8';
/** What the original kept: orders that were paid for. Others are reachable by id and by status search. */
const LISTED: readonly OrderStatus[] = ['paid', 'shipped'];

export interface OrdersDeps {
  directory?: ServiceDirectory;
  store?: OrderStore;
}

export interface OrdersService extends RunnableService {
  store: OrderStore;
  pool: WorkerPool;
}

export async function createOrdersService(
  config: OrdersConfig,
  deps: OrdersDeps = {},
): Promise<OrdersService> {
  const server = createShopServer({ service: 'orders', flavour: 'java', pod: config.pod });
  const { app, log, metrics } = server;
  const directory = deps.directory ?? ServiceDirectory.fromEnv();
  const store =
    deps.store ??
    (await openBeside(server, () =>
      openOrderStore(config.store ?? { kind: 'orders-db', mode: 'memory' }, {
        directory,
        registry: metrics.registry,
        startWaitMs: config.storeStartWaitMs,
      }),
    ));
  const upstream = new Upstream(directory, config.httpTimeoutMs);
  const pool = new WorkerPool({ name: 'orders', ...config.pool }, metrics);
  const checkout = new Checkout(store, upstream, log, metrics, config);
  const shipped = metrics.counter('orders_shipped_total', 'Shipment reports from queue-master, by outcome.', [
    'outcome',
  ]);

  if (!config.observeErrors) {
    // Spring's interceptor observed in postHandle, which is skipped when the handler throws.
    app.addHook('onError', (req, _reply, _error, done) => {
      req.shopUnobserved = true;
      done();
    });
  }

  // Spring Boot stamps every response with the application context id.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-application-context', 'orders:80');
  });

  const hal = (reply: FastifyReply, body: unknown) =>
    reply.header('content-type', HAL_TYPE).send(JSON.stringify(body));

  app.post('/orders', async (req, reply) => {
    const mediaType = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') {
      throw new HttpError(
        415,
        `Content type '${req.headers['content-type'] ?? 'application/octet-stream'}' not supported`,
        'org.springframework.web.HttpMediaTypeNotSupportedException',
      );
    }
    const order = await pool.run(() => checkout.place(req.body));
    return reply
      .code(201)
      .header('content-type', JSON_TYPE)
      .send(JSON.stringify(plainOrder(order)));
  });

  app.get('/orders', async (req, reply) => {
    const query = req.query as { page?: string; size?: string };
    const page = nonNegativeInt(query.page, 0);
    const size = Math.min(Math.max(nonNegativeInt(query.size, 20), 1), 1000);
    const result = await store.list({ page, size }, { statuses: LISTED });
    return hal(reply, halOrderCollection(result.orders, { page, size, totalElements: result.totalElements }));
  });

  app.get('/orders/search', async (_req, reply) => hal(reply, halSearchIndex()));

  // The repository method has no Sort parameter, so `sort` is ignored: insertion order.
  app.get('/orders/search/customerId', async (req, reply) => {
    const custId = single((req.query as { custId?: string | string[] }).custId);
    const orders = custId === undefined ? [] : await store.byCustomer(custId, { statuses: LISTED });
    const self = `${ORDERS_BASE}/orders/search/customerId${custId === undefined ? '' : `?custId=${encodeURIComponent(custId)}`}`;
    return hal(reply, halSearchResult(orders, self));
  });

  app.get('/orders/search/status', async (req, reply) => {
    const status = single((req.query as { status?: string | string[] }).status);
    const known = ORDER_STATUSES.find((s) => s === status);
    const result = known
      ? await store.list({ page: 0, size: Number.MAX_SAFE_INTEGER }, { statuses: [known] })
      : undefined;
    const self = `${ORDERS_BASE}/orders/search/status${status === undefined ? '' : `?status=${encodeURIComponent(status)}`}`;
    return hal(reply, halSearchResult(result?.orders ?? [], self));
  });

  app.get('/orders/:id', async (req, reply) => {
    const order = await store.get((req.params as { id: string }).id);
    if (!order) return reply.code(404).send();
    return hal(reply, halOrder(order));
  });

  // Our extension (operator runbooks, e.g. re-driving lost shipment reports): the shipment of each
  // order in one status, oldest first, at most 1000. The HAL read routes carry no ids.
  app.get('/orders/shipments', async (req, reply) => {
    const status = single((req.query as { status?: string | string[] }).status);
    const known = ORDER_STATUSES.find((s) => s === status);
    if (!known) throw new HttpError(400, `status must be one of ${ORDER_STATUSES.join(', ')}`);
    const { orders } = await store.list({ page: 0, size: 1000 }, { statuses: [known] });
    const shipments = orders.map((o) => ({
      orderId: o.id,
      shipmentId: o.shipment.id,
      status: o.status,
      date: o.date.toISOString(),
    }));
    return reply.header('content-type', JSON_TYPE).send(JSON.stringify({ shipments }));
  });

  // Our extension: queue-master reports that a shipment left; the order becomes `shipped`.
  app.post('/orders/shipments/:shipmentId/shipped', async (req, reply) => {
    const { shipmentId } = req.params as { shipmentId: string };
    const order = await store.byShipmentId(shipmentId);
    if (!order) {
      shipped.inc({ outcome: 'unknown' });
      throw new HttpError(
        404,
        `No order with shipment ${shipmentId}`,
        'works.weave.socks.orders.controllers.OrderNotFoundException',
      );
    }
    const update = await store.updateStatus(order.id, 'shipped', ['paid']);
    if (update.outcome === 'missing') throw new HttpError(404, `No order with shipment ${shipmentId}`);
    shipped.inc({ outcome: update.outcome });
    if (update.outcome === 'conflict') {
      throw new HttpError(
        409,
        `Order ${order.id} is ${update.order.status} and cannot be shipped`,
        'java.lang.IllegalStateException',
      );
    }
    return reply.header('content-type', JSON_TYPE).send(JSON.stringify(plainOrder(update.order)));
  });

  app.get('/health', async (_req, reply) => {
    const dbOk = await store.ping().catch(() => false);
    return reply.header('content-type', JSON_TYPE).send(
      JSON.stringify(
        javaHealth([
          { service: 'orders', ok: true },
          { service: 'orders-db', ok: dbOk },
        ]),
      ),
    );
  });

  return {
    server,
    store,
    pool,
    async stop() {
      await upstream.close();
      await store.close();
    },
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function nonNegativeInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : fallback;
}
