/**
 * Ingest and query throughput of the embedded TSDB + PromQL engine.
 * Run: node --import tsx bench/promql.ts [series=10000] [minutes=30]
 */
import { PromqlEngine } from '../src/telemetry/promql/engine.js';
import { Tsdb } from '../src/telemetry/tsdb/tsdb.js';

const SERIES = Number(process.argv[2] ?? 10_000);
const MINUTES = Number(process.argv[3] ?? 30);
const SCRAPE_MS = 5_000;
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const SERVICES = ['front-end', 'catalogue', 'carts', 'orders', 'payment', 'user', 'shipping', 'queue-master'];

/** SERIES label sets: histogram buckets spread over services, pods and routes (the dashboard's shape). */
function labelSets(): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (let i = 0; out.length < SERIES; i++) {
    const job = SERVICES[i % SERVICES.length];
    const base = {
      job,
      pod: `${job}-${i % 5}`,
      path: `/route/${Math.floor(i / 40)}`,
      status_code: i % 13 === 0 ? '500' : '200',
    };
    for (const le of BUCKETS) {
      if (out.length >= SERIES) break;
      out.push({ __name__: 'http_request_duration_seconds_bucket', ...base, le });
    }
  }
  return out;
}

const tsdb = new Tsdb({ retentionMs: 24 * 3600_000 });
const sets = labelSets();
const start = Date.UTC(2026, 0, 1);
const scrapes = (MINUTES * 60_000) / SCRAPE_MS;
const counts = sets.map(() => 0);
const t0 = performance.now();
for (let s = 0; s < scrapes; s++) {
  const ts = start + s * SCRAPE_MS;
  for (let i = 0; i < sets.length; i++) {
    counts[i] += (i % 12) + 1;
    tsdb.append(sets[i], ts, counts[i]);
  }
}
const ingestMs = performance.now() - t0;
const stats = tsdb.stats();
const samples = scrapes * sets.length;
console.log(
  `series: ${stats.series}, samples: ${samples} (${scrapes} scrapes × ${sets.length}), chunks: ${stats.chunks}`,
);
console.log(
  `ingest: ${(samples / (ingestMs / 1000)).toFixed(0)} samples/s (${ingestMs.toFixed(0)} ms), approx ${(stats.approxBytes / 2 ** 20).toFixed(1)} MiB, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
);

// A scraper builds fresh label objects each scrape, so its appends pay for the series key every time.
const fresh = performance.now();
const extra = 20;
for (let s = 0; s < extra; s++) {
  const ts = start + (scrapes + s) * SCRAPE_MS;
  for (let i = 0; i < sets.length; i++) tsdb.append({ ...sets[i] }, ts, counts[i] + s);
}
const freshMs = performance.now() - fresh;
console.log(
  `ingest with fresh label objects (scrape path): ${((extra * sets.length) / (freshMs / 1000)).toFixed(0)} samples/s`,
);

const engine = new PromqlEngine(tsdb);
const end = start + (scrapes + extra - 1) * SCRAPE_MS;
const queries: [string, string][] = [
  ['instant', 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[1m])) by (job, le))'],
  [
    'instant',
    'sum(rate(http_request_duration_seconds_bucket{le="+Inf",status_code=~"2.."}[1m])) by (job) * 100',
  ],
  ['instant', 'topk(5, sum by (path) (rate(http_request_duration_seconds_bucket{le="+Inf"}[5m])))'],
  [
    'range 15m/15s',
    'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{job="front-end"}[1m])) by (le))',
  ],
  [
    'range 15m/15s',
    'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[1m])) by (job, le))',
  ],
];
for (const [kind, query] of queries) {
  const runs = kind === 'instant' ? 10 : 3;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const q0 = performance.now();
    if (kind === 'instant') engine.instantQuery(query, end);
    else engine.rangeQuery(query, end - 15 * 60_000, end, 15_000);
    times.push(performance.now() - q0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${kind.padEnd(14)} median ${times[Math.floor(runs / 2)].toFixed(1)} ms  min ${times[0].toFixed(1)} ms  ${query}`,
  );
}
