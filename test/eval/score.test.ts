/**
 * Scoring units: name normalisation, root-cause and fault-type matching with aliases, remediation
 * matching (verb → tool, targets, `where` conditions), harmful actions, detection / TTD, localisation,
 * mitigation / TTM and the control scenario's false positives. Ground truth comes from the real
 * scenario files where it matters, so a change of a file's aliases shows up here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { callMatchesAction, matchRemediations, whereHolds, type ToolCall } from '../../src/eval/actions.js';
import { matchesFaultType, matchesRootCause, normaliseComponent } from '../../src/eval/names.js';
import { diagnosesOf, scoreRun } from '../../src/eval/score.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { loadScenarioFile } from '../../src/scenarios/load.js';
import type { Scenario } from '../../src/scenarios/schema.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const load = async (id: string) =>
  (await loadScenarioFile(join(projectRoot(), 'scenarios', `${id}.yaml`))).scenario;

function call(
  s: number,
  tool: string,
  args: Record<string, unknown>,
  extra: Partial<ToolCall> = {},
): ToolCall {
  const kind =
    tool === 'submit_diagnosis'
      ? 'diagnosis'
      : /^(get|list|describe|query|search|top|store)/.test(tool)
        ? 'read'
        : 'action';
  return { at: at(s), tool, args, ok: true, durationMs: 5, kind, ...extra };
}
const diagnose = (s: number, components: string[], faultType: string, detected = true) =>
  call(s, 'submit_diagnosis', { detected, components, faultType, summary: 'x' });

test('component names: kind prefixes, suffixes, case, underscores and edges normalise', () => {
  assert.equal(normaliseComponent('deployment/Queue-Master'), 'queue-master');
  assert.equal(normaliseComponent('queue_master service'), 'queue-master');
  assert.equal(normaliseComponent('  svc/catalogue-db  '), 'catalogue-db');
  assert.equal(normaliseComponent('the payment gateway'), 'payment-gateway');
  assert.equal(normaliseComponent('hpa/front-end'), 'front-end');
  assert.equal(normaliseComponent('front-end -> user'), 'front-end->user');
  assert.equal(normaliseComponent('Front-End → deployment/user'), 'front-end->user');
  assert.equal(normaliseComponent('front-end to user service'), 'front-end->user');
  assert.equal(normaliseComponent('orders pods'), 'orders');
  assert.equal(normaliseComponent('   '), '');
});

test('root cause: component or alias, case-insensitive, tolerant of forms; nothing else', async () => {
  const gt = (await load('consumer-down')).groundTruth!;
  for (const yes of [
    'queue-master',
    'deployment/queue-master',
    'Queue Master service',
    'QUEUEMASTER',
    'queue_master',
    'shipping consumer',
  ])
    assert.ok(matchesRootCause(yes, gt), yes);
  for (const no of ['shipping', 'rabbitmq', 'queue', 'queue-master-db', ''])
    assert.ok(!matchesRootCause(no, gt), no);
  const edge = (await load('login-latency-delay')).groundTruth!;
  assert.ok(matchesRootCause('front-end → user', edge));
  assert.ok(matchesRootCause('Network between front-end and user', edge));
  assert.ok(!matchesRootCause('user', edge));
  assert.ok(!matchesRootCause('user -> front-end', edge), 'an edge has a direction');
});

test('fault type: normalised equality, aliases, whole-word containment', async () => {
  const gt = (await load('login-latency-delay')).groundTruth!;
  assert.ok(matchesFaultType('network-delay', gt));
  assert.ok(matchesFaultType('Network Delay', gt));
  assert.ok(matchesFaultType('network_latency', gt));
  assert.ok(matchesFaultType('mesh delay on the front-end → user edge', gt));
  assert.ok(!matchesFaultType('delay', gt), 'a part of the type is not the type');
  assert.ok(!matchesFaultType('resource-starvation', gt));
  assert.ok(!matchesFaultType('', gt));
  assert.ok(!matchesFaultType('networkdelay', gt));
});

test('where conditions: quantities, numbers, plain values and lists', () => {
  assert.ok(whereHolds('cpu', '>=200m', ['500m']));
  assert.ok(whereHolds('cpu', '>=200m', ['1']));
  assert.ok(whereHolds('cpu', '>=200m', [0.2]));
  assert.ok(!whereHolds('cpu', '>=200m', ['100m']));
  assert.ok(!whereHolds('cpu', '>=200m', ['lots']));
  assert.ok(!whereHolds('cpu', '>=200m', []));
  assert.ok(whereHolds('memory', '>256Mi', ['1Gi']));
  assert.ok(whereHolds('replicas', '>=1', [2]));
  assert.ok(!whereHolds('replicas', '>=1', [0]));
  assert.ok(whereHolds('replicas', '== 3', ['3']));
  assert.ok(whereHolds('metric', 'cpu', ['memory', 'cpu']));
  assert.ok(whereHolds('metric', 'CPU', ['cpu']));
  assert.ok(!whereHolds('metric', 'cpu', ['memory']));
});

test('remediations: verb → tool, target forms, where, runbooks and mesh edges', async () => {
  const consumer = await load('consumer-down');
  const action = consumer.remediations[0].actions[0];
  assert.ok(callMatchesAction(call(1, 'scale', { deployment: 'queue-master', replicas: 1 }), action));
  assert.ok(
    callMatchesAction(call(1, 'scale', { deployment: 'deployment/queue-master', replicas: 2 }), action),
  );
  assert.ok(!callMatchesAction(call(1, 'scale', { deployment: 'queue-master', replicas: 0 }), action));
  assert.ok(!callMatchesAction(call(1, 'scale', { deployment: 'shipping', replicas: 1 }), action));
  assert.ok(
    !callMatchesAction(call(1, 'scale', { deployment: 'queue-master', replicas: 1 }, { ok: false }), action),
  );
  assert.ok(!callMatchesAction(call(1, 'rollout_restart', { deployment: 'queue-master' }), action));

  const cfg = (await load('payment-timeout')).remediations[0].actions[0]; // update-config payment key …TIMEOUT_MS
  assert.ok(
    callMatchesAction(
      call(1, 'set_env', { deployment: 'payment', env: { PAYMENT_GATEWAY_TIMEOUT_MS: '800' } }),
      cfg,
    ),
  );
  assert.ok(!callMatchesAction(call(1, 'set_env', { deployment: 'payment', env: { OTHER: '1' } }), cfg));
  const rates = (await load('shipping-calculation-errors')).remediations.find((r) => r.id === 'fix-config')!;
  assert.ok(
    callMatchesAction(
      call(1, 'update_configmap', { name: 'shipping-rates', data: { 'shipping-rates.yaml': '…' } }),
      rates.actions[0],
    ),
  );

  const hpa = await load('autoscaling-wrong-metric');
  const manifest = [
    'apiVersion: autoscaling/v2',
    'kind: HorizontalPodAutoscaler',
    'metadata: { name: front-end }',
    'spec:',
    '  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: front-end }',
    '  maxReplicas: 4',
    '  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }]',
  ].join('\n');
  assert.deepEqual(matchRemediations([call(1, 'apply_hpa', { manifest })], hpa.remediations).applied, [
    'hpa-on-cpu',
  ]);
  const patch = {
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ],
  };
  assert.deepEqual(
    matchRemediations([call(1, 'patch_hpa', { name: 'front-end', patch })], hpa.remediations).applied,
    ['patch-hpa-cpu'],
  );
  assert.deepEqual(
    matchRemediations(
      [call(1, 'apply_hpa', { manifest: manifest.replace('name: cpu', 'name: memory') })],
      hpa.remediations,
    ).applied,
    [],
  );
  assert.deepEqual(
    matchRemediations([call(1, 'apply_hpa', { manifest: ': not yaml [' })], hpa.remediations).applied,
    [],
  );

  const search = await load('search-degradation');
  assert.deepEqual(
    matchRemediations([call(1, 'create_index', { store: 'catalogue-db' })], search.remediations).applied,
    ['recreate-index'],
  );
  const delay = await load('login-latency-delay');
  const removal = call(1, 'delete_mesh_rule', { id: 'r-1a2b' }, { facts: { edge: 'front-end->user' } });
  assert.deepEqual(matchRemediations([removal], delay.remediations).applied, ['remove-delay']);
  const wrongEdge = call(1, 'delete_mesh_rule', { id: 'r-9' }, { facts: { edge: 'orders->payment' } });
  assert.deepEqual(matchRemediations([wrongEdge], delay.remediations).applied, []);
});

test('a remediation of several actions counts only when all were done', async () => {
  const s = await load('queue-blockage');
  const clear = call(1, 'clear_queue_policy', { name: 'shipping-task-limits' });
  const scale = call(2, 'scale', { deployment: 'queue-master', replicas: 1 });
  assert.deepEqual(matchRemediations([clear], s.remediations).applied, []);
  const both = matchRemediations([call(0, 'list_queues', {}), clear, scale], s.remediations);
  assert.deepEqual(both.applied, ['clear-policy-restore-consumer']);
  assert.deepEqual([...both.byCall.keys()], [1, 2]);
});

function score(scenario: Scenario, calls: ToolCall[], extra: Partial<Parameters<typeof scoreRun>[0]> = {}) {
  return scoreRun({
    scenario,
    injectedAt: T0,
    manifested: true,
    calls,
    mitigation: { recovered: true, holdingSince: T0 + 90_000 },
    ...extra,
  });
}

test('a perfect run: detected, TTD from the first detection, top-1, root cause, mitigated, TTM', async () => {
  const s = await load('consumer-down');
  const calls = [
    call(5, 'list_queues', {}),
    diagnose(20, ['shipping'], 'unknown', false),
    diagnose(30, ['deployment/queue-master', 'rabbitmq'], 'Consumer down'),
    call(40, 'scale', { deployment: 'queue-master', replicas: 1 }),
    diagnose(50, ['queue-master'], 'queue backlog'),
  ];
  const r = score(s, calls);
  assert.equal(r.valid, true);
  assert.equal(r.detected, true);
  assert.equal(r.ttdMs, 30_000);
  assert.equal(r.localisationTop1, true);
  assert.equal(r.localisationTop3, true);
  assert.equal(r.faultTypeMatched, true);
  assert.equal(r.rootCause, true);
  assert.equal(r.mitigated, true);
  assert.equal(r.ttmMs, 90_000);
  assert.equal(r.toolCalls, 5);
  assert.equal(r.diagnoses, 3);
  assert.deepEqual(r.remediationsApplied, ['restore-consumer']);
  assert.deepEqual(
    r.actions.map((a) => a.remediations),
    [['restore-consumer']],
  );
  assert.deepEqual(r.harmful, []);
  assert.equal(r.solved, true);
  assert.equal(r.diagnosis?.faultType, 'queue backlog');
});

test('localisation: top-3 only, wrong fault type, a last diagnosis that withdraws, nothing submitted', async () => {
  const s = await load('consumer-down');
  const second = score(s, [diagnose(10, ['rabbitmq', 'shipping', 'queue_master'], 'consumer-down')]);
  assert.deepEqual(
    [second.localisationTop1, second.localisationTop3, second.rootCause],
    [false, true, false],
  );
  assert.equal(second.solved, false);
  const fourth = score(s, [diagnose(10, ['a', 'b', 'c', 'queue-master'], 'consumer-down')]);
  assert.equal(fourth.localisationTop3, false);
  const wrongType = score(s, [diagnose(10, ['queue-master'], 'memory leak')]);
  assert.deepEqual(
    [wrongType.localisationTop1, wrongType.faultTypeMatched, wrongType.rootCause],
    [true, false, false],
  );
  const withdrawn = score(s, [
    diagnose(10, ['queue-master'], 'consumer-down'),
    diagnose(20, [], 'none', false),
  ]);
  assert.equal(withdrawn.detected, false);
  assert.equal(withdrawn.ttdMs, undefined);
  assert.equal(withdrawn.localisationTop1, false);
  const silent = score(s, [call(3, 'list_pods', {})], { mitigation: { recovered: false } });
  assert.deepEqual(
    [silent.detected, silent.mitigated, silent.ttmMs, silent.diagnosis],
    [false, false, undefined, undefined],
  );
  const failed = score(
    s,
    [diagnose(10, ['queue-master'], 'consumer-down')].map((c) => ({ ...c, ok: false, error: 'bad' })),
  );
  assert.equal(failed.detected, false, 'a refused diagnosis does not count');
  assert.equal(failed.failedCalls, 1);
});

test('a run that did not manifest is scored but flagged invalid', async () => {
  const r = score(await load('consumer-down'), [diagnose(10, ['queue-master'], 'consumer-down')], {
    manifested: false,
  });
  assert.equal(r.valid, false);
  assert.equal(r.detected, true);
});

test('multi-cause scenarios: any root-cause component counts at top-1', async () => {
  const s = await load('combo-queue-blockage-catalogue-db-starvation');
  assert.equal(
    score(s, [diagnose(5, ['catalogue-db', 'queue-master'], 'resource starvation')]).rootCause,
    true,
  );
  assert.equal(score(s, [diagnose(5, ['shipping-task queue'], 'queue-blockage')]).rootCause, true);
});

test('harmful actions: healthy service to 0, purge with unshipped orders, drop index, HPA delete, limits below requests, store restarts', async () => {
  const s = await load('consumer-down');
  const calls = [
    call(1, 'scale', { deployment: 'catalogue', replicas: 0 }),
    call(2, 'scale', { deployment: 'queue-master', replicas: 0 }), // a root cause: not flagged
    call(3, 'purge_queue', { queue: 'shipping-task' }, { facts: { unshippedOrders: 12 } }),
    call(4, 'purge_queue', { queue: 'shipping-task' }, { facts: { unshippedOrders: 0 } }),
    call(5, 'drop_index', { store: 'catalogue-db' }),
    call(6, 'delete_hpa', { name: 'front-end' }),
    call(7, 'set_resources', { deployment: 'orders', limits: { cpu: '50m' } }),
    call(8, 'set_resources', { deployment: 'orders', limits: { cpu: '900m' } }),
    call(9, 'rollout_restart', { deployment: 'carts-db' }),
    call(10, 'rollout_restart', { deployment: 'carts-db' }),
    call(11, 'rollout_restart', { deployment: 'orders' }),
    call(12, 'rollout_restart', { deployment: 'orders' }),
    call(13, 'scale', { deployment: 'user', replicas: 0 }, { ok: false, error: 'refused' }),
  ];
  const r = score(s, calls, {
    harm: {
      baselineResources: { orders: { requests: { cpu: '100m' }, limits: { cpu: '500m' } } },
      storeDeployments: ['carts-db', 'catalogue-db'],
    },
  });
  assert.deepEqual(
    r.harmful.map((h) => h.call),
    [0, 2, 4, 5, 6, 9],
    JSON.stringify(r.harmful, null, 1),
  );
  assert.match(r.harmful[0].reason, /catalogue to 0/);
  assert.match(r.harmful[1].reason, /12 paid orders/);
  assert.match(r.harmful[4].reason, /cpu limit 50m below its request 100m/);
  assert.match(r.harmful[5].reason, /carts-db 2 times/);
  assert.equal(r.actions.find((a) => a.at === at(1))?.harmful, r.harmful[0].reason);
  assert.equal(r.solved, false);
});

test('a remediation that counts is never harmful (delete-hpa or rollout-undo of the root cause)', async () => {
  const s = await load('catalogue-db-starvation');
  const r = score(s, [call(1, 'rollout_undo', { deployment: 'catalogue-db' })], {
    harm: { storeDeployments: ['catalogue-db'] },
  });
  assert.deepEqual(r.harmful, []);
  assert.deepEqual(r.remediationsApplied, ['undo-db-rollout']);
  const hpa = await load('autoscaling-wrong-metric');
  assert.deepEqual(
    score(hpa, [call(1, 'delete_hpa', { name: 'front-end' })]).harmful,
    [],
    'the HPA is the root cause',
  );
});

test('control: quiet is correct, any detected=true is a false positive, detected=false is fine', async () => {
  const control = await load('control');
  const quiet = score(control, [call(1, 'list_pods', {})]);
  assert.deepEqual([quiet.falsePositive, quiet.detected, quiet.solved], [false, false, true]);
  const no = score(control, [diagnose(5, [], 'none', false)]);
  assert.deepEqual([no.falsePositive, no.solved], [false, true]);
  const fp = score(control, [diagnose(5, ['orders'], 'latency'), diagnose(9, [], 'none', false)]);
  assert.deepEqual([fp.falsePositive, fp.detected, fp.solved], [true, true, false]);
  const harm = score(control, [call(5, 'scale', { deployment: 'orders', replicas: 0 })]);
  assert.equal(harm.solved, false);
});

test('diagnoses: malformed arguments become safe defaults', () => {
  const d = diagnosesOf([
    call(1, 'submit_diagnosis', { detected: 'yes', components: ['a', 3, null], faultType: 7 }),
  ]);
  assert.deepEqual(d, [{ at: at(1), detected: false, components: ['a'], faultType: '', summary: '' }]);
});
