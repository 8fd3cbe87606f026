import type { Labels } from '../../src/telemetry/tsdb/labels.js';

export interface FixtureSeries {
  labels: Labels;
  ts: number[];
  vs: number[];
}

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/** Deterministic pseudo-random jitter in [0, 1). */
const jitter = (i: number, salt: number): number => ((i * 7919 + salt * 104729) % 1000) / 1000;

/**
 * Deterministic series over `minutes` starting at `startMs`: counters with a reset, gauges, a gap, and
 * classic histograms for the seed query. Sample times are irregular (15 s ± jitter), some on whole seconds.
 */
export function fixtureSeries(startMs: number, minutes: number): FixtureSeries[] {
  const out: FixtureSeries[] = [];
  const n = Math.floor((minutes * 60) / 15);
  const times = (salt: number, skip?: (i: number) => boolean): number[] => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      if (skip?.(i)) continue;
      ts.push(startMs + i * 15_000 + (i % 4 === 0 ? 0 : Math.floor(jitter(i, salt) * 3000)));
    }
    return ts;
  };
  const instances = ['a', 'b', 'c'];
  instances.forEach((instance, k) => {
    for (const code of ['200', '500']) {
      const ts = times(k * 2 + (code === '200' ? 0 : 1));
      let v = 0;
      const vs = ts.map((_, i) => {
        if (instance === 'b' && i === Math.floor(n / 2)) v = 0; // counter reset
        v += (code === '200' ? 5 : 1) + (i % 7) * (k + 1);
        return v;
      });
      out.push({ labels: { __name__: 'req_total', job: 'front-end', instance, code }, ts, vs });
    }
    const gts = times(10 + k);
    out.push({
      labels: { __name__: 'temp_gauge', job: 'front-end', instance },
      ts: gts,
      vs: gts.map((_, i) => 10 + 8 * Math.sin(i / (5 + k))),
    });
  });
  // A gauge with a 10-minute gap: instant selectors must stop returning it 5 minutes into the gap.
  const gap = (i: number): boolean => i >= n / 3 && i < n / 3 + 40;
  const mts = times(20, gap);
  out.push({
    labels: { __name__: 'mem_bytes', job: 'carts', instance: 'a' },
    ts: mts,
    vs: mts.map((_, i) => 1e8 + i * 12345.5),
  });
  for (const path of ['/login', '/cart']) {
    const ts = times(path.length);
    const cumulative = BUCKETS.map(() => 0);
    let sum = 0;
    const perBucket: number[][] = BUCKETS.map(() => []);
    const sums: number[] = [];
    ts.forEach((_, i) => {
      // Each scrape adds observations whose mix drifts over time.
      for (let o = 0; o < 10; o++) {
        const value = 0.003 * Math.pow(1.9, (i * 3 + o * (path === '/login' ? 5 : 2)) % 13);
        sum += value;
        BUCKETS.forEach((le, b) => {
          if (value <= Number(le === '+Inf' ? Infinity : le)) cumulative[b]++;
        });
      }
      BUCKETS.forEach((_, b) => perBucket[b].push(cumulative[b]));
      sums.push(sum);
    });
    const base = { job: 'front-end', path, method: 'POST' };
    BUCKETS.forEach((le, b) => {
      out.push({
        labels: { __name__: 'http_request_duration_seconds_bucket', ...base, le },
        ts,
        vs: perBucket[b],
      });
    });
    out.push({
      labels: { __name__: 'http_request_duration_seconds_count', ...base },
      ts,
      vs: perBucket[BUCKETS.length - 1],
    });
    out.push({ labels: { __name__: 'http_request_duration_seconds_sum', ...base }, ts, vs: sums });
  }
  return out;
}

/** OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` (timestamps in seconds). */
export function toOpenMetrics(series: FixtureSeries[]): string {
  const lines: string[] = [];
  for (const s of series) {
    const { __name__: name, ...rest } = s.labels;
    const labelText = Object.entries(rest)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    s.ts.forEach((t, i) => lines.push(`${name}{${labelText}} ${s.vs[i]} ${(t / 1000).toFixed(3)}`));
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
