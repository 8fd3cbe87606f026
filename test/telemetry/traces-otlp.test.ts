/** OTLP/HTTP JSON ingestion: the real OpenTelemetry JS exporter sends to the receiver; bad bodies get 4xx. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import {
  otlpToSpans,
  startOtlpReceiver,
  TraceStore,
  type OtlpReceiver,
} from '../../src/telemetry/traces/index.js';

function provider(service: string, url: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'k8s.pod.name': `${service}-abc12-xyz12` }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
  });
}

describe('OTLP/HTTP JSON receiver', () => {
  const store = new TraceStore();
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver({ store, port: 0 });
  });
  after(async () => {
    await receiver?.close();
  });

  it('receives a client/server pair from two services exported by the OpenTelemetry SDK', async () => {
    const orders = provider('orders', receiver.url);
    const payment = provider('payment', receiver.url);
    const propagator = new W3CTraceContextPropagator();
    const client = orders.getTracer('t').startSpan('POST /paymentAuth', {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': 'payment', 'http.request.method': 'POST', attempt: 2, ok: false },
    });
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, client), headers, {
      set: (carrier, key, value) => ((carrier as Record<string, string>)[key] = value),
    });
    const parent = propagator.extract(ROOT_CONTEXT, headers, {
      get: (carrier, key) => (carrier as Record<string, string>)[key],
      keys: (carrier) => Object.keys(carrier as object),
    });
    const server = payment.getTracer('t').startSpan('POST /paymentAuth', { kind: SpanKind.SERVER }, parent);
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'gateway timeout' });
    server.end();
    client.setStatus({ code: SpanStatusCode.ERROR });
    client.end();
    await Promise.all([orders.forceFlush(), payment.forceFlush()]);
    await Promise.all([orders.shutdown(), payment.shutdown()]);

    const traceId = client.spanContext().traceId;
    const tree = store.getTrace(traceId)!;
    assert.equal(tree.spanCount, 2);
    const [root] = tree.roots;
    assert.deepEqual([root.service, root.kind, root.pod], ['orders', 'CLIENT', 'orders-abc12-xyz12']);
    assert.deepEqual(root.attributes, {
      'server.address': 'payment',
      'http.request.method': 'POST',
      attempt: 2,
      ok: false,
    });
    const [child] = root.children;
    assert.deepEqual(
      [child.service, child.kind, child.status, child.statusMessage],
      ['payment', 'SERVER', 'ERROR', 'gateway timeout'],
    );
    const [edge] = store.dependencies();
    assert.deepEqual(
      [edge.caller, edge.callee, edge.calls, edge.errors, edge.unanswered],
      ['orders', 'payment', 1, 1, 0],
    );
    assert.equal(store.query({ service: 'payment', error: true })[0]?.traceId, traceId);
  });

  it('answers 415 to protobuf, 400 to malformed JSON or a wrong shape, and reports rejected spans', async () => {
    const post = async (body: string, type = 'application/json') => {
      const res = await request(`${receiver.url}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'content-type': type },
      });
      return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
    };
    assert.equal((await post('\x0a\x00', 'application/x-protobuf')).status, 415);
    const malformed = await post('{"resourceSpans":');
    assert.equal(malformed.status, 400);
    assert.equal(typeof malformed.body.message, 'string');
    assert.equal((await post('{"resourceSpans":{}}')).status, 400);
    assert.equal((await post('[]')).status, 400);
    const partial = await post(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'user' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: 'nothex',
                    spanId: '0102030405060708',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'GET /login',
                    kind: 'SPAN_KIND_SERVER',
                    startTimeUnixNano: '1767261600000000000',
                    endTimeUnixNano: '1767261602500000000',
                    status: { code: 'STATUS_CODE_ERROR' },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.equal(partial.status, 200);
    assert.deepEqual(partial.body.partialSuccess, {
      rejectedSpans: '1',
      errorMessage: '1 spans without valid ids or times',
    });
    const [login] = store.query({
      service: 'user',
      operation: 'GET /login',
      minDurationMs: 2500,
      maxDurationMs: 2500,
    });
    assert.equal(login.start, '2026-01-01T10:00:00.000Z');
    assert.equal(login.errorCount, 1);
  });

  it('accepts base64 ids (protobuf-JSON mapping) and integer enums', () => {
    const { spans, rejected } = otlpToSpans({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
                  spanId: Buffer.from('b7ad6b7169203331', 'hex').toString('base64'),
                  kind: 4,
                  startTimeUnixNano: 1000,
                  endTimeUnixNano: 5000,
                  status: { code: 1 },
                  attributes: [
                    {
                      key: 'tags',
                      value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '3' }] } },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(rejected, 0);
    assert.deepEqual(spans[0], {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: '',
      kind: 'PRODUCER',
      service: 'unknown',
      pod: '',
      startUs: 1,
      durationUs: 4,
      status: 'OK',
      attributes: { tags: ['a', 3] },
    });
  });
});
