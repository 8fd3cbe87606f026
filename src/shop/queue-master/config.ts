/** queue-master's configuration from the environment. */
import { amqpUrlFromEnv } from '../common/amqp.js';
import { envInt } from '../common/env.js';
import { ServiceDirectory } from '../common/upstream.js';

export interface QueueMasterConfig {
  amqpUrl: string;
  /** Unacknowledged deliveries at once (Spring AMQP 1.6's default prefetch is 1). */
  prefetch: number;
  /** Wait before a delivery that could not be reported goes back to the queue (no hot loop). */
  retryDelayMs: number;
  /** Timeout of the report to orders. */
  httpTimeoutMs: number;
  pod?: string;
}

export function queueMasterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): QueueMasterConfig {
  return {
    amqpUrl: amqpUrlFromEnv(ServiceDirectory.fromEnv(env), env),
    prefetch: Math.max(1, envInt('QUEUE_MASTER_PREFETCH', 1, env)),
    retryDelayMs: Math.max(0, envInt('QUEUE_MASTER_RETRY_DELAY_MS', 1000, env)),
    httpTimeoutMs: envInt('QUEUE_MASTER_HTTP_TIMEOUT_MS', 5000, env),
    pod: env.POD_NAME,
  };
}
