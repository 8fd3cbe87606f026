import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromqlEngine } from '../../src/telemetry/promql/engine.js';
import { bucketQuantile } from '../../src/telemetry/promql/histogram.js';
import { formatFloat } from '../../src/telemetry/promql/literals.js';
import { ParseError, parsePromql } from '../../src/telemetry/promql/parser.js';
import { EvalError, type Value } from '../../src/telemetry/promql/values.js';
import type { Labels } from '../../src/telemetry/tsdb/labels.js';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const S = 1000;

function engineWith(data: [Labels, [number, number][]][]): PromqlEngine {
  const tsdb = new Tsdb();
  for (const [labels, points] of data) for (const [t, v] of points) tsdb.append(labels, t * S, v);
  return new PromqlEngine(tsdb);
}

/** Instant query → { labels-as-text: value }. */
function q(engine: PromqlEngine, query: string, t: number): Record<string, number> {
  const value: Value = engine.instantQuery(query, t * S);
  if (value.type === 'scalar') return { scalar: value.v };
  assert.equal(value.type, 'vector');
  const out: Record<string, number> = {};
  for (const s of value.type === 'vector' ? value.samples : []) {
    out[
      Object.entries(s.labels)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    ] = s.v;
  }
  return out;
}

function near(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) < 1e-12 * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected}`,
  );
}

const at = (ts: number[], vs: number[]): [number, number][] => ts.map((t, i) => [t, vs[i]]);

describe('rate/increase extrapolation (Prometheus extrapolatedRate)', () => {
  const c = { __name__: 'c_total', job: 'x' };
  it('extends both edges by their gap when below 1.1 × average step', () => {
    // Samples 15..60 s, window (10, 70]: 30 increase over 45 s sampled, extended by 5 + 10 s → ×60/45.
    const e = engineWith([[c, at([15, 30, 45, 60], [10, 20, 30, 40])]]);
    near(q(e, 'increase(c_total[1m])', 70)['job=x'], 40);
    near(q(e, 'rate(c_total[1m])', 70)['job=x'], 40 / 60);
  });
  it('caps the start extrapolation at the counter zero point', () => {
    // durationToZero = 45 × 1/30 = 1.5 s < 5 s → extended interval 45 + 1.5 + 10.
    const e = engineWith([[c, at([15, 30, 45, 60], [1, 11, 21, 31])]]);
    near(q(e, 'increase(c_total[1m])', 70)['job=x'], (30 * 56.5) / 45);
  });
  it('extends by half a step when the gap to an edge is too large', () => {
    // Window (0, 60], first sample at 40: gap 40 s > 11 s → extend by 5 s only.
    const e = engineWith([[c, at([40, 50, 60], [100, 110, 120])]]);
    near(q(e, 'increase(c_total[1m])', 60)['job=x'], (20 * 25) / 20);
  });
  it('adds the pre-reset value on a counter reset', () => {
    // 15-10 + 20 (drop 20 → 5) = 25; zero point 45 × 10/25 = 18 s > 5 s.
    const e = engineWith([[c, at([15, 30, 45, 60], [10, 20, 5, 15])]]);
    near(q(e, 'increase(c_total[1m])', 70)['job=x'], (25 * 60) / 45);
    near(q(e, 'resets(c_total[1m])', 70)['job=x'], 1);
    near(q(e, 'irate(c_total[1m])', 50)['job=x'], 5 / 15);
  });
  it('delta does not correct resets nor cap at zero', () => {
    const e = engineWith([[{ __name__: 'g', job: 'x' }, at([15, 30, 45, 60], [10, 5, 8, 2])]]);
    near(q(e, 'delta(g[1m])', 70)['job=x'], (-8 * 60) / 45);
    near(q(e, 'idelta(g[1m])', 70)['job=x'], -6);
  });
  it('needs two samples in the window', () => {
    const e = engineWith([[c, at([15, 30], [1, 2])]]);
    assert.deepEqual(q(e, 'rate(c_total[10s])', 31), {});
    near(q(e, 'irate(c_total[1m])', 31)['job=x'], 1 / 15);
  });
});

describe('histogram_quantile edge rules', () => {
  const b = (pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }));
  it('interpolates linearly inside the bucket holding the rank', () => {
    near(
      bucketQuantile(
        0.5,
        b([
          [0.1, 10],
          [0.5, 30],
          [1, 40],
          [Infinity, 40],
        ]),
      ),
      0.3,
    );
  });
  it('returns the second-highest bound when the rank falls into +Inf', () => {
    assert.equal(
      bucketQuantile(
        0.99,
        b([
          [0.1, 10],
          [0.5, 30],
          [1, 40],
          [Infinity, 50],
        ]),
      ),
      1,
    );
  });
  it('starts the lowest bucket at 0, or returns its bound when that is ≤ 0', () => {
    near(
      bucketQuantile(
        0.5,
        b([
          [0.1, 10],
          [Infinity, 10],
        ]),
      ),
      0.05,
    );
    assert.equal(
      bucketQuantile(
        0.5,
        b([
          [-1, 10],
          [Infinity, 10],
        ]),
      ),
      -1,
    );
  });
  it('is NaN without +Inf bucket, with fewer than two buckets, or zero observations', () => {
    assert.ok(
      Number.isNaN(
        bucketQuantile(
          0.5,
          b([
            [0.1, 10],
            [1, 20],
          ]),
        ),
      ),
    );
    assert.ok(Number.isNaN(bucketQuantile(0.5, b([[Infinity, 10]]))));
    assert.ok(
      Number.isNaN(
        bucketQuantile(
          0.5,
          b([
            [0.1, 0],
            [Infinity, 0],
          ]),
        ),
      ),
    );
  });
  it('gives ∓Inf for φ out of [0, 1] and NaN for NaN φ', () => {
    const buckets = b([
      [0.1, 10],
      [Infinity, 10],
    ]);
    assert.equal(bucketQuantile(-0.1, buckets), -Infinity);
    assert.equal(bucketQuantile(1.1, buckets), Infinity);
    assert.ok(Number.isNaN(bucketQuantile(NaN, buckets)));
  });
  it('forces monotonic cumulative counts and merges equal bounds', () => {
    // {10, 8, 20, 20} → {10, 10, 20, 20}: rank 10 is reached in the first bucket.
    near(
      bucketQuantile(
        0.5,
        b([
          [0.1, 10],
          [0.5, 8],
          [1, 20],
          [Infinity, 20],
        ]),
      ),
      0.1,
    );
    near(
      bucketQuantile(
        0.5,
        b([
          [1, 5],
          [1, 5],
          [Infinity, 20],
        ]),
      ),
      1,
    );
  });
  it('groups by all labels but le through the engine and drops the metric name', () => {
    const e = engineWith(
      ['0.1', '0.5', '1', '+Inf'].map((le, i) => [
        { __name__: 'h_bucket', le, path: '/a' },
        [[10, [10, 30, 40, 40][i]]],
      ]),
    );
    const result = q(e, 'histogram_quantile(0.5, h_bucket)', 10);
    assert.deepEqual(Object.keys(result), ['path=/a']);
    near(result['path=/a'], 0.3);
  });
});

describe('vector matching and operators', () => {
  const e = engineWith([
    [{ __name__: 'req', inst: 'a', code: '200' }, [[10, 6]]],
    [{ __name__: 'req', inst: 'a', code: '500' }, [[10, 2]]],
    [{ __name__: 'req', inst: 'b', code: '200' }, [[10, 9]]],
    [{ __name__: 'tot', inst: 'a' }, [[10, 8]]],
    [{ __name__: 'tot', inst: 'b' }, [[10, 9]]],
    [{ __name__: 'info', inst: 'a', version: '1.2' }, [[10, 1]]],
  ]);
  it('one-to-one ignoring and on (on keeps only the on labels)', () => {
    assert.deepEqual(q(e, 'req{code="200"} / ignoring(code) tot', 10), { 'inst=a': 0.75, 'inst=b': 1 });
    assert.deepEqual(q(e, 'req{code="500"} + on(inst) tot', 10), { 'inst=a': 10 });
  });
  it('group_left divides many by one and copies include labels from the one side', () => {
    assert.deepEqual(q(e, 'req / on(inst) group_left tot', 10), {
      'code=200,inst=a': 0.75,
      'code=500,inst=a': 0.25,
      'code=200,inst=b': 1,
    });
    assert.deepEqual(q(e, 'tot * on(inst) group_left(version) info', 10), { 'inst=a,version=1.2': 8 });
  });
  it('refuses many-to-many and implicit many-to-one', () => {
    assert.throws(() => q(e, 'req + on(inst) req', 10), EvalError);
    assert.throws(() => q(e, 'req + on(inst) tot', 10), /many-to-one matching must be explicit/);
  });
  it('comparisons filter and keep the name; bool gives 0/1 without name', () => {
    assert.deepEqual(q(e, 'req > 5', 10), {
      '__name__=req,code=200,inst=a': 6,
      '__name__=req,code=200,inst=b': 9,
    });
    assert.deepEqual(q(e, '5 < req', 10), {
      '__name__=req,code=200,inst=a': 6,
      '__name__=req,code=200,inst=b': 9,
    });
    assert.deepEqual(q(e, 'tot > bool 8', 10), { 'inst=a': 0, 'inst=b': 1 });
    assert.deepEqual(q(e, '2 > bool 1', 10), { scalar: 1 });
  });
  it('set operators match on labels without the metric name', () => {
    assert.deepEqual(Object.keys(q(e, 'tot and on(inst) req{code="500"}', 10)), ['__name__=tot,inst=a']);
    assert.deepEqual(Object.keys(q(e, 'tot unless on(inst) req{code="500"}', 10)), ['__name__=tot,inst=b']);
    assert.equal(Object.keys(q(e, 'tot or req', 10)).length, 5);
  });
  it('follows operator precedence and right-associative ^', () => {
    assert.deepEqual(q(e, '1 + 2 * 3 ^ 2 ^ 0.5 - 4 % 3', 10), {
      scalar: 1 + 2 * Math.pow(3, Math.SQRT2) - 1,
    });
    assert.deepEqual(q(e, '-2 ^ 2', 10), { scalar: -4 });
  });
});

describe('aggregations', () => {
  const e = engineWith(
    [1, 2, 3, 4].map((v, i) => [{ __name__: 'm', g: i < 2 ? 'x' : 'y', i: String(i) }, [[10, v]]]),
  );
  it('sum/avg/count/min/max with by and without', () => {
    assert.deepEqual(q(e, 'sum by (g) (m)', 10), { 'g=x': 3, 'g=y': 7 });
    assert.deepEqual(q(e, 'avg without (i) (m)', 10), { 'g=x': 1.5, 'g=y': 3.5 });
    assert.deepEqual(q(e, 'count(m)', 10), { '': 4 });
    assert.deepEqual(q(e, 'max(m) - min(m)', 10), { '': 3 });
  });
  it('stddev, quantile, topk, bottomk, count_values, group', () => {
    near(q(e, 'stddev(m)', 10)[''], Math.sqrt(1.25));
    near(q(e, 'quantile(0.5, m)', 10)[''], 2.5);
    assert.deepEqual(q(e, 'topk(1, m)', 10), { '__name__=m,g=y,i=3': 4 });
    assert.deepEqual(q(e, 'bottomk by (g) (1, m)', 10), { '__name__=m,g=x,i=0': 1, '__name__=m,g=y,i=2': 3 });
    assert.deepEqual(q(e, 'count_values("v", m > 2)', 10), { 'v=3': 1, 'v=4': 1 });
    assert.deepEqual(q(e, 'group by (g) (m)', 10), { 'g=x': 1, 'g=y': 1 });
  });
});

describe('selection, staleness, modifiers, functions', () => {
  it('anchors regex matchers and treats a missing label as empty', () => {
    const e = engineWith([
      [{ __name__: 'm', a: 'abc' }, [[10, 1]]],
      [{ __name__: 'm' }, [[10, 2]]],
    ]);
    assert.deepEqual(q(e, 'm{a=~"b"}', 10), {});
    assert.deepEqual(q(e, 'm{a=~"a.*"}', 10), { '__name__=m,a=abc': 1 });
    assert.deepEqual(q(e, 'm{a=""}', 10), { '__name__=m': 2 });
    assert.deepEqual(q(e, '{__name__=~"m|n", a!~"x.*"}', 10), { '__name__=m,a=abc': 1, '__name__=m': 2 });
  });
  it('looks back 5 minutes and stops at a staleness marker', () => {
    const tsdb = new Tsdb();
    const labels = { __name__: 'g', pod: 'p' };
    tsdb.append(labels, 10 * S, 1);
    tsdb.append(labels, 20 * S, 2);
    const e = new PromqlEngine(tsdb);
    // The lookback window (t-5m, t] excludes its start (Prometheus 3).
    assert.deepEqual(q(e, 'g', 319.999), { '__name__=g,pod=p': 2 });
    assert.deepEqual(q(e, 'g', 320), {});
    tsdb.markStale(labels, 30 * S);
    assert.deepEqual(q(e, 'g', 29), { '__name__=g,pod=p': 2 });
    assert.deepEqual(q(e, 'g', 30), {});
    assert.deepEqual(q(e, 'count_over_time(g[1m])', 40), { 'pod=p': 2 });
  });
  it('offset, @ and subqueries', () => {
    const e = engineWith([[{ __name__: 'g' }, at([0, 60, 120, 180], [1, 2, 3, 4])]]);
    assert.deepEqual(q(e, 'g offset 1m', 180), { '__name__=g': 3 });
    assert.deepEqual(q(e, 'g @ 60', 180), { '__name__=g': 2 });
    assert.deepEqual(q(e, 'max_over_time(g[3m:1m])', 180), { '': 4 });
    assert.deepEqual(q(e, 'sum_over_time(g[3m:1m])', 180), { '': 9 });
  });
  it('label_replace/label_join follow Go template expansion', () => {
    const e = engineWith([[{ __name__: 'm', svc: 'front-end' }, [[10, 1]]]]);
    // Go reads `$1_` as the (missing) group named "1_"; `${1}_` is group 1.
    assert.deepEqual(q(e, 'label_replace(m, "a", "$1_${2}x", "svc", "(.*)-(.*)")', 10), {
      '__name__=m,a=endx,svc=front-end': 1,
    });
    assert.deepEqual(q(e, 'label_replace(m, "a", "${1}_$2", "svc", "(.*)-(.*)")', 10), {
      '__name__=m,a=front_end,svc=front-end': 1,
    });
    assert.deepEqual(q(e, 'label_replace(m, "a", "$1x", "svc", "(.*)")', 10), {
      '__name__=m,svc=front-end': 1,
    });
    assert.deepEqual(q(e, 'label_join(m, "j", "/", "__name__", "svc")', 10), {
      '__name__=m,j=m/front-end,svc=front-end': 1,
    });
  });
  it('absent, scalar, vector, time, timestamp, clamp, round, predict_linear, deriv', () => {
    const e = engineWith([[{ __name__: 'g', a: 'b' }, at([0, 60, 120], [0, 10, 20])]]);
    assert.deepEqual(q(e, 'absent(nope{job="x", a=~"y"})', 120), { 'job=x': 1 });
    assert.deepEqual(q(e, 'absent(g)', 120), {});
    assert.deepEqual(q(e, 'scalar(g) + time()', 120), { scalar: 140 });
    assert.deepEqual(q(e, 'timestamp(g)', 130), { 'a=b': 120 });
    assert.deepEqual(q(e, 'clamp(g, 2, 5)', 60), { 'a=b': 5 });
    assert.deepEqual(q(e, 'round(g / 3, 0.5)', 60), { 'a=b': 3.5 });
    near(q(e, 'deriv(g[3m])', 120)['a=b'], 1 / 6);
    near(q(e, 'predict_linear(g[3m], 60)', 120)['a=b'], 30);
  });
  it('range queries evaluate per step and refuse more than 11,000 points', () => {
    const e = engineWith([[{ __name__: 'g' }, at([0, 60, 120], [1, 2, 3])]]);
    const m = e.rangeQuery('g * 2', 0, 120 * S, 30 * S);
    assert.deepEqual(m, [{ labels: {}, ts: [0, 30, 60, 90, 120].map((t) => t * S), vs: [2, 2, 4, 4, 6] }]);
    assert.throws(() => e.rangeQuery('g', 0, 11_001 * S, S), /exceeded maximum resolution of 11,000 points/);
  });
});

describe('parser errors', () => {
  const err = (query: string): string => {
    try {
      parsePromql(query);
    } catch (e) {
      assert.ok(e instanceof ParseError);
      return e.message;
    }
    return assert.fail(`no error for ${query}`);
  };
  it('reports syntax errors with line:column', () => {
    assert.equal(err('sum(rate(x[5m])'), '1:16: parse error: unclosed left parenthesis');
    assert.equal(err('1 +'), '1:4: parse error: unexpected end of input');
    assert.equal(err(''), '1:1: parse error: no expression found in input');
    assert.equal(err('sum(x))'), "1:7: parse error: unexpected right parenthesis ')'");
    assert.equal(err('nofunc(x)'), '1:1: parse error: unknown function with name "nofunc"');
    assert.equal(err('x{a="b"} +\n  )'), "2:3: parse error: unexpected right parenthesis ')'");
  });
  it('reports type errors like Prometheus', () => {
    assert.equal(
      err('rate(x)'),
      '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    );
    assert.match(
      err('sum(x[5m])'),
      /expected type instant vector in aggregation expression, got range vector/,
    );
    assert.match(err('1 > 2'), /comparisons between scalars must use BOOL modifier/);
    assert.match(err('x and 1'), /set operator "and" not allowed in binary scalar expression/);
    assert.match(err('{a=~""}'), /at least one non-empty matcher/);
    assert.match(err('x{a=~"(?=y)"}'), /lookaround is not supported/);
  });
});

describe('float formatting', () => {
  it('matches Go FormatFloat(v, f, -1, 64)', () => {
    assert.equal(formatFloat(1e21), '1000000000000000000000');
    assert.equal(formatFloat(1.5e-7), '0.00000015');
    assert.equal(formatFloat(-2.5), '-2.5');
    assert.equal(formatFloat(NaN), 'NaN');
    assert.equal(formatFloat(Infinity), '+Inf');
    assert.equal(formatFloat(-Infinity), '-Inf');
  });
});
