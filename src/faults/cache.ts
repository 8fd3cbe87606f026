/**
 * Cache invalidation broken on all but one replica (Journey 4): the catalogue runs several replicas
 * with a long read-cache TTL, every replica has the sock cached, and a price update reaches one replica
 * only — the others keep serving the old price until their TTL ends. All through the outside: the
 * deployment's env (proposed `setEnv`), `scale`, and the catalogue's admin routes on each pod.
 * Revert puts the old price back on every replica, restores TTL and replicas, and flushes every cache.
 */
import { z } from 'zod';
import { duration, objectName } from './params.js';
import { podUrl, requestJson, serviceUrl, waitRolledOut } from './shop-http.js';
import { envValues } from './store-config.js';
import { need, type FaultContext, type FaultPrimitive } from './types.js';

const TTL_ENV = 'CATALOGUE_CACHE_TTL_MS';

const params = z.strictObject({
  deployment: objectName.default('catalogue'),
  sock: z.string().min(1),
  price: z.number().positive(),
  ttl: duration.default(600_000),
  replicas: z.number().int().min(2).max(10).default(2),
});
type Params = z.infer<typeof params>;

interface CacheRecord {
  previousPrice: number;
  previousReplicas: number;
  previousTtl: string | null;
}

const setEnv = (ctx: FaultContext) => {
  const fn = need(ctx.extensions?.setEnv, 'the setEnv platform verb', 'cache-invalidation-break');
  return fn;
};

async function readyPods(ctx: FaultContext, p: Params, replicas: number) {
  return waitRolledOut(ctx, p.deployment, replicas, 90_000);
}

export const cacheInvalidationBreak: FaultPrimitive<Params, CacheRecord> = {
  name: 'cache-invalidation-break',
  description: 'Update a price on one catalogue replica while the others serve it from a long-lived cache.',
  params,
  targets: (p) => [p.deployment, `${p.deployment}/cache`],
  async prepare(ctx, p) {
    const d = await ctx.platform.getDeployment(p.deployment);
    const previousReplicas = d?.replicas ?? 1;
    // A replica just restarted (e.g. by its liveness probe on a busy machine) leaves the Service
    // without endpoints for a while: read the price once every replica is ready again.
    await readyPods(ctx, p, previousReplicas);
    const sock = await requestJson<{ price: number }>(
      `${await serviceUrl(ctx, p.deployment)}/catalogue/${p.sock}`,
    );
    const { [TTL_ENV]: previousTtl } = await envValues(ctx.platform, p.deployment, [TTL_ENV]);
    return { previousPrice: sock.price, previousReplicas, previousTtl };
  },
  async apply(ctx, p) {
    await setEnv(ctx)(p.deployment, { [TTL_ENV]: String(p.ttl) });
    await ctx.platform.scale(p.deployment, p.replicas);
    const pods = await readyPods(ctx, p, p.replicas);
    for (const pod of pods) await requestJson(`${podUrl(pod)}/catalogue/${p.sock}`); // warm every cache
    await requestJson(`${podUrl(pods[0])}/catalogue/${p.sock}`, {
      method: 'PATCH',
      json: { price: p.price },
    });
  },
  async revert(ctx, p, r) {
    const live = (await ctx.platform.listPods({ deployment: p.deployment })).filter(
      (x) => x.ready && !x.deletionTimestamp,
    );
    for (const pod of live)
      await requestJson(`${podUrl(pod)}/catalogue/${p.sock}`, {
        method: 'PATCH',
        json: { price: r.previousPrice },
      });
    await setEnv(ctx)(p.deployment, { [TTL_ENV]: r.previousTtl });
    await ctx.platform.scale(p.deployment, r.previousReplicas);
    for (const pod of await readyPods(ctx, p, r.previousReplicas))
      await requestJson(`${podUrl(pod)}/catalogue/cache/flush`, { method: 'POST' });
  },
};
