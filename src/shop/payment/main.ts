/** Payment process: `node --import tsx src/shop/payment/main.ts` (env PORT, default 8084). */
import { runService } from '../common/run-service.js';
import { paymentConfigFromEnv } from './config.js';
import { createPaymentService } from './server.js';

void runService('payment', 8084, async () => createPaymentService(paymentConfigFromEnv()));
