/**
 * Store configuration faults:
 * - `store-config`: environment settings of a store or service pod (session TTL / eviction policy /
 *   maxmemory, pool sizes, cache TTL), like `kubectl set env`; needs the proposed `setEnv` verb.
 * - `store-kv-config`: CONFIG SET on a key-value store (a real Redis session-db).
 * - `store-index-drop`: drop the catalogue's search index; revert re-creates it if it existed.
 */
import { z } from 'zod';
import type { Platform } from '../platform/types.js';
import { objectName } from './params.js';
import { FaultError, need, type FaultContext, type FaultPrimitive } from './types.js';

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');

/** The deployment's current values of `keys` (null = unset). */
export async function envValues(
  platform: Platform,
  deployment: string,
  keys: string[],
): Promise<Record<string, string | null>> {
  const d = await platform.getDeployment(deployment);
  if (!d) throw new FaultError(`deployment "${deployment}" not found`);
  const env = d.template.container.env ?? {};
  return Object.fromEntries(keys.map((k) => [k, env[k] ?? null]));
}

const setEnvOf = (ctx: FaultContext) =>
  need(ctx.extensions?.setEnv, 'the setEnv platform verb', 'store-config');

const envParams = z.strictObject({
  deployment: objectName,
  env: z.record(envName, z.union([z.string(), z.number()]).transform(String)),
});
type EnvParams = z.infer<typeof envParams>;

export const storeConfig: FaultPrimitive<EnvParams, { previous: Record<string, string | null> }> = {
  name: 'store-config',
  description: "Change a store's settings held in its pod environment (TTL, eviction, maxmemory, pool size).",
  params: envParams,
  targets: (p) => [p.deployment],
  prepare: async (ctx, p) => {
    setEnvOf(ctx);
    return { previous: await envValues(ctx.platform, p.deployment, Object.keys(p.env)) };
  },
  // prepare checks the verb too, so that nothing is journalled for a fault this lab cannot apply
  apply: (ctx, p) => setEnvOf(ctx)(p.deployment, p.env),
  revert: (ctx, p, r) => setEnvOf(ctx)(p.deployment, r.previous),
};

const kvParams = z.strictObject({
  store: objectName.default('session-db'),
  config: z.record(z.string().min(1), z.union([z.string(), z.number()]).transform(String)),
});
type KvParams = z.infer<typeof kvParams>;

function kvAdmin(ctx: FaultContext, store: string) {
  return need(
    ctx.stores?.keyValue?.[store],
    `an admin connection to key-value store "${store}"`,
    'store-kv-config',
  );
}

export const storeKvConfig: FaultPrimitive<KvParams, { previous: Record<string, string> }> = {
  name: 'store-kv-config',
  description: 'CONFIG SET on a key-value store (e.g. maxmemory-policy allkeys-lru, a small maxmemory).',
  params: kvParams,
  targets: (p) => [p.store],
  async prepare(ctx, p) {
    const admin = kvAdmin(ctx, p.store);
    const previous: Record<string, string> = {};
    for (const key of Object.keys(p.config)) {
      const value = await admin.getConfig(key);
      if (value === undefined) throw new FaultError(`store "${p.store}" has no setting "${key}"`);
      previous[key] = value;
    }
    return { previous };
  },
  async apply(ctx, p) {
    for (const [key, value] of Object.entries(p.config)) await kvAdmin(ctx, p.store).setConfig(key, value);
  },
  async revert(ctx, p, r) {
    for (const [key, value] of Object.entries(r.previous)) await kvAdmin(ctx, p.store).setConfig(key, value);
  },
};

const indexParams = z.strictObject({ store: objectName.default('catalogue-db') });

export const storeIndexDrop: FaultPrimitive<z.infer<typeof indexParams>, { existed: boolean }> = {
  name: 'store-index-drop',
  description: "Drop the catalogue database's search index.",
  params: indexParams,
  targets: (p) => [p.store, `${p.store}/search-index`],
  prepare: async (ctx, p) => ({ existed: await indexAdmin(ctx, p.store).searchIndexExists() }),
  apply: (ctx, p) => indexAdmin(ctx, p.store).dropSearchIndex(),
  async revert(ctx, p, r) {
    const admin = indexAdmin(ctx, p.store);
    if (r.existed && !(await admin.searchIndexExists())) await admin.createSearchIndex();
  },
};

function indexAdmin(ctx: FaultContext, store: string) {
  return need(
    ctx.stores?.searchIndex?.[store],
    `an admin connection to SQL store "${store}"`,
    'store-index-drop',
  );
}
