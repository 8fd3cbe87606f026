/**
 * Starts the shop in this process: every service on port 0, all sharing one ServiceDirectory,
 * so they reach each other by bare name exactly as in production. shipping and queue-master
 * talk AMQP to a vhost of their own (test/helpers/broker.ts): on an embedded broker by default,
 * on the machine's RabbitMQ with `SHOP_TEST_BROKER=rabbitmq`. If that broker cannot be had,
 * the two are left out and `skipped` says why. payment-gateway is started too, and payment
 * calls it unless the caller's env says `PAYMENT_GATEWAY=false`. Stores follow the env like the
 * processes (`CATALOGUE_DB_URL`, `USER_DB_URL`, … — in memory when unset).
 */
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { cartsConfigFromEnv } from '../../src/shop/carts/config.js';
import { openCartsService } from '../../src/shop/carts/server.js';
import { catalogueConfigFromEnv } from '../../src/shop/catalogue/config.js';
import { openCatalogueService } from '../../src/shop/catalogue/server.js';
import { frontEndConfigFromEnv } from '../../src/shop/front-end/config.js';
import { openFrontEndService, type FrontEndService } from '../../src/shop/front-end/server.js';
import { ordersConfigFromEnv } from '../../src/shop/orders/config.js';
import { createOrdersService } from '../../src/shop/orders/server.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';
import { paymentGatewayConfigFromEnv } from '../../src/shop/payment-gateway/config.js';
import { createPaymentGatewayService } from '../../src/shop/payment-gateway/server.js';
import { queueMasterConfigFromEnv } from '../../src/shop/queue-master/config.js';
import { createQueueMasterService } from '../../src/shop/queue-master/server.js';
import { shippingConfigFromEnv } from '../../src/shop/shipping/config.js';
import { createShippingService } from '../../src/shop/shipping/server.js';
import { userConfigFromEnv } from '../../src/shop/user/config.js';
import { openUserService } from '../../src/shop/user/server.js';
import { createTestVhost, type TestVhost } from './broker.js';

export type ShopServiceName =
  | 'catalogue'
  | 'carts'
  | 'orders'
  | 'user'
  | 'payment'
  | 'payment-gateway'
  | 'shipping'
  | 'queue-master'
  | 'front-end';

export interface ShopCluster {
  directory: ServiceDirectory;
  /** Base URL of each started service. */
  urls: Partial<Record<ShopServiceName, string>>;
  frontEnd: FrontEndService;
  frontEndUrl: string;
  /** The broker vhost shipping and queue-master use, when they run. */
  vhost?: TestVhost;
  /** Services left out, with the reason. */
  skipped: Partial<Record<ShopServiceName, string>>;
  stop(): Promise<void>;
}

export interface ShopClusterOptions {
  /** Extra environment for the services' config readers (e.g. `SESSION_STORE_MAXMEMORY`). */
  env?: NodeJS.ProcessEnv;
}

type Factory = (env: NodeJS.ProcessEnv, directory: ServiceDirectory) => Promise<RunnableService>;

const BACKENDS: Array<[ShopServiceName, Factory]> = [
  ['catalogue', (env, directory) => openCatalogueService(catalogueConfigFromEnv(env), { directory })],
  ['carts', (env, directory) => openCartsService(cartsConfigFromEnv(env), { directory })],
  ['user', (env, directory) => openUserService(userConfigFromEnv(env), { directory })],
  ['payment-gateway', async (env) => createPaymentGatewayService(paymentGatewayConfigFromEnv(env))],
  ['payment', async (env, directory) => createPaymentService(paymentConfigFromEnv(env), { directory })],
  ['orders', async (env, directory) => createOrdersService(ordersConfigFromEnv(env), { directory })],
];

/** How long shipping and queue-master may take to reach the broker before the cluster gives up. */
const BROKER_CONNECT_MS = 10_000;

export async function startShopCluster(options: ShopClusterOptions = {}): Promise<ShopCluster> {
  const directory = new ServiceDirectory();
  const urls: ShopCluster['urls'] = {};
  const skipped: ShopCluster['skipped'] = {};
  const started: RunnableService[] = [];
  let vhost: TestVhost | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, PAYMENT_GATEWAY: 'true', ...options.env };

  const stop = async () => {
    for (const service of started.reverse()) {
      await service.server.close().catch(() => undefined);
      await service.stop?.().catch(() => undefined);
    }
    await vhost?.remove();
  };

  const launch = async (name: ShopServiceName, service: RunnableService) => {
    started.push(service);
    const url = await service.server.listen(0);
    directory.set(name, url);
    urls[name] = url;
  };

  try {
    for (const [name, factory] of BACKENDS) await launch(name, await factory(env, directory));
    try {
      vhost = await createTestVhost();
    } catch (error) {
      const reason = `broker unavailable: ${(error as Error).message.split('\n')[0]}`;
      skipped.shipping = skipped['queue-master'] = reason;
    }
    if (vhost) {
      const brokerEnv = { ...env, AMQP_URL: vhost.url };
      const shipping = await createShippingService(shippingConfigFromEnv(brokerEnv));
      await launch('shipping', shipping);
      const queueMaster = await createQueueMasterService(queueMasterConfigFromEnv(brokerEnv), { directory });
      await launch('queue-master', queueMaster);
      await shipping.amqp.waitUntilConnected(BROKER_CONNECT_MS);
      await queueMaster.amqp.waitUntilConnected(BROKER_CONNECT_MS);
    }
    const frontEnd = await openFrontEndService(frontEndConfigFromEnv(env), { directory });
    await launch('front-end', frontEnd);
    return { directory, urls, frontEnd, frontEndUrl: urls['front-end']!, vhost, skipped, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
