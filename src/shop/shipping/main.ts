/** Entry point of the shipping service process. */
import { runService } from '../common/run-service.js';
import { shippingConfigFromEnv } from './config.js';
import { createShippingService } from './server.js';

void runService('shipping', 8086, () => createShippingService(shippingConfigFromEnv()));
