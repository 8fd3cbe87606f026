/**
 * The telemetry runtime over a real local platform: catalogue, user and front-end from the shop
 * topology as processes, scraped every second, queried in PromQL through the HTTP API.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import { startTelemetry, type Telemetry } from '../../src/telemetry/runtime.js';
import { FAST, tempHome, until } from '../platform/helpers.js';

const SERVICES = ['catalogue', 'user', 'front-end', 'session-db'];
const SEED_QUERY =
  'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="front-end", path="/login"}[1m])) by (le))';

let home: string;
let platform: LocalPlatform;
let telemetry: Telemetry;
let storefront: string;

interface VectorItem {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through the Prometheus HTTP API. */
async function query(expr: string): Promise<VectorItem[]> {
  const res = await fetch(`${telemetry.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: VectorItem[] } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.data.resultType, 'vector');
  return body.data.result;
}

async function valueOf(expr: string): Promise<number | undefined> {
  const result = await query(expr);
  return result.length === 1 ? Number(result[0].value[1]) : undefined;
}

async function json<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${telemetry.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function drive(path: string, count: number, init: RequestInit = {}): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${storefront}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  }
}

before(async () => {
  home = tempHome();
  platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
  // Stores in memory except the session server, a store pod with its own metrics port.
  const stores = storeBackends('memory', { 'session-db': 'embedded' });
  const topology = shopTopology({ mode: 'tsx', anyPorts: true, stores });
  const deployments = topology.deployments
    .filter((d) => SERVICES.includes(d.name))
    .map((d) => ({ ...d, calls: d.calls?.filter((c) => SERVICES.includes(c)) }));
  await platform.apply(deployments);
  await platform.waitAllReady(90_000);
  storefront = `http://127.0.0.1:${(await platform.getService('front-end'))!.ports[0].port}`;
  telemetry = await startTelemetry({ platform, scrapeIntervalMs: 1000, port: 0 });
});

after(async () => {
  await telemetry?.close();
  await platform?.shutdown(2);
  rmSync(home, { recursive: true, force: true });
});

void test('every shop pod is a scrape target: up == 1 per job, with pod and namespace', async () => {
  const up = await until('catalogue scraped', async () => (await query('up{job="catalogue"} == 1'))[0]);
  const [pod] = await platform.listPods({ deployment: 'catalogue' });
  assert.equal(up.metric.pod, pod.name);
  assert.equal(up.metric.namespace, platform.namespace);
  assert.equal(up.metric.instance, `${pod.podIP}:${pod.ports['http']}`);
  await until(
    'every job up',
    async () => (await valueOf('count(up{job=~"catalogue|user|front-end|session-db"} == 1)')) === 4,
  );
  const targets = await json<{ data: { activeTargets: Array<{ health: string; scrapePool: string }> } }>(
    '/api/v1/targets',
  );
  assert.deepEqual(targets.body.data.activeTargets.map((t) => t.scrapePool).sort(), [...SERVICES].sort());
});

void test('request metrics carry job, instance, pod, namespace and name; the seed query works as written', async () => {
  await drive('/catalogue?size=3', 5);
  const auth = { headers: { authorization: `Basic ${Buffer.from('user:password').toString('base64')}` } };
  await drive('/login', 5, auth);
  const series = await until('catalogue request metrics', async () => {
    const r = await query('request_duration_seconds_count{job="catalogue"}');
    return r.length > 0 && r;
  });
  const [pod] = await platform.listPods({ deployment: 'catalogue' });
  for (const { metric } of series) {
    assert.equal(metric.job, 'catalogue');
    assert.equal(metric.name, 'catalogue');
    assert.equal(metric.pod, pod.name);
    assert.equal(metric.namespace, platform.namespace);
    assert.match(metric.instance, /^127\.0\.0\.1:\d+$/);
  }
  // rate() needs two scrapes that saw the counter move: keep logging in across a few intervals.
  const value = await until(
    'seed query result',
    async () => {
      await drive('/login', 3, auth);
      const v = await valueOf(SEED_QUERY);
      return v !== undefined && Number.isFinite(v) && v > 0 && v;
    },
    30_000,
  );
  assert.ok(value < 10, `p95 of /login ${value}s`);
});

void test('cAdvisor series: CPU seconds of a pod increase under load; spec series follow the limits', async () => {
  const [pod] = await platform.listPods({ deployment: 'catalogue' });
  const selector = `container_cpu_usage_seconds_total{pod="${pod.name}", container="catalogue"}`;
  const first = await until('cpu series', () => valueOf(selector));
  await until(
    'cpu seconds increase',
    async () => {
      await drive('/catalogue?size=10', 20);
      const now = await valueOf(selector);
      return now !== undefined && now > first;
    },
    30_000,
  );
  assert.ok((await valueOf(`container_memory_working_set_bytes{pod="${pod.name}"}`))! > 1e6);
  // catalogue's limit is 200m: quota 20000 µs per 100000 µs period, memory 200Mi.
  assert.equal(await valueOf(`container_spec_cpu_quota{pod="${pod.name}"}`), 20_000);
  assert.equal(await valueOf(`container_spec_cpu_period{pod="${pod.name}"}`), 100_000);
  assert.equal(await valueOf(`container_spec_memory_limit_bytes{pod="${pod.name}"}`), 200 * 1024 * 1024);
  assert.equal(
    await valueOf(`kube_pod_container_resource_requests{pod="${pod.name}", resource="cpu", unit="core"}`),
    0.1,
  );
});

void test('kube-state series follow scale(); a pod scaled away goes stale', async () => {
  const replicas = 'kube_deployment_status_replicas{deployment="catalogue"}';
  await until('1 replica', async () => (await valueOf(replicas)) === 1);
  const [original] = await platform.listPods({ deployment: 'catalogue' });

  await platform.scale('catalogue', 2);
  await until(
    'spec 2',
    async () => (await valueOf('kube_deployment_spec_replicas{deployment="catalogue"}')) === 2,
  );
  await until('status 2', async () => (await valueOf(replicas)) === 2);
  await until('both pods up', async () => (await valueOf('count(up{job="catalogue"} == 1)')) === 2, 60_000);
  const pods = await platform.listPods({ deployment: 'catalogue' });
  const added = pods.find((p) => p.name !== original.name)!;
  assert.equal(await valueOf(`kube_pod_status_phase{pod="${added.name}", phase="Running"}`), 1);

  await platform.scale('catalogue', 1);
  await until('status 1', async () => (await valueOf(replicas)) === 1, 30_000);
  // A pod being deleted is still listed (Terminating) until its process has exited.
  const survivor = (await platform.listPods({ deployment: 'catalogue' })).find((p) => !p.deletionTimestamp)!;
  const gone = survivor.name === original.name ? added.name : original.name;
  await until(
    `series of ${gone} stale`,
    async () =>
      (await query(`{pod="${gone}"}`)).length === 0 &&
      (await query(`up{pod="${survivor.name}"}`)).length === 1,
    30_000,
  );
  // The samples before the scale-down are still there for range queries.
  assert.ok((await query(`count_over_time(up{pod="${gone}"}[5m])`)).length === 1);
});

void test('a killed container: restarts_total rises and the last terminated reason is reported', async () => {
  const [pod] = await platform.listPods({ deployment: 'user' });
  platform.killContainer(pod.name);
  const restarts = `kube_pod_container_status_restarts_total{pod="${pod.name}", container="user"}`;
  await until('restart counted', async () => ((await valueOf(restarts)) ?? 0) >= 1, 30_000);
  const reason = await until('last terminated reason', async () => {
    const r = await query(`kube_pod_container_status_last_terminated_reason{pod="${pod.name}"}`);
    return r[0];
  });
  assert.equal(reason.metric.reason, 'Error');
  assert.equal(reason.value[1], '1');
});

void test('logs, traces and events are served as JSON beside the Prometheus API', async () => {
  await drive('/catalogue?size=2', 3);
  const logs = await until('catalogue logs', async () => {
    const r = await json<{ entries: Array<{ service: string; pod: string }> }>(
      '/api/logs?service=catalogue&limit=5',
    );
    return r.body.entries.length > 0 && r;
  });
  assert.equal(logs.status, 200);
  assert.ok(logs.body.entries.every((e) => e.service === 'catalogue'));

  const traces = await until('front-end traces', async () => {
    const r = await json<{ traces: Array<{ services: string[] }> }>('/api/traces?service=front-end&limit=50');
    return r.body.traces.some((t) => t.services.includes('catalogue')) && r;
  });
  assert.equal(traces.status, 200);

  const events = await json<{ events: Array<{ reason: string }> }>(
    '/api/events?kind=Deployment&name=catalogue&reason=ScalingReplicaSet',
  );
  assert.ok(events.body.events.some((e) => e.reason === 'ScalingReplicaSet'));

  // The OTLP/JSON receiver shares the server: a span sent there is queryable at once.
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const now = BigInt(Date.now()) * 1_000_000n;
  const otlp = await fetch(`${telemetry.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'external-client' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: '00f067aa0ba902b7',
                  name: 'GET /catalogue',
                  kind: 3,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  assert.equal(otlp.status, 200);
  assert.equal((await json(`/api/traces/${traceId}`)).status, 200);

  const metadata = await json<{ data: Record<string, Array<{ type: string }>> }>(
    '/api/v1/metadata?metric=container_cpu_usage_seconds_total',
  );
  assert.equal(metadata.body.data['container_cpu_usage_seconds_total'][0].type, 'counter');

  assert.equal((await json('/api/logs?level=loud')).status, 400);
  assert.equal((await json('/api/events?kind=Planet')).status, 400);
  assert.equal((await json('/api/traces/0123456789abcdef0123456789abcdef')).status, 404);
});
