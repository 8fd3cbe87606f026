/**
 * Starts the shop in this process: every service on port 0, all sharing one ServiceDirectory,
 * so they reach each other by bare name exactly as in production. shipping and queue-master
 * use the machine's RabbitMQ on a vhost of their own (created and deleted with rabbitmqctl);
 * without RabbitMQ they are left out and `skipped` says so.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { ServiceDirectory } from '../../src/shop/common/upstream.js';
import { cartsConfigFromEnv } from '../../src/shop/carts/config.js';
import { createCartsService } from '../../src/shop/carts/server.js';
import { catalogueConfigFromEnv } from '../../src/shop/catalogue/config.js';
import { createCatalogueService } from '../../src/shop/catalogue/server.js';
import { frontEndConfigFromEnv } from '../../src/shop/front-end/config.js';
import { createFrontEndService, type FrontEndService } from '../../src/shop/front-end/server.js';
import { ordersConfigFromEnv } from '../../src/shop/orders/config.js';
import { createOrdersService } from '../../src/shop/orders/server.js';
import { paymentConfigFromEnv } from '../../src/shop/payment/config.js';
import { createPaymentService } from '../../src/shop/payment/server.js';
import { queueMasterConfigFromEnv } from '../../src/shop/queue-master/config.js';
import { createQueueMasterService } from '../../src/shop/queue-master/server.js';
import { shippingConfigFromEnv } from '../../src/shop/shipping/config.js';
import { createShippingService } from '../../src/shop/shipping/server.js';
import { userConfigFromEnv } from '../../src/shop/user/config.js';
import { createUserService } from '../../src/shop/user/server.js';

const run = promisify(execFile);

export type ShopServiceName =
  'catalogue' | 'carts' | 'orders' | 'user' | 'payment' | 'shipping' | 'queue-master' | 'front-end';

export interface ShopCluster {
  directory: ServiceDirectory;
  /** Base URL of each started service. */
  urls: Partial<Record<ShopServiceName, string>>;
  frontEnd: FrontEndService;
  frontEndUrl: string;
  /** Services left out, with the reason. */
  skipped: Partial<Record<ShopServiceName, string>>;
  stop(): Promise<void>;
}

export interface ShopClusterOptions {
  /** Extra environment for the services' config readers (e.g. `SESSION_STORE_MAXMEMORY`). */
  env?: NodeJS.ProcessEnv;
  /** RabbitMQ management user and host (default the machine's RabbitMQ). */
  rabbitUrl?: string;
}

type Factory = (env: NodeJS.ProcessEnv, directory: ServiceDirectory) => Promise<RunnableService>;

const BACKENDS: Array<[ShopServiceName, Factory]> = [
  ['catalogue', async (env) => createCatalogueService(catalogueConfigFromEnv(env))],
  ['carts', async (env) => createCartsService(cartsConfigFromEnv(env))],
  ['user', async (env) => createUserService(userConfigFromEnv(env))],
  ['payment', async (env, directory) => createPaymentService(paymentConfigFromEnv(env), { directory })],
  ['orders', async (env, directory) => createOrdersService(ordersConfigFromEnv(env), { directory })],
];

const BROKER_CLIENTS: Array<[ShopServiceName, Factory]> = [
  ['shipping', async (env) => createShippingService(shippingConfigFromEnv(env))],
  [
    'queue-master',
    async (env, directory) => createQueueMasterService(queueMasterConfigFromEnv(env), { directory }),
  ],
];

export async function startShopCluster(options: ShopClusterOptions = {}): Promise<ShopCluster> {
  const directory = new ServiceDirectory();
  const urls: ShopCluster['urls'] = {};
  const skipped: ShopCluster['skipped'] = {};
  const started: RunnableService[] = [];
  const vhost = `sockshop-test-${randomBytes(4).toString('hex')}`;
  let vhostCreated = false;
  const rabbit = new URL(options.rabbitUrl ?? 'amqp://guest:guest@127.0.0.1:5672');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    AMQP_URL: `${rabbit.protocol}//${rabbit.username}:${rabbit.password}@${rabbit.host}/${encodeURIComponent(vhost)}`,
  };

  const stop = async () => {
    for (const service of started.reverse()) {
      await service.server.close().catch(() => undefined);
      await service.stop?.().catch(() => undefined);
    }
    if (vhostCreated) await run('rabbitmqctl', ['delete_vhost', vhost]).catch(() => undefined);
  };

  const launch = async (name: ShopServiceName, factory: Factory) => {
    const service = await factory(env, directory);
    started.push(service);
    const url = await service.server.listen(0);
    directory.set(name, url);
    urls[name] = url;
    return service;
  };

  try {
    for (const [name, factory] of BACKENDS) await launch(name, factory);
    let brokerReady = false;
    try {
      await run('rabbitmqctl', ['add_vhost', vhost]);
      vhostCreated = true;
      await run('rabbitmqctl', [
        'set_permissions',
        '-p',
        vhost,
        rabbit.username || 'guest',
        '.*',
        '.*',
        '.*',
      ]);
      brokerReady = true;
    } catch (error) {
      const reason = `RabbitMQ unavailable: ${(error as Error).message.split('\n')[0]}`;
      for (const [name] of BROKER_CLIENTS) skipped[name] = reason;
    }
    if (brokerReady) for (const [name, factory] of BROKER_CLIENTS) await launch(name, factory);
    const frontEnd = createFrontEndService(frontEndConfigFromEnv(env), { directory });
    await launch('front-end', async () => frontEnd);
    return { directory, urls, frontEnd, frontEndUrl: urls['front-end']!, skipped, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
