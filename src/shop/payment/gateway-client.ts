/**
 * Payment's call to its provider (an extension). Any gateway failure — timeout, unreachable,
 * error status, unreadable answer — declines the payment with a message naming the cause,
 * and is counted by kind; every call's latency is recorded.
 */
import type { Counter, Histogram } from 'prom-client';
import type { ShopMetrics } from '../common/metrics.js';
import { UpstreamError, type Upstream } from '../common/upstream.js';

export interface GatewayRequest {
  amount: number;
  customerId?: string;
  orderId?: string;
}

export interface GatewayDecision {
  authorised: boolean;
  message: string;
  reference?: string;
}

export class PaymentGatewayClient {
  private readonly errors: Counter<string>;
  private readonly duration: Histogram<string>;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly upstream: Upstream,
    metrics: ShopMetrics,
  ) {
    this.errors = metrics.counter('payment_gateway_errors_total', 'Failed payment gateway calls by kind.', [
      'kind',
    ]);
    this.duration = metrics.histogram('payment_gateway_duration_seconds', 'Payment gateway call latency.', [
      'outcome',
    ]);
  }

  async authorise(request: GatewayRequest): Promise<GatewayDecision> {
    const started = process.hrtime.bigint();
    const decision = await this.call(request);
    const outcome = decision.failed ? 'error' : decision.authorised ? 'approved' : 'declined';
    this.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    return { authorised: decision.authorised, message: decision.message, reference: decision.reference };
  }

  private async call(request: GatewayRequest): Promise<GatewayDecision & { failed?: boolean }> {
    try {
      const res = await this.upstream.request(`${this.baseUrl}/authorise`, {
        method: 'POST',
        json: request,
        timeoutMs: this.timeoutMs,
      });
      if (res.status >= 300) return this.failure('status', `payment gateway answered ${res.status}`);
      const body = parseDecision(res.text());
      if (!body) return this.failure('protocol', 'payment gateway sent an unreadable answer');
      return body.authorised
        ? { authorised: true, message: 'Payment authorised', reference: body.reference }
        : {
            authorised: false,
            message: `Payment declined: ${body.message || 'declined by payment gateway'}`,
          };
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      const cause =
        error.kind === 'timeout'
          ? `payment gateway timed out after ${this.timeoutMs} ms`
          : error.kind === 'connection'
            ? 'payment gateway unreachable'
            : 'payment gateway call failed';
      return this.failure(error.kind, cause);
    }
  }

  private failure(kind: string, cause: string): GatewayDecision & { failed: true } {
    this.errors.inc({ kind });
    return { authorised: false, message: `Payment declined: ${cause}`, failed: true };
  }
}

function parseDecision(
  text: string,
): { authorised: boolean; message?: string; reference?: string } | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body?.authorised !== 'boolean') return undefined;
    return {
      authorised: body.authorised,
      message: typeof body.message === 'string' ? body.message : undefined,
      reference: typeof body.reference === 'string' ? body.reference : undefined,
    };
  } catch {
    return undefined;
  }
}
