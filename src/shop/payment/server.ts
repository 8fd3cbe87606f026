/**
 * The payment service (sockshop-spec §7): `POST /paymentAuth` decides by the float32 rule
 * `amount <= threshold`, with the original's messages and its 500s for bad bodies. Extensions:
 * an optional payment gateway call, and a ledger of decisions under `/payments` that can be
 * listed, read and voided. The ledger id of a decision is sent in an `X-Payment-Id` header so
 * the original body stays as it was.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../common/errors.js';
import { f32, formatFloat32 } from '../common/float32.js';
import { decodeGoStruct, GoJsonError, sendGoJson, sendGoJsonError } from '../common/go-json.js';
import { goHealth } from '../common/health.js';
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import { ServiceDirectory, Upstream } from '../common/upstream.js';
import { MemoryPaymentLedger } from '../../stores/payments/memory.js';
import type { PaymentLedger, PaymentStatus } from '../../stores/payments/types.js';
import type { PaymentConfig } from './config.js';
import { PaymentGatewayClient } from './gateway-client.js';

export interface PaymentDeps {
  ledger?: PaymentLedger;
  /** Resolves `http://payment-gateway`; defaults to `SOCKSHOP_SERVICES`. */
  directory?: ServiceDirectory;
}

const STATUSES: PaymentStatus[] = ['authorised', 'declined', 'voided'];

export function createPaymentService(config: PaymentConfig, deps: PaymentDeps = {}): RunnableService {
  const server = createShopServer({
    service: 'payment',
    flavour: 'go',
    pod: config.pod,
    bodyLimit: config.bodyLimit,
  });
  const { app, metrics, log } = server;
  const ledger = deps.ledger ?? new MemoryPaymentLedger(config.ledgerMaxEntries);
  const upstream = new Upstream(deps.directory ?? ServiceDirectory.fromEnv(), config.gatewayTimeoutMs);
  const gateway =
    config.gatewayUrl &&
    new PaymentGatewayClient(config.gatewayUrl, config.gatewayTimeoutMs, upstream, metrics);
  const decisions = metrics.counter('payment_authorisations_total', 'Payment decisions by result.', [
    'result',
  ]);
  const voids = metrics.counter('payment_voids_total', 'Authorisations voided.');
  const threshold = f32(config.declineOver);
  const declinedMessage = `Payment declined: amount exceeds ${threshold.toFixed(2)}`;

  // The original reads the raw body whatever its content type, so this route gets bytes.
  void app.register(async (raw: FastifyInstance) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    raw.post('/paymentAuth', async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const amount = decodeOrFail(body);
      let authorised = amount <= threshold;
      let message = authorised ? 'Payment authorised' : declinedMessage;
      let reference: string | undefined;
      const { customerId, orderId } = references(body);
      if (authorised && gateway) {
        ({ authorised, message, reference } = await gateway.authorise({ amount, customerId, orderId }));
      }
      decisions.inc({ result: authorised ? 'authorised' : 'declined' });
      try {
        const entry = await ledger.record({
          amount: formatFloat32(amount),
          authorised,
          message,
          customerId,
          orderId,
          gatewayRef: reference,
        });
        reply.header('x-payment-id', entry.id);
      } catch (error) {
        log.error({ err: error }, 'payment ledger write failed');
      }
      log.info({ amount, authorised, orderId, customerId }, message);
      return sendGoJson(reply, { authorised, message });
    });
  });

  /** The original's decoding: Go JSON errors, then the zero and negative amount checks, all 500. */
  function decodeOrFail(body: string): number {
    let amount: number;
    try {
      // `json.Unmarshal(body, &AuthoriseRequest{Amount float32})`; absent or null is 0.
      amount =
        decodeGoStruct(body, 'payment.AuthoriseRequest', { amount: 'float32' }, 'unmarshal').amount ?? 0;
    } catch (error) {
      decisions.inc({ result: 'invalid' });
      if (error instanceof GoJsonError) throw new HttpError(500, error.message);
      throw error;
    }
    if (amount === 0) {
      decisions.inc({ result: 'invalid' });
      throw new HttpError(500, `Cannot unmarshal object key "amount" from JSON: ${body}`);
    }
    if (amount < 0) {
      decisions.inc({ result: 'invalid' });
      throw new HttpError(500, 'Invalid payment amount');
    }
    return amount;
  }

  app.get('/health', async (_req, reply) => sendGoJson(reply, goHealth([{ service: 'payment', ok: true }])));

  app.get('/payments', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const status = single(query.status);
    if (status !== undefined && !STATUSES.includes(status as PaymentStatus)) {
      return sendGoJsonError(reply, 400, `status must be one of ${STATUSES.join(', ')}`);
    }
    const limitText = single(query.limit) ?? '100';
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 1000))
      return sendGoJsonError(reply, 400, 'limit must be an integer from 1 to 1000');
    const payments = await ledger.list({
      status: status as PaymentStatus | undefined,
      orderId: single(query.orderId),
      limit,
    });
    return sendGoJson(reply, { payments });
  });

  app.get('/payments/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const payment = await ledger.get(id);
    return payment ? sendGoJson(reply, payment) : sendGoJsonError(reply, 404, `no payment with id ${id}`);
  });

  app.post('/payments/:id/void', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const result = await ledger.void(id);
    switch (result.outcome) {
      case 'not-found':
        return sendGoJsonError(reply, 404, `no payment with id ${id}`);
      case 'not-authorised':
        return sendGoJsonError(reply, 409, `payment ${id} was declined; only authorisations can be voided`);
      case 'voided':
        voids.inc();
        log.info({ id, orderId: result.payment.orderId }, 'authorisation voided');
        return sendGoJson(reply, result.payment);
      case 'already-voided':
        return sendGoJson(reply, result.payment);
    }
  });

  return {
    server,
    stop: async () => {
      await upstream.close();
      await ledger.close();
    },
  };
}

function single(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** Who and what a payment is for, when the (otherwise ignored) body says so. */
function references(body: string): { customerId?: string; orderId?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const fields = parsed as Record<string, unknown>;
  const customer = fields.customer;
  const customerId =
    text(fields.customerId) ??
    text(customer) ??
    (customer && typeof customer === 'object' ? text((customer as Record<string, unknown>).id) : undefined);
  return { customerId, orderId: text(fields.orderId) };
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value.slice(0, 200);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
