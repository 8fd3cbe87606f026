/**
 * The external payment provider payment talks to when its gateway is on: it approves every
 * well-formed authorisation with a reference. It holds no fault logic; latency and failures on
 * the payment → payment-gateway edge are injected from outside by the platform.
 */
import { randomUUID } from 'node:crypto';
import { sendGoJson, sendGoJsonError } from '../common/go-json.js';
import { goHealth } from '../common/health.js';
import { createShopServer } from '../common/http-server.js';
import type { RunnableService } from '../common/run-service.js';
import type { PaymentGatewayConfig } from './config.js';

export function createPaymentGatewayService(config: PaymentGatewayConfig): RunnableService {
  const server = createShopServer({
    service: 'payment-gateway',
    flavour: 'go',
    pod: config.pod,
    bodyLimit: 64 * 1024,
  });
  const approvals = server.metrics.counter('payment_gateway_approvals_total', 'Authorisations approved.');

  server.app.post('/authorise', async (req, reply) => {
    const body = req.body as { amount?: unknown } | undefined;
    const amount = body && typeof body === 'object' && !Buffer.isBuffer(body) ? body.amount : undefined;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
      return sendGoJsonError(reply, 400, 'amount must be a positive number in a JSON body');
    }
    approvals.inc();
    return sendGoJson(reply, { authorised: true, message: 'Approved', reference: `gw-${randomUUID()}` });
  });

  server.app.get('/health', async (_req, reply) =>
    sendGoJson(reply, goHealth([{ service: 'payment-gateway', ok: true }])),
  );

  return { server };
}
