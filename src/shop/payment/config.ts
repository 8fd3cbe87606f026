/** Payment settings from the environment. The gateway is off by default: the original had none. */
import { ConfigError, envBool, envInt, envNumber, envString } from '../common/env.js';

export interface PaymentConfig {
  pod?: string;
  /** Amounts above this are declined (`-decline` flag of the original; 100 in the deployed image). */
  declineOver: number;
  /** Base URL of the payment provider, or undefined when payment decides alone. */
  gatewayUrl?: string;
  gatewayTimeoutMs: number;
  ledgerMaxEntries: number;
  bodyLimit: number;
}

export function paymentConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const explicitUrl = envString('PAYMENT_GATEWAY_URL', '', env);
  const gatewayOn = envBool('PAYMENT_GATEWAY', explicitUrl !== '', env);
  const config: PaymentConfig = {
    pod: env.POD_NAME,
    declineOver: envNumber('PAYMENT_DECLINE_OVER', 100, env),
    gatewayUrl: gatewayOn ? explicitUrl || 'http://payment-gateway' : undefined,
    gatewayTimeoutMs: envInt('PAYMENT_GATEWAY_TIMEOUT_MS', 3000, env),
    ledgerMaxEntries: envInt('PAYMENT_LEDGER_MAX', 100_000, env),
    bodyLimit: envInt('PAYMENT_BODY_LIMIT', 1024 * 1024, env),
  };
  if (config.gatewayUrl && !/^https?:\/\//.test(config.gatewayUrl)) {
    throw new ConfigError(`PAYMENT_GATEWAY_URL must be an http(s) URL, got "${config.gatewayUrl}"`);
  }
  if (config.gatewayTimeoutMs < 1) throw new ConfigError('PAYMENT_GATEWAY_TIMEOUT_MS must be 1 or more');
  if (config.ledgerMaxEntries < 1) throw new ConfigError('PAYMENT_LEDGER_MAX must be 1 or more');
  if (config.bodyLimit < 1) throw new ConfigError('PAYMENT_BODY_LIMIT must be 1 or more');
  return config;
}
