/**
 * The real Prometheus as a lab pod (`up --prometheus`): catalogue and user from the shop topology, the
 * prometheus pod scraping them through the file_sd target file the lab keeps, and the lab's own
 * telemetry scraping the same pods. Both must list the same targets with the same labels and give the
 * same answers once the traffic has stopped.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { LocalPlatform } from '../../src/platform/local/platform.js';
import { storeBackends } from '../../src/platform/store-pods.js';
import { shopTopology } from '../../src/platform/topology.js';
import { findPrometheus, prometheusPod, prometheusUrl } from '../../src/telemetry/prometheus-pod.js';
import { startTelemetry, type Telemetry } from '../../src/telemetry/runtime.js';
import { FAST, tempHome, until } from '../platform/helpers.js';

const SERVICES = ['catalogue', 'user'];
const SKIP = findPrometheus() ? false : 'prometheus binary not installed (apt-get install -y prometheus)';

interface Item {
  metric: Record<string, string>;
  value: [number, string];
}

async function instant(base: string, query: string): Promise<Item[]> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await res.json()) as { status: string; data: { result: Item[] }; error?: string };
  assert.equal(body.status, 'success', `${base}: ${body.error}`);
  return body.data.result;
}

/** label set → value, for comparing answers regardless of order. */
const byLabels = (items: Item[]) =>
  Object.fromEntries(items.map((i) => [JSON.stringify(Object.entries(i.metric).sort()), i.value[1]]));

describe('the prometheus pod scrapes the same targets as the lab', { skip: SKIP }, () => {
  let home: string;
  let platform: LocalPlatform;
  let telemetry: Telemetry;
  let sync: { writeNow(): Promise<void>; stop(): void };
  let prometheus: string;

  before(async () => {
    home = tempHome();
    platform = await LocalPlatform.start({ home, timings: FAST, sampleIntervalMs: 250 });
    const topology = shopTopology({ mode: 'tsx', anyPorts: true, stores: storeBackends('memory') });
    const shop = topology.deployments
      .filter((d) => SERVICES.includes(d.name))
      .map((d) => ({ ...d, calls: [] }));
    const pod = prometheusPod({ home, scrapeIntervalMs: 1000 });
    await platform.apply([...shop, pod.deployment]);
    await platform.waitAllReady(90_000);
    sync = pod.syncTargets(platform);
    await sync.writeNow();
    const targets = JSON.parse(readFileSync(pod.targetsFile, 'utf8')) as Array<{ labels: { job: string } }>;
    assert.deepEqual(targets.map((t) => t.labels.job).sort(), SERVICES);
    prometheus = (await prometheusUrl(platform))!;
    telemetry = await startTelemetry({ platform, scrapeIntervalMs: 1000, port: 0 });
  });

  after(async () => {
    sync?.stop();
    await telemetry?.close();
    await platform?.shutdown(2);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('shows every shop pod up in /api/v1/targets, with the lab’s target labels', async () => {
    const active = await until(
      'prometheus targets up',
      async () => {
        const res = await fetch(`${prometheus}/api/v1/targets`);
        const body = (await res.json()) as {
          data: { activeTargets: Array<{ health: string; labels: Record<string, string> }> };
        };
        const up = body.data.activeTargets.filter((t) => t.health === 'up');
        return up.length === SERVICES.length && body.data.activeTargets;
      },
      60_000,
    );
    const ours = telemetry.targets().map((t) => t.target);
    for (const target of active) {
      const same = ours.find((o) => o.job === target.labels.job)!;
      assert.ok(same, `lab scrapes ${target.labels.job}`);
      assert.equal(target.labels.instance, same.instance);
      assert.equal(target.labels.pod, same.pod);
      assert.equal(target.labels.namespace, same.namespace);
      assert.equal(target.labels.name, same.labels?.name);
    }
  });

  it('answers up and a request counter like the lab’s telemetry', async () => {
    const [catalogue] = await platform.listPods({ deployment: 'catalogue' });
    const direct = `http://${catalogue.podIP}:${catalogue.ports['http']}`;
    const requests = 7;
    for (let i = 0; i < requests; i++) await (await fetch(`${direct}/catalogue?size=2`)).arrayBuffer();
    const queries = [
      'up{job=~"catalogue|user"}',
      'sum by (job, pod, namespace, name) (http_request_duration_seconds_count{job="catalogue", path="/catalogue"})',
    ];
    // Both have scraped the counter after the last request once they agree on it.
    const answers = await until(
      'both scrapers saw every request',
      async () => {
        const both = await Promise.all(
          queries.map(async (q) => [
            byLabels(await instant(telemetry.url, q)),
            byLabels(await instant(prometheus, q)),
          ]),
        );
        const counts = both[1].map((answer) => Object.values(answer));
        return counts.every((c) => c.length === 1 && Number(c[0]) === requests) && both;
      },
      30_000,
    );
    for (const [i, [ours, theirs]] of answers.entries()) assert.deepEqual(ours, theirs, queries[i]);
    assert.deepEqual(Object.values(answers[0][0]), ['1', '1']);
  });
});
