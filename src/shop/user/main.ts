/** Process entry point of the user service (default port 8085). */
import { runService } from '../common/run-service.js';
import { userConfigFromEnv } from './config.js';
import { openUserService } from './server.js';

void runService('user', 8085, () => openUserService(userConfigFromEnv()));
