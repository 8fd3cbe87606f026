/**
 * shipping (sockshop-spec §9.1): takes shipments from orders and queues them for queue-master;
 * serves shipping rates by country (our extension).
 */
import { AmqpConnection } from '../common/amqp.js';
import { HttpError } from '../common/errors.js';
import { javaHealth } from '../common/health.js';
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import type { ShippingConfig } from './config.js';
import { ShipmentPublisher, type Shipment } from './publisher.js';
import { ShippingRates } from './rates.js';

const JSON_TYPE = 'application/json;charset=UTF-8';
const TEXT_TYPE = 'text/plain;charset=UTF-8';

export interface ShippingService extends RunnableService {
  amqp: AmqpConnection;
  rates: ShippingRates;
  publisher: ShipmentPublisher;
}

export async function createShippingService(config: ShippingConfig): Promise<ShippingService> {
  const server = createShopServer({ service: 'shipping', flavour: 'java', pod: config.pod });
  const { app, log, metrics } = server;
  const amqp = new AmqpConnection({ url: config.amqpUrl, name: 'shipping', log, metrics });
  const publisher = new ShipmentPublisher(amqp, log, metrics, config.confirmTimeoutMs);
  const rates = new ShippingRates(config.ratesFile, log, metrics);

  // Spring Boot stamps every response with the application context id.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-application-context', 'shipping:80');
  });

  app.post('/shipping', async (req, reply) => {
    const shipment = shipmentFrom(req.body);
    await publisher.publish(shipment);
    return reply.code(201).header('content-type', JSON_TYPE).send(JSON.stringify(shipment));
  });

  app.get('/shipping', async (_req, reply) =>
    reply.header('content-type', TEXT_TYPE).send('GET ALL Shipping Resource.'),
  );

  // Static routes win over the parameterised one, so `rates` is never read as a shipment id.
  app.get('/shipping/rates', async (req, reply) => {
    const { country } = req.query as { country?: string | string[] };
    const single = Array.isArray(country) ? country[0] : country;
    return reply.header('content-type', JSON_TYPE).send(JSON.stringify(rates.quote(single || undefined)));
  });

  app.get('/shipping/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    return reply.header('content-type', TEXT_TYPE).send(`GET Shipping Resource with id: ${id}`);
  });

  app.get('/health', async (_req, reply) =>
    reply.header('content-type', JSON_TYPE).send(
      JSON.stringify(
        javaHealth([
          { service: 'shipping-rabbitmq', ok: amqp.connected },
          { service: 'shipping', ok: true },
        ]),
      ),
    ),
  );

  await rates.start(config.ratesPollMs);
  amqp.start();
  return {
    server,
    amqp,
    rates,
    publisher,
    async stop() {
      rates.stop();
      await amqp.stop();
    },
  };
}

/** Spring binds `{id, name}` and leaves absent fields null; anything but a JSON object is unreadable. */
function shipmentFrom(body: unknown): Shipment {
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    throw new HttpError(
      415,
      'Content type not supported',
      'org.springframework.web.HttpMediaTypeNotSupportedException',
    );
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(
      400,
      'Required request body is missing or not a JSON object',
      'org.springframework.http.converter.HttpMessageNotReadableException',
    );
  }
  const { id, name } = body as { id?: unknown; name?: unknown };
  return { id: textOrNull(id), name: textOrNull(name) };
}

function textOrNull(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
