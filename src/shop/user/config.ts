/** The user service's configuration, from the environment. */
import { ConfigError, envInt, envString } from '../common/env.js';
import { storeSelection, type StoreSelection } from '../../stores/config.js';
import { storeStartWaitMs } from '../../stores/open.js';

export interface UserConfig {
  /** Host used in HAL links (`http://<linkHost>/customers/...`); the original image set HATEOAS=user. */
  linkHost: string;
  pod?: string;
  bodyLimit: number;
  /** Bounded pool around store calls (DESIGN.md §3). */
  pool: { size: number; queueLimit: number; queueTimeoutMs: number };
  /** user-db: USER_DB_MODE / USER_DB_URL (see src/stores/config.ts); absent = in memory. */
  store?: StoreSelection;
  /** STORE_START_WAIT_MS: how long to retry the database at start. */
  storeStartWaitMs?: number;
}

export function userConfigFromEnv(env: NodeJS.ProcessEnv = process.env): UserConfig {
  const pool = {
    size: envInt('USER_POOL_SIZE', 32, env),
    queueLimit: envInt('USER_POOL_QUEUE', 256, env),
    queueTimeoutMs: envInt('USER_POOL_QUEUE_TIMEOUT_MS', 5000, env),
  };
  if (pool.size < 1) throw new ConfigError(`USER_POOL_SIZE must be at least 1, got ${pool.size}`);
  if (pool.queueLimit < 0)
    throw new ConfigError(`USER_POOL_QUEUE must not be negative, got ${pool.queueLimit}`);
  if (pool.queueTimeoutMs < 1) {
    throw new ConfigError(`USER_POOL_QUEUE_TIMEOUT_MS must be at least 1, got ${pool.queueTimeoutMs}`);
  }
  return {
    linkHost: envString('HATEOAS', 'user', env),
    pod: env.POD_NAME,
    bodyLimit: envInt('USER_BODY_LIMIT_BYTES', 1024 * 1024, env),
    pool,
    store: storeSelection('user-db', env),
    storeStartWaitMs: storeStartWaitMs(env),
  };
}
