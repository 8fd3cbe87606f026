/** Catalogue process: `node --import tsx src/shop/catalogue/main.ts` (env PORT, default 8081). */
import { runService } from '../common/run-service.js';
import { catalogueConfigFromEnv } from './config.js';
import { openCatalogueService } from './server.js';

void runService('catalogue', 8081, () => openCatalogueService(catalogueConfigFromEnv()));
