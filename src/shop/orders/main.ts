/** Entry point of the orders service process. */
import { runService } from '../common/run-service.js';
import { ordersConfigFromEnv } from './config.js';
import { createOrdersService } from './server.js';

void runService('orders', 8083, () => createOrdersService(ordersConfigFromEnv()));
