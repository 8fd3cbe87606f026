import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';
import { parseExposition } from '../../src/telemetry/exposition/parse.js';
import { PromqlEngine } from '../../src/telemetry/promql/engine.js';
import type { Value } from '../../src/telemetry/promql/values.js';
import { Scraper, type ScrapeTarget } from '../../src/telemetry/scrape/scraper.js';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const SEED =
  'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="front-end", path="/login"}[1m])) by (le))';

function vector(v: Value): { labels: Record<string, string>; v: number }[] {
  assert.equal(v.type, 'vector');
  return v.type === 'vector' ? v.samples.map((s) => ({ labels: { ...s.labels }, v: s.v })) : [];
}

describe('scraper against a real prom-client endpoint', () => {
  let app: FastifyInstance;
  let url: string;
  let registry: Registry;
  let histogram: Histogram<'path' | 'method'>;
  let gauge: Gauge<'job'>;
  let failing = false;
  let clock = 1_700_000_000_000;
  const tsdb = new Tsdb();
  const engine = new PromqlEngine(tsdb);
  let targets: ScrapeTarget[] = [];
  const scraper = new Scraper({
    tsdb,
    targets: () => targets,
    intervalMs: 15_000,
    timeoutMs: 500,
    now: () => clock,
  });

  before(async () => {
    registry = new Registry();
    histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Request latency',
      labelNames: ['path', 'method'],
      registers: [registry],
    });
    gauge = new Gauge({
      name: 'queue_depth',
      help: 'Depth "quoted"\nsecond line',
      labelNames: ['job'],
      registers: [registry],
    });
    app = Fastify();
    app.get('/metrics', async (_req, reply) => {
      if (failing) return reply.code(500).send('boom');
      return reply.type(registry.contentType).send(await registry.metrics());
    });
    app.get('/slow', async () => new Promise((resolve) => setTimeout(() => resolve('x 1\n'), 2000)));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    targets = [
      {
        job: 'front-end',
        instance: 'front-end-0:8079',
        pod: 'front-end-0',
        namespace: 'sock-shop',
        url: `${url}/metrics`,
      },
    ];
  });
  after(async () => {
    await scraper.stop();
    await app.close();
  });

  const scrapeAt = async (seconds: number): Promise<void> => {
    clock = 1_700_000_000_000 + seconds * 1000;
    await scraper.scrapeAll();
  };
  const observe = (path: string, value: number, times: number): void => {
    for (let i = 0; i < times; i++) histogram.observe({ path, method: 'POST' }, value);
  };

  it('evaluates the seed query over scraped prom-client histograms', async () => {
    // Large initial counts keep every bucket's zero point outside the window, so extrapolation scales all equally.
    observe('/login', 0.001, 1000);
    observe('/cart', 0.001, 1000);
    gauge.set({ job: 'inner' }, 3);
    await scrapeAt(0);
    observe('/login', 5, 20); // before the window: must not count
    await scrapeAt(15);
    await scrapeAt(30);
    for (const s of [45, 60, 75]) {
      observe('/login', 0.03, 30);
      observe('/login', 0.3, 5);
      observe('/login', 3, 1);
      observe('/cart', 7, 50);
      await scrapeAt(s);
    }
    // Window (15 s, 75 s]: deltas 90 in le≤0.25, 105 up to le=2.5, 108 from le=5. Rank 0.95 × 108 = 102.6
    // falls in (0.25, 0.5]: 0.25 + 0.25 × (102.6 − 90) / 15 = 0.46.
    const result = vector(engine.instantQuery(SEED, clock));
    assert.equal(result.length, 1);
    assert.deepEqual(result[0].labels, {});
    assert.ok(Math.abs(result[0].v - 0.46) < 1e-12, `seed query gave ${result[0].v}`);
  });

  it('adds target labels, keeps clashing ones as exported_*, and records scrape health series', async () => {
    const depth = vector(engine.instantQuery('queue_depth', clock));
    assert.deepEqual(depth, [
      {
        labels: {
          __name__: 'queue_depth',
          exported_job: 'inner',
          instance: 'front-end-0:8079',
          job: 'front-end',
          namespace: 'sock-shop',
          pod: 'front-end-0',
        },
        v: 3,
      },
    ]);
    const up = vector(engine.instantQuery('up', clock));
    assert.deepEqual(
      up.map((s) => [s.labels['job'], s.labels['pod'], s.v]),
      [['front-end', 'front-end-0', 1]],
    );
    const scraped = vector(engine.instantQuery('scrape_samples_scraped', clock))[0].v;
    const exposed = parseExposition(await registry.metrics()).samples.length;
    assert.ok(scraped > 0 && scraped === exposed, `scraped ${scraped}, exposed ${exposed}`);
    assert.equal(vector(engine.instantQuery('scrape_duration_seconds >= 0', clock)).length, 1);
    assert.equal(scraper.metadata().get('queue_depth')?.help, 'Depth "quoted"\nsecond line');
  });

  it('marks series stale when they vanish from a scrape, when the scrape fails, and when the target goes', async () => {
    registry.removeSingleMetric('queue_depth');
    await scrapeAt(90);
    assert.equal(vector(engine.instantQuery('queue_depth', clock)).length, 0);
    assert.equal(vector(engine.instantQuery('queue_depth', clock - 1)).length, 1);

    failing = true;
    await scrapeAt(105);
    failing = false;
    assert.equal(vector(engine.instantQuery('http_request_duration_seconds_count', clock)).length, 0);
    assert.equal(vector(engine.instantQuery('up', clock))[0].v, 0);
    assert.match(scraper.targetStatuses()[0].lastError, /server returned HTTP status 500/);

    await scrapeAt(120);
    assert.equal(vector(engine.instantQuery('http_request_duration_seconds_count', clock)).length, 2);
    targets = [];
    await scrapeAt(135);
    assert.equal(vector(engine.instantQuery('up', clock)).length, 0);
    assert.equal(vector(engine.instantQuery('http_request_duration_seconds_count', clock)).length, 0);
  });

  it('times out slow targets', async () => {
    targets = [{ job: 'slow', instance: 'slow:1', url: `${url}/slow` }];
    await scrapeAt(150);
    assert.equal(vector(engine.instantQuery('up{job="slow"}', clock))[0].v, 0);
    assert.match(scraper.targetStatuses()[0].lastError, /context deadline exceeded/);
    targets = [];
    await scrapeAt(165);
  });

  it('accepts samples pushed by the lab itself', () => {
    const labels = {
      __name__: 'kube_deployment_status_replicas',
      deployment: 'carts',
      namespace: 'sock-shop',
    };
    scraper.appendSamples(labels, 2, clock);
    scraper.appendSamples(labels, 3, clock + 5000);
    assert.equal(
      vector(engine.instantQuery('kube_deployment_status_replicas{deployment="carts"}', clock + 5000))[0].v,
      3,
    );
    scraper.markStale(labels, clock + 10_000);
    assert.equal(vector(engine.instantQuery('kube_deployment_status_replicas', clock + 10_000)).length, 0);
  });

  it('keeps scraping the last known targets when discovery fails, and never throws', async () => {
    const known = [
      { job: 'catalogue', instance: 'catalogue-0:80', pod: 'catalogue-0', url: `${url}/metrics` },
    ];
    const broken = new Scraper({
      tsdb,
      targets: () => (failDiscovery ? Promise.reject(new Error('cannot reach the lab')) : known),
      intervalMs: 15_000,
      now: () => clock,
    });
    let failDiscovery = false;
    await broken.scrapeAll();
    failDiscovery = true;
    clock += 15_000;
    await broken.scrapeAll();
    assert.equal(broken.targetStatuses().length, 1);
    assert.equal(broken.targetStatuses()[0].health, 'up');
    failDiscovery = false;
    await broken.scrapeAll();
    assert.equal(broken.targetStatuses().length, 1);
  });
});
