/**
 * The business view and the two reconciliation runbooks, through the shop's own routes:
 * - payments: `GET /payments` (the ledger), `POST /payments/:id/void`;
 * - orders: `GET /orders/search/status` (HAL, ids only in links), `GET /orders/shipments`,
 *   `POST /orders/shipments/:id/shipped` (what queue-master posts when a shipment left).
 * Both runbooks leave alone anything younger than `minAgeSeconds`: an authorisation or a paid order
 * that new may still be on its normal way.
 */
import { z } from 'zod';
import type { AgentContext } from '../context.js';
import { shopJson, shopJsonOk } from '../http.js';
import { defineTool, limit } from '../tool.js';

const ORDER_STATUSES = ['created', 'paid', 'payment_failed', 'shipped', 'failed'] as const;
type OrderStatus = (typeof ORDER_STATUSES)[number];

interface HalOrder {
  customerId?: string;
  date?: string;
  total?: number;
  status?: string;
  statusHistory?: Array<{ status: string; date: string; reason?: string }>;
  _links?: { self?: { href?: string } };
}

interface Payment {
  id: string;
  time: string;
  amount: number;
  status: string;
  message?: string;
  customerId?: string;
  orderId?: string;
}

/** Java's "+0000" dates parse once the offset has a colon. */
const parseDate = (d: string | undefined) => (d ? Date.parse(d.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : NaN);

async function ordersWithStatus(ctx: AgentContext, status: OrderStatus) {
  const base = await ctx.serviceUrl('orders');
  const body = await shopJsonOk<{ _embedded?: { customerOrders?: HalOrder[] } }>(
    `${base}/orders/search/status?status=${status}`,
    { timeoutMs: 20_000 },
  );
  return (body._embedded?.customerOrders ?? []).map((o) => {
    const last = o.statusHistory?.[o.statusHistory.length - 1];
    return {
      id: o._links?.self?.href?.split('/').pop() ?? null,
      customerId: o.customerId,
      status: o.status ?? status,
      date: o.date,
      total: o.total,
      lastChange: last ? { status: last.status, at: last.date, reason: last.reason } : undefined,
    };
  });
}

async function payments(ctx: AgentContext, status: string | undefined, max: number): Promise<Payment[]> {
  const base = await ctx.serviceUrl('payment');
  const query = `limit=${max}${status ? `&status=${status}` : ''}`;
  return (await shopJsonOk<{ payments: Payment[] }>(`${base}/payments?${query}`)).payments ?? [];
}

export const listOrders = defineTool({
  name: 'list_orders',
  description:
    "Orders (newest first, at most `limit`) of one status, or of any; with the count per status and each order's last status change (and its reason, e.g. a failing dependency).",
  kind: 'read',
  input: z.strictObject({ status: z.enum(ORDER_STATUSES).optional(), limit: limit(20, 100) }),
  async run(ctx, args) {
    const all = await Promise.all(ORDER_STATUSES.map((s) => ordersWithStatus(ctx, s)));
    const countsByStatus = Object.fromEntries(ORDER_STATUSES.map((s, i) => [s, all[i].length]));
    const pool = args.status ? all[ORDER_STATUSES.indexOf(args.status)] : all.flat();
    const orders = pool.sort((a, b) => parseDate(b.date) - parseDate(a.date)).slice(0, args.limit);
    return { countsByStatus, orders };
  },
});

export const listPayments = defineTool({
  name: 'list_payments',
  description:
    'The payment ledger, newest first: authorisations, declines and voids, with the order each belongs to.',
  kind: 'read',
  input: z.strictObject({
    status: z.enum(['authorised', 'declined', 'voided']).optional(),
    limit: limit(20, 100),
  }),
  async run(ctx, args) {
    const list = await payments(ctx, args.status, args.limit);
    return {
      payments: list.map((p) => ({
        id: p.id,
        time: p.time,
        amount: p.amount,
        status: p.status,
        orderId: p.orderId ?? null,
        customerId: p.customerId ?? null,
        message: p.message,
      })),
    };
  },
});

const minAge = z.number().int().min(0).max(3600).default(30).describe('leave younger ones alone (seconds)');

export const reconcilePayments = defineTool({
  name: 'reconcile_payments',
  description:
    'Voids authorisations that have no paid or shipped order (the customer saw the order fail but was charged). Only authorisations older than minAgeSeconds (default 30); dryRun lists them without voiding.',
  kind: 'action',
  input: z.strictObject({ minAgeSeconds: minAge, dryRun: z.boolean().default(false) }),
  async run(ctx, args) {
    const [authorised, paid, shipped] = await Promise.all([
      payments(ctx, 'authorised', 1000),
      ordersWithStatus(ctx, 'paid'),
      ordersWithStatus(ctx, 'shipped'),
    ]);
    const settled = new Set([...paid, ...shipped].map((o) => o.id));
    const cutoff = Date.now() - args.minAgeSeconds * 1000;
    const orphans = authorised.filter(
      (p) => (!p.orderId || !settled.has(p.orderId)) && Date.parse(p.time) <= cutoff,
    );
    const base = await ctx.serviceUrl('payment');
    const results = [];
    for (const p of orphans) {
      if (args.dryRun) {
        results.push({ payment: p.id, orderId: p.orderId ?? null, amount: p.amount, outcome: 'would void' });
        continue;
      }
      const { status } = await shopJson(`${base}/payments/${encodeURIComponent(p.id)}/void`, {
        method: 'POST',
      });
      results.push({
        payment: p.id,
        orderId: p.orderId ?? null,
        amount: p.amount,
        outcome: status < 300 ? 'voided' : `failed (${status})`,
      });
    }
    return {
      changed: args.dryRun
        ? 'nothing (dry run)'
        : `${results.filter((r) => r.outcome === 'voided').length} authorisation(s) voided`,
      authorisationsChecked: authorised.length,
      orphans: results.length,
      results: results.slice(0, 100),
    };
  },
});

export const redriveShipments = defineTool({
  name: 'redrive_shipments',
  description:
    'Re-posts "shipped" to orders for paid orders whose shipment was handed to shipping but whose shipped report never arrived (older than minAgeSeconds, default 30); dryRun lists them.',
  kind: 'action',
  input: z.strictObject({ minAgeSeconds: minAge, dryRun: z.boolean().default(false) }),
  async run(ctx, args) {
    const base = await ctx.serviceUrl('orders');
    const { shipments } = await shopJsonOk<{
      shipments: Array<{ orderId: string; shipmentId: string; date: string }>;
    }>(`${base}/orders/shipments?status=paid`, { timeoutMs: 20_000 });
    const cutoff = Date.now() - args.minAgeSeconds * 1000;
    const stuck = shipments.filter((s) => Date.parse(s.date) <= cutoff);
    const results = [];
    for (const s of stuck) {
      if (args.dryRun) {
        results.push({ order: s.orderId, shipment: s.shipmentId, outcome: 'would re-post' });
        continue;
      }
      const { status } = await shopJson(
        `${base}/orders/shipments/${encodeURIComponent(s.shipmentId)}/shipped`,
        {
          method: 'POST',
        },
      );
      const outcome = status < 300 ? 'shipped' : status === 409 ? 'already moved on' : `failed (${status})`;
      results.push({ order: s.orderId, shipment: s.shipmentId, outcome });
    }
    return {
      changed: args.dryRun
        ? 'nothing (dry run)'
        : `${results.filter((r) => r.outcome === 'shipped').length} order(s) marked shipped`,
      paidOrders: shipments.length,
      stuck: results.length,
      results: results.slice(0, 100),
    };
  },
});
