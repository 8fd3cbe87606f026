import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PodLogs } from '../../src/platform/local/pod-logs.js';
import type { LogOptions, PodInfo } from '../../src/platform/types.js';
import {
  LogQueryError,
  LogStore,
  PlatformLogCollector,
  parseLogLine,
} from '../../src/telemetry/logs/index.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const pinoLine = (offsetMs: number, level: string, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    level,
    time: iso(offsetMs),
    pid: 1,
    hostname: 'h',
    service: 'carts',
    pod: 'carts-abc12-x1y2z',
    msg,
    ...extra,
  });

describe('log line parsing', () => {
  it('keeps a JSON line’s own time, level, message and trace id; the rest are fields', () => {
    const r = parseLogLine(
      { pod: 'carts-abc12-x1y2z' },
      pinoLine(5, 'warn', 'slow query', { trace_id: 'ab'.repeat(16), span_id: 'cd'.repeat(8), ms: 812 }),
      T0 + 999,
    );
    assert.equal(r.ts, iso(5));
    assert.equal(r.level, 'warn');
    assert.equal(r.msg, 'slow query');
    assert.equal(r.service, 'carts');
    assert.equal(r.trace_id, 'ab'.repeat(16));
    assert.deepEqual(r.fields, { span_id: 'cd'.repeat(8), ms: 812 });
  });

  it('maps pino numeric levels and guesses plain-line levels from a leading or level= token', () => {
    assert.equal(parseLogLine({ pod: 'p' }, '{"level":50,"msg":"x"}', T0).level, 'error');
    assert.equal(parseLogLine({ pod: 'p' }, 'WARNING: disk almost full', T0).level, 'warn');
    assert.equal(parseLogLine({ pod: 'p' }, '[ERROR] connection refused', T0).level, 'error');
    assert.equal(parseLogLine({ pod: 'p' }, 'ts=1 level=debug msg=hi', T0).level, 'debug');
    const plain = parseLogLine({ pod: 'catalogue-db-5d8f9c7b6-abcde' }, 'ready for connections', T0);
    assert.equal(plain.level, 'info');
    assert.equal(plain.service, 'catalogue-db');
    assert.equal(plain.ts, iso(0));
  });
});

describe('log search', () => {
  const store = new LogStore({ now: () => T0 });
  const lines: Array<[string, string, string]> = [
    ['carts-abc12-x1y2z', 'carts', pinoLine(1000, 'info', 'cart created', { customerId: 'C-17' })],
    [
      'carts-abc12-x1y2z',
      'carts',
      pinoLine(2000, 'error', 'Mongo timeout after 5000ms', { trace_id: 'f'.repeat(32) }),
    ],
    ['orders-def34-aaaaa', 'orders', pinoLine(1500, 'warn', 'payment slow')],
    ['orders-def34-aaaaa', 'orders', pinoLine(3000, 'fatal', 'out of memory')],
    ['orders-def34-aaaaa', 'orders', pinoLine(2500, 'debug', 'polling')],
    ['orders-def34-bbbbb', 'orders', pinoLine(2600, 'error', 'Mongo timeout after 5000ms')],
  ];
  for (const [pod, service, line] of lines) store.ingest({ pod, service }, line);
  store.ingest({ pod: 'orders-def34-bbbbb', service: 'orders' }, '   ');

  it('returns everything newest first by line time', () => {
    const page = store.search();
    assert.deepEqual(
      page.entries.map((e) => e.ts),
      [3000, 2600, 2500, 2000, 1500, 1000].map(iso),
    );
    assert.equal(page.nextCursor, undefined);
  });

  it('filters by service, pod and minimum level', () => {
    assert.deepEqual(
      store.search({ service: 'orders', level: 'error' }).entries.map((e) => e.msg),
      ['out of memory', 'Mongo timeout after 5000ms'],
    );
    assert.deepEqual(
      store.search({ pod: ['orders-def34-bbbbb'] }).entries.map((e) => e.pod),
      ['orders-def34-bbbbb'],
    );
    assert.equal(store.search({ level: 'WARNING' }).entries.length, 4);
  });

  it('filters by inclusive time range given as ISO, epoch ms or epoch seconds', () => {
    const msgs = (from: number | string, to: number | string) =>
      store.search({ from, to }).entries.map((e) => e.msg);
    assert.deepEqual(msgs(iso(1500), iso(2500)), ['polling', 'Mongo timeout after 5000ms', 'payment slow']);
    assert.deepEqual(msgs(T0 + 1500, T0 + 2500), msgs(iso(1500), iso(2500)));
    assert.deepEqual(msgs(String((T0 + 2600) / 1000), (T0 + 3000) / 1000), [
      'out of memory',
      'Mongo timeout after 5000ms',
    ]);
  });

  it('matches text as a case-insensitive substring of message or fields, and regexes case-insensitively', () => {
    assert.equal(store.search({ text: 'MONGO TIMEOUT' }).entries.length, 2);
    assert.deepEqual(
      store.search({ text: 'c-17' }).entries.map((e) => e.msg),
      ['cart created'],
    );
    assert.deepEqual(
      store.search({ regex: 'timeout after \\d{4}ms', service: 'carts' }).entries.map((e) => e.pod),
      ['carts-abc12-x1y2z'],
    );
    assert.equal(store.search({ regex: '^out OF' }).entries.length, 1);
    assert.deepEqual(
      store.search({ regex: 'created$' }).entries.map((e) => e.msg),
      ['cart created'],
    );
  });

  it('finds the lines of one trace', () => {
    assert.deepEqual(
      store.search({ traceId: 'F'.repeat(32) }).entries.map((e) => e.msg),
      ['Mongo timeout after 5000ms'],
    );
  });

  it('pages with a cursor without repeating or skipping lines', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = store.search({ limit: 4, cursor });
      seen.push(...page.entries.map((e) => e.ts));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 2);
    assert.deepEqual(
      seen,
      store.search().entries.map((e) => e.ts),
    );
  });

  it('rejects a bad regex, level, time or cursor with a LogQueryError', () => {
    assert.throws(() => store.search({ regex: '(' }), LogQueryError);
    assert.throws(() => store.search({ level: 'loud' }), LogQueryError);
    assert.throws(() => store.search({ from: 'yesterday' }), LogQueryError);
    assert.throws(() => store.search({ cursor: 'abc' }), LogQueryError);
  });

  it('summarises counts per level and service, and the most frequent problems', () => {
    const summary = store.summarize({ from: iso(1000), to: iso(3000) });
    assert.equal(summary.total, 6);
    assert.deepEqual(summary.byLevel, { trace: 0, debug: 1, info: 1, warn: 1, error: 2, fatal: 1 });
    assert.equal(summary.byService.orders?.total, 4);
    assert.equal(summary.byService.carts?.byLevel.error, 1);
    assert.deepEqual(summary.topProblems[0], {
      service: 'carts',
      level: 'error',
      msg: 'Mongo timeout after 5000ms',
      count: 1,
      lastTs: iso(2000),
    });
    assert.equal(summary.topProblems.length, 4);
    assert.equal(store.summarize({ from: iso(2700) }).total, 1);
  });
});

describe('log paging over many pods', () => {
  it('pages through ordered and unordered pods in exactly the global newest-first order', () => {
    const store = new LogStore();
    const written: Array<{ t: number; msg: string }> = [];
    let state = 7;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 600; i++) {
      const pod = ['a', 'b', 'c'][i % 3];
      // Pods a and b write in time order; c's clock jumps around. Some lines share a millisecond.
      const t = pod === 'c' ? T0 + Math.floor(random() * 600) : T0 + Math.floor(i / 2);
      store.ingest(
        { pod, service: pod },
        JSON.stringify({ time: new Date(t).toISOString(), level: i % 4 ? 'info' : 'warn', msg: `m${i}` }),
      );
      written.push({ t, msg: `m${i}` });
    }
    // Then one pod alone writes the newest lines: the first pages come from it only.
    for (let i = 600; i < 620; i++) {
      const t = T0 + 1000 + i;
      store.ingest(
        { pod: 'a', service: 'a' },
        JSON.stringify({ time: new Date(t).toISOString(), level: 'warn', msg: `m${i}` }),
      );
      written.push({ t, msg: `m${i}` });
    }
    const expected = (filter: (i: number) => boolean) =>
      written
        .map((w, i) => ({ ...w, i }))
        .filter((w) => filter(w.i))
        .sort((x, y) => y.t - x.t || y.i - x.i)
        .map((w) => w.msg);
    const pageThrough = (query: { level?: string; from?: number }) => {
      const msgs: string[] = [];
      let cursor: string | undefined;
      do {
        const page = store.search({ ...query, limit: 7, cursor });
        msgs.push(...page.entries.map((e) => e.msg));
        cursor = page.nextCursor;
      } while (cursor);
      return msgs;
    };
    assert.deepEqual(
      pageThrough({}),
      expected(() => true),
    );
    assert.deepEqual(
      pageThrough({ level: 'warn' }),
      expected((i) => i % 4 === 0 || i >= 600),
    );
    assert.deepEqual(
      pageThrough({ from: T0 + 250 }),
      expected((i) => written[i].t >= T0 + 250),
    );
  });
});

describe('log store bounds', () => {
  it('keeps a ring per pod and drops the oldest lines overall past the global cap', () => {
    const store = new LogStore({ perPodLines: 3, maxLines: 5, now: () => T0 });
    for (let i = 0; i < 5; i++) store.ingest({ pod: 'a', service: 'a' }, `a${i}`, T0 + i);
    assert.deepEqual(
      store.search({ pod: 'a' }).entries.map((e) => e.msg),
      ['a4', 'a3', 'a2'],
    );
    for (let i = 0; i < 4; i++) store.ingest({ pod: 'b', service: 'b' }, `b${i}`, T0 + 10 + i);
    // b2 takes the total past 5: a2, the oldest overall, goes; b3 pushes b0 out of b's own ring.
    assert.deepEqual(
      store.search().entries.map((e) => e.msg),
      ['b3', 'b2', 'b1', 'a4', 'a3'],
    );
    assert.deepEqual(store.stats(), { lines: 5, pods: 2, evicted: 4 });
  });
});

describe('platform log collector', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('tails the platform’s pod logs with since, without losing or repeating lines across polls and restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'logs-collector-'));
    dirs.push(dir);
    const logs = new PodLogs(join(dir, 'carts.log'));
    let restartCount = 0;
    const pod = () =>
      ({ name: 'carts-abc12-x1y2z', deployment: 'carts', container: { restartCount } }) as unknown as PodInfo;
    const platform = {
      listPods: async () => [pod()],
      // The real PodLogs filters `since` itself; this pushes a line "while the read is in flight".
      podLogs: async (_name: string, options?: LogOptions) => {
        const lines = logs.read(options);
        logs.push(`in-flight ${++reads}`);
        return lines;
      },
    };
    let reads = 0;
    const store = new LogStore();
    const collector = new PlatformLogCollector({ platform, store });
    logs.push(pinoLine(0, 'info', 'boot'));
    await collector.pollOnce();
    logs.push('after first poll');
    await collector.pollOnce();
    await collector.pollOnce();
    restartCount = 1;
    logs.push('last words of run 1');
    logs.newRun();
    logs.push('run 2 started');
    await collector.pollOnce();
    await collector.pollOnce();
    const msgs = store
      .search({ limit: 1000 })
      .entries.map((e) => e.msg)
      .reverse();
    // Lines read at the same instant keep ingestion order; compare as a multiset in write order.
    assert.deepEqual(
      msgs.sort(),
      [
        'after first poll',
        'boot',
        'in-flight 1',
        'in-flight 2',
        'in-flight 3',
        'last words of run 1',
        'run 2 started',
        'in-flight 4',
        'in-flight 5',
      ].sort(),
    );
    assert.ok(store.search().entries.every((e) => e.service === 'carts' && e.pod === 'carts-abc12-x1y2z'));
    await logs.close();
  });
});
