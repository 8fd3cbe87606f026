/**
 * The reference agent against a scripted ToolClient: quiet on a healthy shop, and for each failure
 * class the detection, the diagnosis (components, fault type) and the fix it chooses; the fake shop
 * heals when the right action arrives, so verification is exercised too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReferenceAgent } from '../../src/agent/index.js';
import { QUERIES, SIGNAL_BUNDLES } from '../../src/agent/signals.js';
import { WORLD_QUERIES } from '../../src/agent/world.js';
import { fakeShop, healthyState, setNow, type FakeState } from './fake-shop.js';

/** A mesh rule as list_mesh_rules reports it, on the edge `source->destination`. */
function ruleOn(id: string, edge: string, fault: Record<string, unknown>, direction: 'to' | 'from' = 'to') {
  const [source, destination] = edge.split('->');
  return { id, source, destination, direction, fault };
}

const FAST = { pollMs: 5, budgetMs: 4000 };
const lastDiagnosis = (shop: ReturnType<typeof fakeShop>) =>
  shop.diagnoses().at(-1) as Record<string, unknown>;

test('quiet on a healthy shop with ordinary noise: detected=false, no actions', async () => {
  const state = healthyState();
  // Noise well inside the thresholds: one route a little slower, a few 5xx, some throttling.
  setNow(state, QUERIES.routeP95, { route: '/catalogue' }, 0.12);
  setNow(state, QUERIES.routeErrors, { route: '/orders' }, 0.01);
  setNow(state, QUERIES.throttle, { container: 'front-end' }, 0.2);
  setNow(state, QUERIES.paid, {}, 2);
  setNow(state, QUERIES.shipped, {}, 0);
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 300 });
  assert.equal(report.detected, false);
  assert.deepEqual(shop.actions(), []);
  assert.equal(lastDiagnosis(shop).detected, false);
  assert.ok(report.timeline.length > 0);
});

test('a single slow poll is not an incident (needs two in a row)', async () => {
  const state = healthyState();
  let polls = 0;
  const shop = fakeShop(state);
  const client = {
    async call(name: string, args: object) {
      if (name === 'query' && (args as { promql: string }).promql === SIGNAL_BUNDLES.routes.promql)
        setNow(state, QUERIES.routeP95, { route: '/login' }, polls++ === 1 ? 5 : 0.05);
      return shop.client.call(name, args);
    },
  };
  const report = await runReferenceAgent(client, { ...FAST, budgetMs: 1500 });
  assert.ok(polls > 2, 'the blip was seen and then gone');
  assert.equal(report.detected, false);
});

function queueBlocked(state: FakeState, withPolicy: boolean) {
  state.queues = [
    {
      name: 'shipping-task',
      messages: 3,
      consumers: 0,
      policy: withPolicy ? 'shipping-task-limits' : undefined,
    },
  ];
  if (withPolicy)
    state.policies = [
      {
        name: 'shipping-task-limits',
        pattern: '^shipping-task$',
        definition: { 'max-length': 3, overflow: 'reject-publish' },
      },
    ];
  state.deployments.find((d) => d.name === 'queue-master')!.replicas = 0;
  setNow(state, WORLD_QUERIES.maxReplicas, { deployment: 'queue-master' }, 1);
  setNow(state, QUERIES.paid, {}, 10);
  setNow(state, QUERIES.shipped, {}, 0);
}

test('queue blockage: clears the policy, restores the consumer, verifies the drain', async () => {
  const state = healthyState();
  queueBlocked(state, true);
  const shop = fakeShop(state, (name, args, s) => {
    if (name === 'clear_queue_policy') s.policies = [];
    if (name === 'scale' && args.deployment === 'queue-master') {
      s.deployments.find((d) => d.name === 'queue-master')!.replicas = Number(args.replicas);
      if (s.policies.length === 0) {
        s.queues = [{ name: 'shipping-task', messages: 0, consumers: 1 }];
        setNow(s, QUERIES.shipped, {}, 12);
      }
    }
  });
  const report = await runReferenceAgent(shop.client, FAST);
  assert.equal(report.detected, true);
  assert.deepEqual(
    shop.actions().map((a) => [a.name, a.args]),
    [
      ['clear_queue_policy', { name: 'shipping-task-limits' }],
      ['scale', { deployment: 'queue-master', replicas: 1 }],
    ],
  );
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'queue-blockage');
  assert.deepEqual((d.components as string[]).slice(0, 2), ['queue-master', 'shipping-task']);
  assert.equal(report.recoveryVerified, true);
  assert.equal(shop.diagnoses()[0].detected, true, 'detection is reported before acting');
});

test('consumer down without a policy: scales the consumer back, never purges', async () => {
  const state = healthyState();
  queueBlocked(state, false);
  state.queues[0].messages = 40;
  const shop = fakeShop(state, (name, _args, s) => {
    if (name === 'scale') {
      s.queues = [{ name: 'shipping-task', messages: 0, consumers: 1 }];
      setNow(s, QUERIES.shipped, {}, 50);
    }
  });
  const report = await runReferenceAgent(shop.client, FAST);
  assert.equal(lastDiagnosis(shop).faultType, 'consumer-down');
  assert.deepEqual(
    shop.actions().map((a) => a.name),
    ['scale'],
  );
  assert.ok(!shop.calls.some((c) => c.name === 'purge_queue'));
  assert.equal(report.recoveryVerified, true);
});

test('catalogue-db starved of CPU: gives the limit back (never below the old one)', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/catalogue' }, 2.5);
  setNow(state, QUERIES.routeP95, { route: '/catalogue/*' }, 2.1);
  setNow(state, QUERIES.throttle, { container: 'catalogue-db' }, 0.95);
  state.deployments.find((d) => d.name === 'catalogue-db')!.resources = {
    requests: { cpu: '100m' },
    limits: { cpu: '50m' },
  };
  setNow(state, WORLD_QUERIES.cpuLimitMax, { container: 'catalogue-db' }, 1);
  setNow(state, WORLD_QUERIES.rollouts, { deployment: 'catalogue-db' }, 1);
  const shop = fakeShop(state, (name, _args, s) => {
    if (name === 'set_resources') {
      setNow(s, QUERIES.routeP95, { route: '/catalogue' }, 0.05);
      setNow(s, QUERIES.routeP95, { route: '/catalogue/*' }, 0.05);
      setNow(s, QUERIES.throttle, { container: 'catalogue-db' }, 0.01);
    }
  });
  const report = await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'resource-starvation');
  assert.equal((d.components as string[])[0], 'catalogue-db');
  assert.deepEqual(shop.actions(), [
    { name: 'set_resources', args: { deployment: 'catalogue-db', limits: { cpu: '1000m' } } },
  ]);
  assert.equal(report.recoveryVerified, true);
});

test('delay on the front-end → user edge: deletes that mesh rule', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/login' }, 2.2);
  state.meshRules = [ruleOn('mr-abc', 'front-end->user', { kind: 'delay', latencyMs: 2000 })];
  const shop = fakeShop(state, (name, args, s) => {
    if (name === 'delete_mesh_rule' && args.id === 'mr-abc') {
      s.meshRules = [];
      setNow(s, QUERIES.routeP95, { route: '/login' }, 0.05);
    }
  });
  const report = await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'network-delay');
  assert.equal((d.components as string[])[0], 'front-end->user');
  assert.deepEqual(shop.actions(), [{ name: 'delete_mesh_rule', args: { id: 'mr-abc' } }]);
  assert.equal(report.recoveryVerified, true);
});

test('slow external payment gateway: makes payment fail fast instead of touching the provider', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/orders' }, 5.5);
  state.meshRules = [ruleOn('mr-gw', 'payment->payment-gateway', { kind: 'delay', latencyMs: 5000 })];
  const shop = fakeShop(state, (name, _args, s) => {
    if (name === 'set_env') setNow(s, QUERIES.routeP95, { route: '/orders' }, 0.3);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'dependency-latency');
  assert.equal((d.components as string[])[0], 'payment-gateway');
  assert.deepEqual(shop.actions(), [
    { name: 'set_env', args: { deployment: 'payment', env: { PAYMENT_GATEWAY_TIMEOUT_MS: '1000' } } },
  ]);
});

function memoryHpaState(): FakeState {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/' }, 3);
  setNow(state, QUERIES.routeP95, { route: '/catalogue' }, 3);
  // The quota binds only part of the time on a busy machine: a third of the periods throttled.
  setNow(state, QUERIES.throttle, { container: 'front-end' }, 0.35);
  state.hpas = [
    {
      name: 'front-end',
      target: 'Deployment/front-end',
      minReplicas: 1,
      maxReplicas: 8,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
      currentReplicas: 1,
    },
  ];
  return state;
}

test('HPA on memory while CPU throttles: patches the HPA to CPU', async () => {
  const state = memoryHpaState();
  const shop = fakeShop(state, (name, _args, s) => {
    if (name === 'patch_hpa') {
      setNow(s, QUERIES.routeP95, { route: '/' }, 0.05);
      setNow(s, QUERIES.routeP95, { route: '/catalogue' }, 0.05);
      setNow(s, QUERIES.throttle, { container: 'front-end' }, 0.1);
    }
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'autoscaling-misconfiguration');
  assert.equal((d.components as string[])[0], 'front-end');
  const patch = shop.actions()[0];
  assert.equal(patch.name, 'patch_hpa');
  assert.match(JSON.stringify(patch.args), /"name":"cpu"/);
  assert.equal(shop.actions().length, 1, 'the limit was never lowered: nothing else changes');
});

/** The front-end's CPU limit at 100m now, 300m (3× more) within the last 15 min. */
function cutFrontEndLimit(state: FakeState) {
  state.deployments.find((d) => d.name === 'front-end')!.resources = {
    requests: { cpu: '100m' },
    limits: { cpu: '100m' },
  };
  setNow(state, WORLD_QUERIES.cpuLimitMax, { container: 'front-end' }, 0.3);
}

test('HPA on memory and a CPU limit lowered minutes ago: patches the HPA and restores the limit', async () => {
  const state = memoryHpaState();
  cutFrontEndLimit(state);
  const shop = fakeShop(state, (name, _args, s) => {
    if (name !== 'set_resources') return;
    setNow(s, QUERIES.routeP95, { route: '/' }, 0.05);
    setNow(s, QUERIES.routeP95, { route: '/catalogue' }, 0.05);
    setNow(s, QUERIES.throttle, { container: 'front-end' }, 0.1);
  });
  await runReferenceAgent(shop.client, FAST);
  assert.equal(lastDiagnosis(shop).faultType, 'autoscaling-misconfiguration');
  assert.deepEqual(
    shop.actions().map((a) => a.name),
    ['patch_hpa', 'set_resources'],
  );
  assert.deepEqual(shop.actions()[1].args, { deployment: 'front-end', limits: { cpu: '500m' } });
});

test('search index missing: recreates it', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/catalogue' }, 6);
  state.stores = [{ store: 'catalogue-db', searchIndexPresent: false }];
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'create_index') setNow(s, QUERIES.routeP95, { route: '/catalogue' }, 0.05);
  });
  await runReferenceAgent(shop.client, FAST);
  assert.equal(lastDiagnosis(shop).faultType, 'missing-index');
  assert.deepEqual(shop.actions(), [{ name: 'create_index', args: { store: 'catalogue-db' } }]);
});

test('sessions evicted after a front-end settings rollout: rolls the front-end back', async () => {
  const state = healthyState();
  setNow(state, QUERIES.sessionLoss, {}, 0.8);
  state.deployments.find((d) => d.name === 'front-end')!.env = { SESSION_TTL_SECONDS: '20' };
  setNow(state, WORLD_QUERIES.rollouts, { deployment: 'front-end' }, 1);
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'rollout_undo') setNow(s, QUERIES.sessionLoss, {}, 0);
  });
  const report = await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'session-eviction');
  assert.equal((d.components as string[])[0], 'session-db');
  assert.deepEqual(shop.actions(), [{ name: 'rollout_undo', args: { deployment: 'front-end' } }]);
  assert.equal(report.recoveryVerified, true);
});

test('status reports to orders aborted: removes the rule and re-drives the lost updates', async () => {
  const state = healthyState();
  setNow(state, QUERIES.paid, {}, 10);
  setNow(state, QUERIES.shipped, {}, 0);
  state.meshRules = [ruleOn('mr-qm', 'queue-master->orders', { kind: 'abort', httpStatus: 503 })];
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'redrive_shipments') setNow(s, QUERIES.shipped, {}, 12);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'status-pipeline');
  assert.equal((d.components as string[])[0], 'queue-master->orders');
  assert.deepEqual(
    shop.actions().map((a) => a.name),
    ['delete_mesh_rule', 'redrive_shipments'],
  );
});

test('status reports aborted, found from slow order pages before any order visibly stalls: still the status pipeline', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/orders' }, 2);
  state.meshRules = [ruleOn('mr-qm', 'queue-master->orders', { kind: 'abort', httpStatus: 503 })];
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'delete_mesh_rule') setNow(s, QUERIES.routeP95, { route: '/orders' }, 0.05);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'status-pipeline');
  assert.deepEqual((d.components as string[]).slice(0, 3), [
    'queue-master->orders',
    'orders',
    'queue-master',
  ]);
  assert.equal(shop.actions()[0]?.name, 'delete_mesh_rule');
});

test('payments authorised without orders behind a lost-response partition: heal the edge, then reconcile', async () => {
  const state = healthyState();
  setNow(state, QUERIES.authorised, {}, 10);
  setNow(state, QUERIES.paid, {}, 2);
  setNow(state, QUERIES.failedOrders, {}, 8);
  setNow(state, QUERIES.routeErrors, { route: '/orders' }, 0.6);
  state.meshRules = [ruleOn('mr-p', 'orders->payment', { kind: 'partition' }, 'from')];
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'reconcile_payments') {
      setNow(s, QUERIES.authorised, {}, 10);
      setNow(s, QUERIES.paid, {}, 10);
      setNow(s, QUERIES.failedOrders, {}, 0);
      setNow(s, QUERIES.routeErrors, { route: '/orders' }, 0);
    }
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'network-partition');
  assert.equal((d.components as string[])[0], 'orders->payment');
  assert.deepEqual(
    shop.actions().map((a) => a.name),
    ['delete_mesh_rule', 'reconcile_payments'],
  );
});

test('a price update seen by one catalogue replica of two with a long cache TTL: flushes the caches', async () => {
  const state = healthyState();
  // both replicas started 100 s ago; the update, 20 s ago, reached catalogue-a only (never: decades ago)
  const never = Date.now() / 1000;
  for (const pod of ['catalogue-a', 'catalogue-b']) setNow(state, QUERIES.catalogueStarted, { pod }, 100);
  setNow(state, QUERIES.catalogueLastUpdate, { pod: 'catalogue-a' }, 20);
  setNow(state, QUERIES.catalogueLastUpdate, { pod: 'catalogue-b' }, never);
  setNow(state, QUERIES.catalogueLastInvalidation, { pod: 'catalogue-a' }, 20);
  setNow(state, QUERIES.catalogueLastInvalidation, { pod: 'catalogue-b' }, never);
  state.deployments.find((d) => d.name === 'catalogue')!.env = { CATALOGUE_CACHE_TTL_MS: '600000' };
  const shop = fakeShop(state, (name, _a, s) => {
    if (name !== 'flush_cache') return;
    for (const pod of ['catalogue-a', 'catalogue-b'])
      setNow(s, QUERIES.catalogueLastInvalidation, { pod }, 0);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'stale-cache');
  assert.deepEqual(d.components, ['catalogue']);
  assert.deepEqual(shop.actions(), [{ name: 'flush_cache', args: { service: 'catalogue' } }]);
});

test('a config push that multiplies a rate: rolls its consumer back', async () => {
  const state = healthyState();
  state.configMaps = [
    {
      name: 'shipping-rates',
      version: 2,
      createdAt: new Date().toISOString(),
      mountedBy: ['shipping'],
      history: [
        {
          version: 1,
          data: { 'shipping-rates.yaml': 'version: 1\nrates:\n  Germany: 4.99\n  France: 4.99\n' },
        },
        {
          version: 2,
          data: { 'shipping-rates.yaml': 'version: 2\nrates:\n  Germany: 49.90\n  France: 4.99\n' },
        },
      ],
    },
  ];
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'rollout_undo') s.configMaps = [];
  });
  const report = await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'bad-config');
  assert.deepEqual((d.components as string[]).slice(0, 2), ['shipping-rates', 'shipping']);
  assert.deepEqual(shop.actions(), [{ name: 'rollout_undo', args: { deployment: 'shipping' } }]);
  assert.equal(report.recoveryVerified, true);
});

test('checkout pool saturated: enlarges the pool named in the env', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/orders' }, 12);
  state.now[QUERIES.poolQueued] = [{ labels: { job: 'orders', pool: 'orders' }, value: 40 }];
  state.deployments.find((d) => d.name === 'orders')!.env = { ORDERS_POOL_SIZE: '4' };
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'set_env') {
      s.now[QUERIES.poolQueued] = [];
      setNow(s, QUERIES.routeP95, { route: '/orders' }, 0.2);
    }
  });
  await runReferenceAgent(shop.client, FAST);
  assert.equal(lastDiagnosis(shop).faultType, 'pool-exhaustion');
  assert.deepEqual(shop.actions(), [
    { name: 'set_env', args: { deployment: 'orders', env: { ORDERS_POOL_SIZE: '64' } } },
  ]);
});

test('a saturated pool short of a severe slowdown: the watch reads the pool size from the env and acts', async () => {
  const state = healthyState();
  // no route latency symptom: the early look of the watch alone must see the pool and its setting
  state.now[QUERIES.poolQueued] = [{ labels: { job: 'orders', pool: 'orders' }, value: 37 }];
  state.deployments.find((d) => d.name === 'orders')!.env = { ORDERS_POOL_SIZE: '1' };
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'set_env') s.now[QUERIES.poolQueued] = [];
  });
  await runReferenceAgent(shop.client, FAST);
  assert.equal(lastDiagnosis(shop).faultType, 'pool-exhaustion');
  assert.deepEqual(shop.actions(), [
    { name: 'set_env', args: { deployment: 'orders', env: { ORDERS_POOL_SIZE: '64' } } },
  ]);
});

test('login surge on user: scales the user service out', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/login' }, 4);
  setNow(state, QUERIES.throttle, { container: 'user' }, 0.9);
  setNow(state, QUERIES.serviceRate, { job: 'user' }, 40);
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'scale') setNow(s, QUERIES.routeP95, { route: '/login' }, 0.1);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'traffic-surge');
  assert.equal((d.components as string[])[0], 'user');
  assert.deepEqual(shop.actions(), [{ name: 'scale', args: { deployment: 'user', replicas: 2 } }]);
});

test('login surge at the front-end: scales out, then restarts it when the new replica gets no connections', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/login' }, 2.5);
  setNow(state, QUERIES.serviceRate, { job: 'front-end' }, 214);
  const throttled = (s: FakeState, all: number, hot: number, cold: number) => {
    setNow(s, QUERIES.throttle, { container: 'front-end' }, all);
    setNow(s, QUERIES.throttleHot, { container: 'front-end' }, hot);
    setNow(s, QUERIES.throttleCold, { container: 'front-end' }, cold);
  };
  throttled(state, 0.88, 0.88, 0.88);
  const shop = fakeShop(state, (name, _a, s) => {
    // the clients keep their connections: the old pod stays saturated, the new one gets few
    if (name === 'scale') {
      s.deployments.find((d) => d.name === 'front-end')!.replicas = 2;
      throttled(s, 0.56, 0.88, 0.25);
    }
    if (name === 'rollout_restart') {
      throttled(s, 0.2, 0.22, 0.18);
      setNow(s, QUERIES.routeP95, { route: '/login' }, 0.1);
    }
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'traffic-surge');
  assert.equal((d.components as string[])[0], 'front-end');
  assert.deepEqual(shop.actions(), [
    { name: 'scale', args: { deployment: 'front-end', replicas: 2 } },
    { name: 'rollout_restart', args: { deployment: 'front-end' } },
  ]);
});

test('a surge far larger than a recent cut of the CPU limit: a traffic surge, met by giving the limit back', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/login' }, 2.5);
  setNow(state, QUERIES.serviceRate, { job: 'front-end' }, 40); // 20× its baseline of 2
  setNow(state, QUERIES.throttle, { container: 'front-end' }, 0.9);
  cutFrontEndLimit(state);
  const shop = fakeShop(state, (name, _a, s) => {
    if (name === 'set_resources') setNow(s, QUERIES.routeP95, { route: '/login' }, 0.1);
  });
  await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'traffic-surge');
  assert.equal((d.components as string[])[0], 'front-end');
  assert.deepEqual(shop.actions(), [
    { name: 'set_resources', args: { deployment: 'front-end', limits: { cpu: '500m' } } },
  ]);
});

test('a latency swing nothing in the platform explains stays a note, not an incident', async () => {
  const state = healthyState();
  state.past[QUERIES.routeP95] = [{ labels: { route: '/login' }, values: Array(30).fill(0.43) }];
  setNow(state, QUERIES.routeP95, { route: '/login' }, 2.1);
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 400 });
  assert.equal(report.detected, false);
  assert.deepEqual(shop.actions(), []);
  assert.ok(report.timeline.some((s) => s.concluded === 'not an incident (yet)'));
});

/** Every route and service `factor` times slower than its baseline, as when a neighbour hogs the node's CPU. */
function slowEverything(state: FakeState, factor: number) {
  for (const key of ['routeP95', 'serviceP95'] as const)
    for (const s of state.now[QUERIES[key]]) s.value *= factor;
  for (const s of state.now[QUERIES.throttle]) s.value = 0.6;
}

test('everything slow together (node contention): no incident, no action', async () => {
  const state = healthyState();
  slowEverything(state, 40);
  setNow(state, QUERIES.routeP95, { route: '/login' }, 4.5);
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 600 });
  assert.equal(report.detected, false);
  assert.deepEqual(shop.actions(), []);
  assert.ok(report.timeline.some((s) => s.concluded === 'node-wide slowdown, not an incident'));
});

test('one route far slower than its peers for long: an incident even with no known cause', async () => {
  const state = healthyState();
  slowEverything(state, 1.2);
  setNow(state, QUERIES.routeP95, { route: '/login' }, 4.5);
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 600 });
  assert.equal(report.detected, true);
  assert.deepEqual(shop.actions(), []);
  assert.equal((shop.diagnoses()[0] as { components: string[] }).components[0], 'user');
});

test('pods failing readiness with no kill or crash to show for it (a busy node): no incident', async () => {
  const state = healthyState();
  for (const name of ['front-end', 'user']) state.deployments.find((d) => d.name === name)!.readyReplicas = 0;
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 600 });
  assert.equal(report.detected, false);
  assert.deepEqual(shop.actions(), []);
});

test('a deployment OOM-killed with no ready pod: doubles its memory limit', async () => {
  const state = healthyState();
  const carts = state.deployments.find((d) => d.name === 'carts')!;
  carts.readyReplicas = 0;
  carts.resources = { limits: { cpu: '300m', memory: '64Mi' } };
  state.events = [
    { reason: 'OOMKilling', object: 'pod/carts-7d9f-abcde', message: 'Memory cgroup out of memory' },
  ];
  const shop = fakeShop(state, (name, _args, s) => {
    if (name === 'set_resources') s.deployments.find((d) => d.name === 'carts')!.readyReplicas = 1;
  });
  const report = await runReferenceAgent(shop.client, FAST);
  assert.equal(report.detected, true);
  assert.deepEqual(shop.actions(), [
    { name: 'set_resources', args: { deployment: 'carts', limits: { memory: String(128 * 1024 * 1024) } } },
  ]);
  assert.equal(lastDiagnosis(shop).faultType, 'oom-kill');
  assert.equal(report.recoveryVerified, true);
});

test('writes delayed to the store of a service doing unversioned profile updates: lost updates, heal the edge', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeP95, { route: '/customers/*' }, 1.6);
  setNow(state, QUERIES.routeRate, { route: '/customers/*' }, 1);
  setNow(state, WORLD_QUERIES.writers, { job: 'user' }, 0.5);
  state.meshRules = [ruleOn('mr-w', 'user->user-db', { kind: 'delay', latencyMs: 400 })];
  const shop = fakeShop(state, (name, args, s) => {
    if (name === 'delete_mesh_rule' && args.id === 'mr-w') {
      s.meshRules = [];
      setNow(s, QUERIES.routeP95, { route: '/customers/*' }, 0.05);
    }
  });
  const report = await runReferenceAgent(shop.client, FAST);
  const d = lastDiagnosis(shop);
  assert.equal(d.faultType, 'lost-update');
  assert.deepEqual((d.components as string[]).slice(0, 2), ['user->user-db', 'user']);
  assert.deepEqual(shop.actions(), [{ name: 'delete_mesh_rule', args: { id: 'mr-w' } }]);
  assert.equal(report.recoveryVerified, true);
});

test('5xx on the routes of two services at once, with nothing changed: no incident', async () => {
  const state = healthyState();
  setNow(state, QUERIES.routeErrors, { route: '/login' }, 0.33);
  setNow(state, QUERIES.routeErrors, { route: '/catalogue' }, 0.25);
  const shop = fakeShop(state);
  const report = await runReferenceAgent(shop.client, { ...FAST, budgetMs: 600 });
  assert.equal(report.detected, false);
  assert.ok(report.timeline.some((s) => s.concluded === 'node-wide slowdown, not an incident'));
});

test('an aborted investigation stops polling and submits what it has', async () => {
  const shop = fakeShop(healthyState());
  const abort = new AbortController();
  let callsAtAbort = 0;
  const client = {
    async call(name: string, args: object) {
      if (shop.calls.length === 40) {
        callsAtAbort = shop.calls.length;
        abort.abort();
      }
      return shop.client.call(name, args);
    },
  };
  const report = await runReferenceAgent(client, { ...FAST, budgetMs: 3000, signal: abort.signal });
  assert.ok(callsAtAbort > 0);
  assert.equal(report.detected, false);
  // At most the poll under way when it aborted, and the diagnosis.
  assert.ok(
    shop.calls.length - callsAtAbort <= 8,
    `${shop.calls.length - callsAtAbort} calls after the abort`,
  );
  assert.equal(shop.calls.at(-1)?.name, 'submit_diagnosis');
});
