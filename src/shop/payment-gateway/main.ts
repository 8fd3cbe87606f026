/** Payment gateway process: `node --import tsx src/shop/payment-gateway/main.ts` (env PORT, default 8088). */
import { runService } from '../common/run-service.js';
import { paymentGatewayConfigFromEnv } from './config.js';
import { createPaymentGatewayService } from './server.js';

void runService('payment-gateway', 8088, async () =>
  createPaymentGatewayService(paymentGatewayConfigFromEnv()),
);
