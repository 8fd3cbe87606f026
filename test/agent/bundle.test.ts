/**
 * The agent's bundled queries against the lab's own PromQL engine: every bundle parses, and its
 * answer splits back into the parts, each with the series it would have had alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { askBundle, bundle, type Bundle } from '../../src/agent/bundle.js';
import { SIGNAL_BUNDLES } from '../../src/agent/signals.js';
import { AgentTools } from '../../src/agent/tools.js';
import { WORLD_BUNDLES } from '../../src/agent/world.js';
import { PromqlEngine } from '../../src/telemetry/promql/engine.js';
import { Tsdb } from '../../src/telemetry/tsdb/tsdb.js';

const NOW = 600_000;

function engineTools(db: Tsdb): AgentTools {
  const engine = new PromqlEngine(db);
  return new AgentTools({
    async call(_name, args) {
      const value = engine.instantQuery((args as { promql: string }).promql, NOW);
      assert.equal(value.type, 'vector');
      return {
        series: value.type === 'vector' ? value.samples.map((s) => ({ labels: s.labels, value: s.v })) : [],
      };
    },
  });
}

test('every bundle the agent asks parses and evaluates', async () => {
  const tools = engineTools(new Tsdb());
  const bundles: Bundle<string>[] = [...Object.values(SIGNAL_BUNDLES), ...Object.values(WORLD_BUNDLES)];
  for (const b of bundles) await askBundle(tools, b);
});

test('a bundle answer splits back into its parts', async () => {
  const db = new Tsdb();
  for (let t = 0; t <= NOW; t += 10_000) {
    db.append({ __name__: 'orders_created_total', status: 'paid' }, t, t / 10_000);
    db.append({ __name__: 'worker_pool_queued', job: 'orders', pool: 'checkout' }, t, 7);
    db.append({ __name__: 'worker_pool_queued', job: 'user', pool: 'login' }, t, 2);
  }
  const b = bundle({
    paid: 'sum(increase(orders_created_total{status="paid"}[2m]))',
    queued: 'max by (job, pool) (worker_pool_queued)',
    none: 'sum(nothing_total)',
  });
  const answer = await askBundle(engineTools(db), b);
  assert.equal(Math.round(answer.paid[0].value), 12);
  assert.deepEqual(answer.paid[0].labels, {});
  assert.deepEqual(
    answer.queued.map((s) => [s.labels, s.value]).sort((x, y) => (x[1] as number) - (y[1] as number)),
    [
      [{ job: 'user', pool: 'login' }, 2],
      [{ job: 'orders', pool: 'checkout' }, 7],
    ],
  );
  assert.deepEqual(answer.none, []);
  assert.equal((await askBundle(engineTools(db), SIGNAL_BUNDLES.business)).paid.length, 1);
});
