/** Process entry point of the carts service (default port 8082). */
import { runService } from '../common/run-service.js';
import { cartsConfigFromEnv } from './config.js';
import { openCartsService } from './server.js';

void runService('carts', 8082, () => openCartsService(cartsConfigFromEnv()));
