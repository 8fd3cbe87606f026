/** The carts service's configuration, from the environment. */
import { envInt, envString } from '../common/env.js';
import { storeSelection, type StoreSelection } from '../../stores/config.js';
import { storeStartWaitMs } from '../../stores/open.js';

export interface CartsConfig {
  /** Host in the Spring Data REST side door's links; Spring used the request host, `carts` inside the cluster. */
  linkHost: string;
  pod?: string;
  bodyLimit: number;
  /** carts-db: CARTS_DB_MODE / CARTS_DB_URL (see src/stores/config.ts); absent = in memory. */
  store?: StoreSelection;
  /** STORE_START_WAIT_MS: how long to retry the database at start. */
  storeStartWaitMs?: number;
}

export function cartsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CartsConfig {
  return {
    linkHost: envString('CARTS_LINK_HOST', 'carts', env),
    pod: env.POD_NAME,
    bodyLimit: envInt('CARTS_BODY_LIMIT_BYTES', 1024 * 1024, env),
    store: storeSelection('carts-db', env),
    storeStartWaitMs: storeStartWaitMs(env),
  };
}
