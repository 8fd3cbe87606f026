/** Entry point of the queue-master service process. */
import { runService } from '../common/run-service.js';
import { queueMasterConfigFromEnv } from './config.js';
import { createQueueMasterService } from './server.js';

void runService('queue-master', 8087, () => createQueueMasterService(queueMasterConfigFromEnv()));
