/** shipping's configuration from the environment. */
import { join, resolve } from 'node:path';
import { projectRoot } from '../../lib/project-root.js';
import { amqpUrlFromEnv } from '../common/amqp.js';
import { envInt, envString } from '../common/env.js';
import { ServiceDirectory } from '../common/upstream.js';

export interface ShippingConfig {
  amqpUrl: string;
  /** How long a publish waits for the broker's ack/nack before it counts as failed. */
  confirmTimeoutMs: number;
  ratesFile: string;
  ratesPollMs: number;
  pod?: string;
}

export function shippingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ShippingConfig {
  return {
    amqpUrl: amqpUrlFromEnv(ServiceDirectory.fromEnv(env), env),
    confirmTimeoutMs: envInt('SHIPPING_CONFIRM_TIMEOUT_MS', 5000, env),
    ratesFile: resolve(envString('SHIPPING_RATES_FILE', defaultRatesFile(), env)),
    ratesPollMs: envInt('SHIPPING_RATES_POLL_MS', 2000, env),
    pod: env.POD_NAME,
  };
}

/** `config/shipping-rates.yaml` of the project this module belongs to. */
function defaultRatesFile(): string {
  return join(projectRoot(), 'config', 'shipping-rates.yaml');
}
