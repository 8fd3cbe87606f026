/** queue-master (sockshop-spec §9.3): consumes shipping tasks and reports them to orders. */
import { AmqpConnection } from '../common/amqp.js';
import { javaHealth } from '../common/health.js';
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory, Upstream } from '../common/upstream.js';
import type { QueueMasterConfig } from './config.js';
import { ShippingTaskConsumer } from './consumer.js';

export interface QueueMasterDeps {
  directory?: ServiceDirectory;
}

export interface QueueMasterService extends RunnableService {
  amqp: AmqpConnection;
  consumer: ShippingTaskConsumer;
}

export async function createQueueMasterService(
  config: QueueMasterConfig,
  deps: QueueMasterDeps = {},
): Promise<QueueMasterService> {
  // The original exposed Prometheus text at /prometheus; /metrics is served as well.
  const server = createShopServer({
    service: 'queue-master',
    flavour: 'java',
    pod: config.pod,
    metricsPath: '/prometheus',
  });
  const { app, log, metrics } = server;
  const upstream = new Upstream(deps.directory ?? ServiceDirectory.fromEnv(), config.httpTimeoutMs);
  const amqp = new AmqpConnection({ url: config.amqpUrl, name: 'queue-master', log, metrics });
  const consumer = new ShippingTaskConsumer(amqp, upstream, log, metrics, config);

  // Spring Boot stamps every response with the application context id.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-application-context', 'queue-master:80');
  });

  app.get('/health', async (_req, reply) =>
    reply.header('content-type', 'application/json;charset=UTF-8').send(
      JSON.stringify(
        javaHealth([
          { service: 'queue-master', ok: true },
          { service: 'queue-master-rabbitmq', ok: amqp.connected && consumer.consuming },
        ]),
      ),
    ),
  );

  amqp.start();
  return {
    server,
    amqp,
    consumer,
    async stop() {
      consumer.stop();
      await amqp.stop();
      await upstream.close();
    },
  };
}
