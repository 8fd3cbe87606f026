import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry, Summary } from 'prom-client';
import { ExpositionError, parseExposition } from '../../src/telemetry/exposition/parse.js';

describe('text exposition 0.0.4 parser', () => {
  it('reads HELP/TYPE, escaped label values, special floats and timestamps', () => {
    const text = [
      '# HELP req_total Requests \\\\ with a\\nnewline',
      '# TYPE req_total counter',
      'req_total{path="/a\\"b\\\\c\\nd",code="200",} 12 1700000000123',
      'req_total 3',
      '# a plain comment',
      'g{a="x"} NaN',
      'h +Inf',
      'i\t-Inf -5',
      'j{} 1.5e3',
      '',
    ].join('\n');
    const { samples, metadata } = parseExposition(text);
    assert.deepEqual(metadata.get('req_total'), { type: 'counter', help: 'Requests \\ with a\nnewline' });
    assert.deepEqual(samples[0], {
      name: 'req_total',
      labels: { path: '/a"b\\c\nd', code: '200' },
      value: 12,
      timestampMs: 1700000000123,
    });
    assert.deepEqual(samples[1], { name: 'req_total', labels: {}, value: 3, timestampMs: undefined });
    assert.ok(Number.isNaN(samples[2].value));
    assert.equal(samples[3].value, Infinity);
    assert.equal(samples[4].value, -Infinity);
    assert.equal(samples[4].timestampMs, -5);
    assert.equal(samples[5].value, 1500);
  });

  it('names the line of malformed input', () => {
    assert.throws(
      () => parseExposition('ok 1\nbad{a="x" 1\n'),
      (e: unknown) => e instanceof ExpositionError && /line 2/.test(e.message),
    );
    assert.throws(() => parseExposition('x{a="\\q"} 1'), /invalid escape sequence/);
    assert.throws(() => parseExposition('x one'), /expected float as value/);
    assert.throws(() => parseExposition('# TYPE x bogus'), /unknown metric type/);
    assert.throws(() => parseExposition('x 1 2 3'), /unexpected text after timestamp/);
  });

  it('reads every series prom-client writes, histograms and summaries included', async () => {
    const registry = new Registry();
    new Counter({ name: 'c_total', help: 'c', labelNames: ['l'], registers: [registry] }).inc(
      { l: 'a"b' },
      2,
    );
    new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] }).observe(0.5);
    new Summary({ name: 's_seconds', help: 's', percentiles: [0.5], registers: [registry] }).observe(2);
    const { samples, metadata } = parseExposition(await registry.metrics());
    const byName = (n: string) => samples.filter((s) => s.name === n);
    assert.deepEqual(byName('c_total'), [
      { name: 'c_total', labels: { l: 'a"b' }, value: 2, timestampMs: undefined },
    ]);
    assert.deepEqual(
      byName('h_seconds_bucket').map((s) => [s.labels['le'], s.value]),
      [
        ['0.1', 0],
        ['1', 1],
        ['+Inf', 1],
      ],
    );
    assert.equal(byName('h_seconds_count')[0].value, 1);
    assert.deepEqual(
      byName('s_seconds').map((s) => [s.labels['quantile'], s.value]),
      [['0.5', 2]],
    );
    assert.equal(metadata.get('h_seconds')?.type, 'histogram');
    assert.equal(metadata.get('s_seconds')?.type, 'summary');
  });
});
