/**
 * State readers for state checks: what the platform, the broker and the shop's own routes say right
 * now, as one number per check. They read from outside, as an operator (or the evaluator) would.
 */
import type { Platform } from '../platform/types.js';
import type { BrokerAdmin } from '../stores/broker/admin.js';
import { podUrl, requestJson, serviceUrl } from '../faults/shop-http.js';
import type { StateFn } from './checks.js';
import type { StateCheck, StateKind } from './schema.js';

export interface StateDeps {
  platform: Platform;
  broker?: BrokerAdmin;
  serviceUrl?(service: string): Promise<string>;
}

type Params = StateCheck['params'];

export class StateCheckError extends Error {
  override name = 'StateCheckError';
}

function param(params: Params, name: string, fallback?: string): string {
  const value = params[name] ?? fallback;
  if (value === undefined) throw new StateCheckError(`state check needs the parameter "${name}"`);
  return String(value);
}

interface HalOrders {
  _embedded?: { customerOrders?: Array<{ status?: string; _links?: { self?: { href?: string } } }> };
}

/** Orders with a status, by id: a HAL order carries its id only in its `self` link, as Spring Data REST does. */
async function ordersWithStatus(deps: StateDeps, status: string): Promise<Array<{ id: string }>> {
  const base = await serviceUrl(deps, 'orders');
  const body = await requestJson<HalOrders>(
    `${base}/orders/search/status?status=${encodeURIComponent(status)}`,
  );
  return (body._embedded?.customerOrders ?? []).map((o) => ({
    id: o._links?.self?.href?.split('/').pop() ?? '',
  }));
}

const READERS: Record<StateKind, (deps: StateDeps, p: Params) => Promise<number>> = {
  async 'queue-depth'(deps, p) {
    const q = await broker(deps).getQueue(param(p, 'queue', 'shipping-task'));
    return q?.messages ?? 0;
  },
  async 'queue-consumers'(deps, p) {
    const q = await broker(deps).getQueue(param(p, 'queue', 'shipping-task'));
    return q?.consumers ?? 0;
  },
  async replicas(deps, p) {
    return (await deps.platform.getDeployment(param(p, 'deployment')))?.replicas ?? 0;
  },
  async 'ready-replicas'(deps, p) {
    return (await deps.platform.getDeployment(param(p, 'deployment')))?.readyReplicas ?? 0;
  },
  async restarts(deps, p) {
    const pods = await deps.platform.listPods({ deployment: param(p, 'deployment') });
    return pods.reduce((sum, pod) => sum + pod.container.restartCount, 0);
  },
  async 'hpa-replicas'(deps, p) {
    return (await deps.platform.getHpa(param(p, 'name')))?.status.currentReplicas ?? 0;
  },
  async 'orders-by-status'(deps, p) {
    return (await ordersWithStatus(deps, param(p, 'status'))).length;
  },
  /** Authorised payments whose order never became paid or shipped (Journey 2's orphans). */
  async 'orphan-authorisations'(deps) {
    const base = await serviceUrl(deps, 'payment');
    const { payments } = await requestJson<{ payments: Array<{ orderId?: string | null }> }>(
      `${base}/payments?status=authorised&limit=1000`,
    );
    const settled = new Set<string>();
    for (const status of ['paid', 'shipped'])
      for (const o of await ordersWithStatus(deps, status)) settled.add(o.id);
    return payments.filter((x) => !x.orderId || !settled.has(x.orderId)).length;
  },
  /** Replicas that serve a sock at a price other than the one set (Journey 4). */
  async 'stale-price-replicas'(deps, p) {
    const expected = Number(param(p, 'price'));
    return (await replicaPrices(deps, p)).filter((served) => Math.abs(served - expected) > 0.005).length;
  },
  /**
   * Replicas that serve a sock at a price other than the one most replicas serve (Journey 4): 0 when
   * every replica agrees — before an update, and after it once every cache is fresh or the update was
   * rolled back — so it needs no knowledge of which price is current.
   */
  async 'price-disagreement'(deps, p) {
    const prices = await replicaPrices(deps, p);
    const servedBy = new Map<number, number>();
    for (const price of prices) {
      const cents = Math.round(price * 100);
      servedBy.set(cents, (servedBy.get(cents) ?? 0) + 1);
    }
    return prices.length - Math.max(0, ...servedBy.values());
  },
  /** The shipping cost quoted for a country (Journey 10). */
  async 'shipping-rate'(deps, p) {
    const base = await serviceUrl(deps, 'shipping');
    const quote = await requestJson<{ rate?: number; cost?: number } | number>(
      `${base}/shipping/rates?country=${encodeURIComponent(param(p, 'country'))}`,
    );
    const value = typeof quote === 'number' ? quote : (quote.rate ?? quote.cost);
    if (typeof value !== 'number') throw new StateCheckError('shipping rates answer has no rate');
    return value;
  },
  async 'mesh-rules'(deps) {
    return (await deps.platform.listMeshRules()).length;
  },
  /**
   * Active probe (Journey 3): an anonymous shopper puts a sock in the cart, comes back after `gap`
   * seconds and looks again. 1 = the cart came back empty, 0 = it survived.
   */
  async 'cart-retention-loss'(deps, p) {
    const base = await serviceUrl(deps, 'front-end');
    const first = await fetch(`${base}/cart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: param(p, 'sock') }),
      signal: AbortSignal.timeout(10_000),
    });
    await first.arrayBuffer();
    const cookie = first.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    if (first.status !== 201 || !cookie)
      throw new StateCheckError(`could not fill a cart (status ${first.status})`);
    await new Promise((r) => setTimeout(r, Number(param(p, 'gap', '5')) * 1000));
    const items = await requestJson<unknown[]>(`${base}/cart`, { headers: { cookie } });
    return Array.isArray(items) && items.length > 0 ? 0 : 1;
  },
  /**
   * Active probe (Journey 9): `attempts` pairs of updates to different fields of one customer, without
   * If-Match, the second sent `stagger` ms after the first (two saves in quick succession); counts the
   * pairs where a saved change was lost. With no stagger both reads precede both writes even when
   * writes are fast, so a stagger longer than a healthy write is what makes slow writes visible.
   */
  async 'profile-lost-updates'(deps, p) {
    const url = `${await serviceUrl(deps, 'user')}/customers/${param(p, 'customer')}`;
    const stagger = Number(param(p, 'stagger', '0'));
    let lost = 0;
    for (let i = 0; i < Number(param(p, 'attempts', '5')); i++) {
      const first = `F${Date.now().toString(36)}${i}`;
      const last = `L${Date.now().toString(36)}${i}`;
      await Promise.all([
        requestJson(url, { method: 'PATCH', json: { firstName: first } }),
        new Promise((r) => setTimeout(r, stagger)).then(() =>
          requestJson(url, { method: 'PATCH', json: { lastName: last } }),
        ),
      ]);
      const saved = await requestJson<{ firstName?: string; lastName?: string }>(url);
      if (saved.firstName !== first || saved.lastName !== last) lost++;
    }
    return lost;
  },
};

/** The price of a sock as each ready replica of the catalogue serves it (through its cache). */
async function replicaPrices(deps: StateDeps, p: Params): Promise<number[]> {
  const sock = encodeURIComponent(param(p, 'sock'));
  const pods = (await deps.platform.listPods({ deployment: param(p, 'deployment', 'catalogue') })).filter(
    (x) => x.ready && !x.deletionTimestamp,
  );
  const prices: number[] = [];
  for (const pod of pods)
    prices.push((await requestJson<{ price: number }>(`${podUrl(pod)}/catalogue/${sock}`)).price);
  return prices;
}

function broker(deps: StateDeps): BrokerAdmin {
  if (!deps.broker) throw new StateCheckError('queue checks need a broker admin');
  return deps.broker;
}

/** A `readState` function for the check evaluator. */
export function stateReader(deps: StateDeps): StateFn {
  return (check) => READERS[check.state](deps, check.params);
}
