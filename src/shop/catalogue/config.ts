/** Catalogue settings from the environment (every knob a scenario may turn). */
import { ConfigError, envBool, envInt } from '../common/env.js';
import { storeSelection, type StoreSelection } from '../../stores/config.js';
import { storeStartWaitMs } from '../../stores/open.js';

export interface CatalogueConfig {
  pod?: string;
  /** catalogue-db: CATALOGUE_DB_MODE / CATALOGUE_DB_URL (see src/stores/config.ts). */
  store: StoreSelection;
  /** STORE_START_WAIT_MS: how long to retry the database at start. */
  storeStartWaitMs: number;
  /** Adds the later dump's "Weave special" to the nine deployed socks. */
  includeWeaveSpecial: boolean;
  /** Deterministic generated socks added to the seed (large-catalogue scenarios). */
  extraSocks: number;
  breaker: { maxFailures: number; openMs: number };
  cache: { ttlMs: number; maxEntries: number };
  pool: { size: number; queueLimit: number; queueTimeoutMs: number };
  bodyLimit: number;
}

export function catalogueConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CatalogueConfig {
  const config: CatalogueConfig = {
    pod: env.POD_NAME,
    store: storeSelection('catalogue-db', env),
    storeStartWaitMs: storeStartWaitMs(env),
    includeWeaveSpecial: envBool('CATALOGUE_WEAVE_SPECIAL', false, env),
    extraSocks: envInt('CATALOGUE_EXTRA_SOCKS', 0, env),
    breaker: {
      maxFailures: envInt('CATALOGUE_BREAKER_MAX_FAILURES', 5, env),
      openMs: envInt('CATALOGUE_BREAKER_TIMEOUT_MS', 30_000, env),
    },
    cache: {
      ttlMs: envInt('CATALOGUE_CACHE_TTL_MS', 1000, env),
      maxEntries: envInt('CATALOGUE_CACHE_MAX_ENTRIES', 1000, env),
    },
    pool: {
      size: envInt('CATALOGUE_POOL_SIZE', 16, env),
      queueLimit: envInt('CATALOGUE_POOL_QUEUE', 256, env),
      queueTimeoutMs: envInt('CATALOGUE_POOL_QUEUE_TIMEOUT_MS', 10_000, env),
    },
    bodyLimit: envInt('CATALOGUE_BODY_LIMIT', 64 * 1024, env),
  };
  const nonNegative: Array<[string, number]> = [
    ['CATALOGUE_EXTRA_SOCKS', config.extraSocks],
    ['CATALOGUE_BREAKER_MAX_FAILURES', config.breaker.maxFailures],
    ['CATALOGUE_BREAKER_TIMEOUT_MS', config.breaker.openMs],
    ['CATALOGUE_CACHE_TTL_MS', config.cache.ttlMs],
    ['CATALOGUE_POOL_QUEUE', config.pool.queueLimit],
  ];
  for (const [name, value] of nonNegative)
    if (value < 0) throw new ConfigError(`${name} must be 0 or more, got ${value}`);
  const positive: Array<[string, number]> = [
    ['CATALOGUE_CACHE_MAX_ENTRIES', config.cache.maxEntries],
    ['CATALOGUE_POOL_SIZE', config.pool.size],
    ['CATALOGUE_POOL_QUEUE_TIMEOUT_MS', config.pool.queueTimeoutMs],
    ['CATALOGUE_BODY_LIMIT', config.bodyLimit],
  ];
  for (const [name, value] of positive)
    if (value < 1) throw new ConfigError(`${name} must be 1 or more, got ${value}`);
  if (config.extraSocks > 99_999)
    throw new ConfigError(`CATALOGUE_EXTRA_SOCKS must be at most 99999, got ${config.extraSocks}`);
  return config;
}
