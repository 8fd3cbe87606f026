/**
 * Data stores: what backs each one and how it is doing (store_stats), the catalogue's search index
 * (create_index / drop_index, through the store admins when the lab provides them) and the
 * catalogue's read cache (flush_cache, on every catalogue pod — each keeps its own cache).
 */
import { z } from 'zod';
import { STORE_USERS } from '../../platform/store-pods.js';
import { STORE_KINDS, type StoreKind } from '../../stores/config.js';
import { hideCredentials } from '../bounds.js';
import type { AgentContext } from '../context.js';
import { ToolError } from '../errors.js';
import { podBaseUrl, shopJsonOk } from '../http.js';
import { defineTool } from '../tool.js';

const DB_STORES = ['catalogue-db', 'user-db', 'carts-db', 'orders-db', 'session-db'] as const;
type DbStore = (typeof DB_STORES)[number];

/** A PromQL answer's samples (value null when not a number, e.g. 0/0); none when the telemetry has nothing. */
function series(
  ctx: AgentContext,
  expr: string,
): Array<{ labels: Record<string, string>; value: number | null }> {
  try {
    const v = ctx.telemetry.query(expr);
    if (v.type !== 'vector') return [];
    return v.samples.map((s) => ({
      labels: s.labels,
      value: Number.isFinite(s.v) ? Number(s.v.toPrecision(6)) : null,
    }));
  } catch {
    return [];
  }
}

const one = (ctx: AgentContext, expr: string) => series(ctx, expr)[0]?.value ?? null;

/** How the store's user service reaches it: memory, the lab's pod, or an external URL's scheme. */
async function backendOf(ctx: AgentContext, store: StoreKind, deployments: Set<string>) {
  const user = STORE_USERS[store][0];
  const env = (await ctx.platform.getDeployment(user))?.template.container.env ?? {};
  const spec = STORE_KINDS[store];
  const url = env[spec.urlEnv];
  const mode = env[spec.modeEnv] ?? (url ? 'url' : 'default');
  return {
    usedBy: STORE_USERS[store],
    mode,
    url: url ? hideCredentials(url) : undefined,
    pod: deployments.has(store) ? store : null,
  };
}

async function indexPresent(ctx: AgentContext, store: string): Promise<boolean | 'not available'> {
  const admin = ctx.stores?.searchIndex?.[store];
  return admin ? admin.searchIndexExists() : 'not available';
}

async function statsOf(ctx: AgentContext, store: DbStore, deployments: Set<string>) {
  const user = STORE_USERS[store][0];
  const out: Record<string, unknown> = { store, ...(await backendOf(ctx, store, deployments)) };
  const pools = series(ctx, `sum by (pool, state) (db_pool_connections{job="${user}"})`);
  if (pools.length) {
    out.pool = {
      connections: Object.fromEntries(pools.map((s) => [`${s.labels.pool}/${s.labels.state}`, s.value])),
      size: one(ctx, `sum(db_pool_size{job="${user}"})`),
      waiting: one(ctx, `sum(db_pool_waiting{job="${user}"})`),
      acquireTimeoutsLast5m: one(ctx, `sum(increase(db_pool_acquire_timeouts_total{job="${user}"}[5m]))`),
    };
  }
  if (store === 'catalogue-db') {
    out.searchIndexPresent = await indexPresent(ctx, store);
    out.catalogueCache = {
      entriesPerPod: Object.fromEntries(
        series(ctx, 'catalogue_cache_entries{job="catalogue"}').map((s) => [s.labels.pod, s.value]),
      ),
      hitRatioLast5m: one(
        ctx,
        'sum(rate(catalogue_cache_hits_total[5m])) / (sum(rate(catalogue_cache_hits_total[5m])) + sum(rate(catalogue_cache_misses_total[5m])))',
      ),
    };
  }
  if (store === 'session-db') {
    const kv = ctx.stores?.keyValue?.[store];
    out.sessions = {
      keys: one(ctx, 'sum(session_store_keys{job="front-end"})'),
      memoryBytes: one(ctx, 'max(session_store_memory_bytes{job="front-end"})'),
      maxmemoryBytes: one(ctx, 'max(session_store_maxmemory_bytes{job="front-end"})'),
      evictionsLast5m: one(ctx, 'sum(increase(session_store_evictions_total{job="front-end"}[5m]))'),
      expirationsLast5m: one(ctx, 'sum(increase(session_store_expirations_total{job="front-end"}[5m]))'),
    };
    out.config = kv
      ? {
          maxmemory: await kv.getConfig('maxmemory'),
          'maxmemory-policy': await kv.getConfig('maxmemory-policy'),
        }
      : 'not available';
  }
  return out;
}

export const storeStats = defineTool({
  name: 'store_stats',
  description:
    'Per data store: backend (memory, lab pod or external URL), connection-pool use, and store specifics — catalogue-db: search index present, read-cache entries per pod and hit ratio; session-db: sessions, memory, evictions, maxmemory config.',
  kind: 'read',
  input: z.strictObject({ store: z.enum(DB_STORES).optional() }),
  async run(ctx, { store }) {
    const deployments = new Set((await ctx.platform.listDeployments()).map((d) => d.name));
    const wanted = store ? [store] : [...DB_STORES];
    return { stores: await Promise.all(wanted.map((s) => statsOf(ctx, s, deployments))) };
  },
});

const indexedStore = z.strictObject({ store: z.enum(['catalogue-db']) });

function searchAdmin(ctx: AgentContext, store: string) {
  const admin = ctx.stores?.searchIndex?.[store];
  if (!admin)
    throw new ToolError(
      'unavailable',
      `the store admin of "${store}" is not available in this lab (search index tools need it)`,
    );
  return admin;
}

export const createIndex = defineTool({
  name: 'create_index',
  description: "Creates the catalogue's search index (the one `?q=` searches use) if it is missing.",
  kind: 'action',
  input: indexedStore,
  async run(ctx, { store }) {
    const admin = searchAdmin(ctx, store);
    if (await admin.searchIndexExists())
      return { changed: 'nothing (the index exists)', store, indexPresent: true };
    await admin.createSearchIndex();
    return { changed: 'search index created', store, indexPresent: await admin.searchIndexExists() };
  },
});

export const dropIndex = defineTool({
  name: 'drop_index',
  description: "Drops the catalogue's search index (searches fall back to a full scan).",
  kind: 'action',
  input: indexedStore,
  async run(ctx, { store }) {
    const admin = searchAdmin(ctx, store);
    if (!(await admin.searchIndexExists()))
      return { changed: 'nothing (no index)', store, indexPresent: false };
    await admin.dropSearchIndex();
    return { changed: 'search index dropped', store, indexPresent: await admin.searchIndexExists() };
  },
});

export const flushCache = defineTool({
  name: 'flush_cache',
  description:
    "Empties the catalogue's read cache on every running catalogue pod (each pod caches on its own).",
  kind: 'action',
  input: z.strictObject({ service: z.enum(['catalogue']) }),
  async run(ctx, { service }) {
    const pods = (await ctx.platform.listPods({ deployment: service })).filter(
      (p) => p.phase === 'Running' && !p.deletionTimestamp,
    );
    if (pods.length === 0) throw new ToolError('conflict', `no running ${service} pod to flush`);
    const results = await Promise.all(
      pods.map(async (p) => {
        try {
          const body = await shopJsonOk<{ flushed?: number }>(`${podBaseUrl(p)}/catalogue/cache/flush`, {
            method: 'POST',
          });
          return { pod: p.name, ok: true, flushedEntries: body?.flushed ?? null };
        } catch (error) {
          return { pod: p.name, ok: false, error: (error as Error).message };
        }
      }),
    );
    return {
      changed: `cache flushed on ${results.filter((r) => r.ok).length} of ${pods.length} pod(s)`,
      pods: results,
    };
  },
});
