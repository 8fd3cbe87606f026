import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { prometheusApi } from '../../src/telemetry/api/routes.js';
import { PromqlEngine } from '../../src/telemetry/promql/engine.js';
import { Scraper } from '../../src/telemetry/scrape/scraper.js';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const T0 = 1_700_000_000; // seconds

describe('Prometheus HTTP API', () => {
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    const tsdb = new Tsdb();
    for (let i = 0; i <= 20; i++) {
      tsdb.append({ __name__: 'req_total', job: 'front-end', code: '200' }, (T0 + i * 15) * 1000, i * 10);
      tsdb.append({ __name__: 'req_total', job: 'carts', code: '500' }, (T0 + i * 15) * 1000, i);
    }
    const engine = new PromqlEngine(tsdb);
    const scraper = new Scraper({ tsdb, targets: () => [], intervalMs: 5000 });
    app = Fastify();
    await app.register(prometheusApi, { engine, scraper, prefix: '/prom', now: () => (T0 + 300) * 1000 });
    base = (await app.listen({ port: 0, host: '127.0.0.1' })) + '/prom/api/v1';
  });
  after(() => app.close());

  const get = async (path: string, params: Record<string, string | string[]> = {}) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const item of [v].flat()) search.append(k, item);
    const res = await fetch(`${base}${path}?${search}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('instant query: vector with string values and unix-second timestamps', async () => {
    const { status, body } = await get('/query', {
      query: 'sum by (job) (rate(req_total[1m])) > 0.1',
      time: String(T0 + 300),
    });
    assert.equal(status, 200);
    assert.deepEqual(body, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { job: 'front-end' }, value: [T0 + 300, '0.6666666666666666'] }],
      },
    });
  });

  it('instant query: scalar, string, matrix and the default time', async () => {
    assert.deepEqual((await get('/query', { query: '1 / 0', time: '1.5' })).body['data'], {
      resultType: 'scalar',
      result: [1.5, '+Inf'],
    });
    assert.deepEqual((await get('/query', { query: '"hi"', time: '2' })).body['data'], {
      resultType: 'string',
      result: [2, 'hi'],
    });
    const m = (await get('/query', { query: 'req_total{job="carts"}[30s]', time: String(T0 + 300) })).body[
      'data'
    ] as { result: { values: unknown[] }[] };
    assert.deepEqual(m.result[0].values, [
      [T0 + 285, '19'],
      [T0 + 300, '20'],
    ]);
    assert.deepEqual((await get('/query', { query: 'time()' })).body['data'], {
      resultType: 'scalar',
      result: [T0 + 300, String(T0 + 300)],
    });
  });

  it('POST form-encoded queries and RFC3339 times', async () => {
    const res = await fetch(`${base}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        query: 'count(req_total)',
        time: new Date((T0 + 300) * 1000).toISOString(),
      }),
    });
    assert.deepEqual(((await res.json()) as { data: unknown }).data, {
      resultType: 'vector',
      result: [{ metric: {}, value: [T0 + 300, '2'] }],
    });
  });

  it('range query: always a matrix, step as seconds or duration', async () => {
    for (const step of ['60', '1m']) {
      const { body } = await get('/query_range', {
        query: 'req_total{job="carts"}',
        start: String(T0),
        end: String(T0 + 120),
        step,
      });
      assert.deepEqual(body['data'], {
        resultType: 'matrix',
        result: [
          {
            metric: { __name__: 'req_total', code: '500', job: 'carts' },
            values: [
              [T0, '0'],
              [T0 + 60, '4'],
              [T0 + 120, '8'],
            ],
          },
        ],
      });
    }
  });

  it('unknown metrics give an empty success', async () => {
    assert.deepEqual((await get('/query', { query: 'nope' })).body, {
      status: 'success',
      data: { resultType: 'vector', result: [] },
    });
  });

  it('series, labels and label values', async () => {
    assert.deepEqual((await get('/series', { 'match[]': ['req_total{code="500"}'] })).body['data'], [
      { __name__: 'req_total', code: '500', job: 'carts' },
    ]);
    assert.deepEqual((await get('/labels')).body['data'], ['__name__', 'code', 'job']);
    assert.deepEqual((await get('/label/job/values')).body['data'], ['carts', 'front-end']);
    assert.deepEqual((await get('/label/job/values', { 'match[]': '{code="200"}' })).body['data'], [
      'front-end',
    ]);
    assert.deepEqual((await get('/targets')).body['data'], { activeTargets: [], droppedTargets: [] });
  });

  it('errors carry Prometheus types and status codes', async () => {
    const cases: [string, Record<string, string | string[]>, number, string, RegExp][] = [
      [
        '/query',
        { query: 'sum(rate(x[5m])' },
        400,
        'bad_data',
        /^invalid parameter "query": 1:16: parse error: unclosed left parenthesis$/,
      ],
      [
        '/query',
        { query: 'up', time: 'abc' },
        400,
        'bad_data',
        /invalid parameter "time": Invalid time value for 'time': cannot parse "abc"/,
      ],
      [
        '/query_range',
        { query: 'up', start: '10', end: '5', step: '1' },
        400,
        'bad_data',
        /end timestamp must not be before start time/,
      ],
      [
        '/query_range',
        { query: 'up', start: '1', end: '5', step: '0' },
        400,
        'bad_data',
        /zero or negative query resolution step/,
      ],
      [
        '/query_range',
        { query: 'up', start: '1', end: '5', step: 'abc' },
        400,
        'bad_data',
        /cannot parse "abc" to a valid duration/,
      ],
      [
        '/query_range',
        { query: 'up', start: '1', end: '50000', step: '1' },
        400,
        'bad_data',
        /exceeded maximum resolution of 11,000 points/,
      ],
      [
        '/query_range',
        { query: 'up[5m]', start: '1', end: '5', step: '1' },
        422,
        'execution',
        /invalid expression type "range vector" for range query/,
      ],
      [
        '/query',
        { query: 'req_total + on() req_total', time: String(T0 + 300) },
        422,
        'execution',
        /many-to-many matching not allowed/,
      ],
      ['/query', { query: 'req_total', timeout: '0s' }, 503, 'timeout', /query timed out/],
      ['/series', {}, 400, 'bad_data', /no match\[\] parameter provided/],
      ['/series', { 'match[]': 'rate(x[1m])' }, 400, 'bad_data', /invalid parameter "match\[\]"/],
      ['/label/a-b/values', {}, 400, 'bad_data', /invalid label name: "a-b"/],
    ];
    for (const [path, params, status, errorType, message] of cases) {
      const res = await get(path, params);
      assert.equal(res.status, status, `${path} ${JSON.stringify(params)}`);
      assert.equal(res.body['status'], 'error');
      assert.equal(res.body['errorType'], errorType);
      assert.match(String(res.body['error']), message);
    }
  });
});
