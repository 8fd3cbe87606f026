/** The stand-in payment provider needs no settings beyond the common ones (PORT, HOST, POD_NAME). */

export interface PaymentGatewayConfig {
  pod?: string;
}

export function paymentGatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentGatewayConfig {
  return { pod: env.POD_NAME };
}
