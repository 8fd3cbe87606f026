/** orders' configuration from the environment. */
import { envBool, envInt } from '../common/env.js';
import type { WorkerPoolOptions } from '../common/worker-pool.js';
import { storeSelection, type StoreSelection } from '../../stores/config.js';
import { storeStartWaitMs } from '../../stores/open.js';

export interface OrdersConfig {
  /** Timeout of each call to user, carts, payment and shipping (the original's `http.timeout`, 5 s). */
  httpTimeoutMs: number;
  /** Timeout of the shipping-rates lookup; on expiry the original's flat 4.99 applies. */
  ratesTimeoutMs: number;
  /** Bounded pool around order creation: workers, queue length, longest wait. */
  pool: Omit<WorkerPoolOptions, 'name'>;
  /** Record failed requests in the latency histograms too (the original did not: sockshop-spec §10.1). */
  observeErrors: boolean;
  pod?: string;
  /** orders-db: ORDERS_DB_MODE / ORDERS_DB_URL (see src/stores/config.ts); absent = in memory. */
  store?: StoreSelection;
  /** STORE_START_WAIT_MS: how long to retry the database at start. */
  storeStartWaitMs?: number;
}

export function ordersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return {
    httpTimeoutMs: envInt('ORDERS_HTTP_TIMEOUT_MS', 5000, env),
    ratesTimeoutMs: envInt('ORDERS_RATES_TIMEOUT_MS', 1000, env),
    pool: {
      // Tomcat's defaults in the original: 200 request threads, 100 waiting connections.
      size: envInt('ORDERS_POOL_SIZE', 200, env),
      queueLimit: envInt('ORDERS_POOL_QUEUE', 100, env),
      queueTimeoutMs: envInt('ORDERS_POOL_QUEUE_TIMEOUT_MS', 10_000, env),
    },
    observeErrors: envBool('ORDERS_OBSERVE_ERRORS', false, env),
    pod: env.POD_NAME,
    store: storeSelection('orders-db', env),
    storeStartWaitMs: storeStartWaitMs(env),
  };
}
