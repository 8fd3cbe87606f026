/** The check evaluator's logic (thresholds, baselines, `for` windows, reductions) with a fake query. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CheckTracker,
  effectiveThreshold,
  evaluateCheck,
  readBaselineCheck,
  type QueryFn,
} from '../../src/scenarios/checks.js';
import { checkSchema, type ScenarioCheck } from '../../src/scenarios/schema.js';

const check = (raw: Record<string, unknown>): ScenarioCheck => checkSchema.parse(raw);
const noState = async () => NaN;
/** A series whose value at time t (ms) is f(t); several series when f returns an array. */
const series =
  (f: (t: number) => number | number[]): QueryFn =>
  (_expr, t) => {
    const v = f(t);
    return {
      type: 'vector',
      samples: (Array.isArray(v) ? v : [v]).map((x, i) => ({ labels: { i: String(i) }, v: x })),
    };
  };

describe('check evaluation', () => {
  it('baseline thresholds: factor and offset, bounded by an absolute value', () => {
    const up = check({ id: 'a', promql: 'x', op: '>', baseline: { factor: 3, offset: 0.1 } });
    assert.equal(effectiveThreshold(up, 0.2), 0.7000000000000001);
    const both = check({ id: 'b', promql: 'x', op: '>', value: 5, baseline: { factor: 3 } });
    assert.equal(effectiveThreshold(both, 1), 5);
    const down = check({ id: 'c', promql: 'x', op: '<=', value: 5, baseline: { factor: 2 } });
    assert.equal(effectiveThreshold(down, 1), 2);
    assert.ok(Number.isNaN(effectiveThreshold(up, undefined)), 'no baseline measured → cannot pass');
  });

  it('a `for` window fails when any step inside it fails, passes when all hold', async () => {
    const c = check({ id: 'depth', promql: 'q', op: '==', value: 3, for: '30s' });
    const stuckSince = (since: number) => series((t) => (t >= since ? 3 : 1));
    const now = 100_000;
    const held = await evaluateCheck(c, { query: stuckSince(60_000), readState: noState, timeMs: now });
    assert.equal(held.passed, true);
    assert.equal(held.observations.length, 7); // 70 s … 100 s every 5 s
    const fresh = await evaluateCheck(c, { query: stuckSince(90_000), readState: noState, timeMs: now });
    assert.equal(fresh.passed, false);
    assert.equal(fresh.observations.at(-1)!.value, 1);
  });

  it('empty vectors are "no data" and fail', async () => {
    const c = check({ id: 'x', promql: 'q', op: '<', value: 1 });
    const r = await evaluateCheck(c, { query: series(() => []), readState: noState, timeMs: 1 });
    assert.equal(r.passed, false);
    assert.match(r.message, /no data/);
  });

  it('reductions: any / all / max / sum over several series', async () => {
    const q = series(() => [1, 5, 2]);
    const run = (reduce: string, op: string, value: number) =>
      evaluateCheck(check({ id: 'r', promql: 'q', op, value, reduce }), {
        query: q,
        readState: noState,
        timeMs: 0,
      });
    assert.equal((await run('any', '>', 4)).passed, true);
    assert.equal((await run('all', '>', 4)).passed, false);
    assert.equal((await run('max', '>=', 5)).passed, true);
    assert.equal((await run('sum', '==', 8)).passed, true);
  });

  it('state checks read the present; the tracker applies `for` across polls', async () => {
    const c = check({ id: 'consumers', state: 'queue-consumers', op: '==', value: 0, for: '10s' });
    const tracker = new CheckTracker(c);
    const values = [0, 0, 1, 0, 0, 0];
    const results: boolean[] = [];
    for (let i = 0; i < values.length; i++) {
      const r = await evaluateCheck(c, {
        query: series(() => 0),
        readState: async () => values[i],
        timeMs: i * 5000,
      });
      results.push(tracker.observe(r));
    }
    assert.deepEqual(results, [false, false, false, false, false, true]);
  });

  it('refuses a baseline on == and a check without any threshold', () => {
    assert.throws(() => check({ id: 'e', promql: 'x', op: '==', baseline: { factor: 1 } }));
    assert.throws(() => check({ id: 'e', promql: 'x', op: '>' }));
  });
});

describe('readBaselineCheck', () => {
  const probe = check({ id: 'lost', state: 'profile-lost-updates', op: '>', baseline: { offset: 1 } });
  const query = series(() => []);
  const fast = { attempts: 3, pauseMs: 1 };

  it('tries a failing state probe again (a pod restarting at the baseline moment)', async () => {
    let calls = 0;
    const readState = async () => {
      if (++calls < 3) throw new Error('connect ECONNREFUSED');
      return 0;
    };
    assert.equal(await readBaselineCheck(probe, 0, { query, readState }, fast), 0);
    assert.equal(calls, 3);
  });

  it('gives up after the last attempt with the probe’s error', async () => {
    let calls = 0;
    const readState = async () => {
      calls++;
      throw new Error('user is down');
    };
    await assert.rejects(readBaselineCheck(probe, 0, { query, readState }, fast), /user is down/);
    assert.equal(calls, 3);
  });
});
