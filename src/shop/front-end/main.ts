/** front-end process entry point (default port 8079). */
import { runService } from '../common/run-service.js';
import { ServiceDirectory } from '../common/upstream.js';
import { frontEndConfigFromEnv } from './config.js';
import { openFrontEndService } from './server.js';

void runService('front-end', 8079, () =>
  openFrontEndService(frontEndConfigFromEnv(), { directory: ServiceDirectory.fromEnv() }),
);
