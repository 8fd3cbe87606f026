/** Pure parts of the local platform: quantities, QoS, event deduplication, topology. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRecorder } from '../../src/platform/local/events.js';
import { cpuToMillis, memoryToBytes, mergeResources, qosClass } from '../../src/platform/local/quantity.js';
import { shopTopology } from '../../src/platform/topology.js';

void test('quantities parse as Kubernetes does', () => {
  assert.equal(cpuToMillis('100m'), 100);
  assert.equal(cpuToMillis('0.5'), 500);
  assert.equal(cpuToMillis('2'), 2000);
  assert.equal(cpuToMillis('99m'), 99);
  assert.equal(memoryToBytes('300Mi'), 300 * 1024 * 1024);
  assert.equal(memoryToBytes('1Gi'), 1024 ** 3);
  assert.equal(memoryToBytes('500M'), 500e6);
  assert.equal(memoryToBytes('128974848'), 128974848);
  assert.throws(() => cpuToMillis('lots'), /invalid cpu "lots"/);
  assert.throws(() => memoryToBytes('12XB'), /invalid memory "12XB"/);
});

void test('QoS class and merged resources', () => {
  assert.equal(qosClass(undefined), 'BestEffort');
  assert.equal(qosClass({ limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed');
  assert.equal(
    qosClass({ requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '200m', memory: '200Mi' } }),
    'Burstable',
  );
  assert.deepEqual(
    mergeResources(
      { requests: { cpu: '99m' }, limits: { cpu: '200m', memory: '200Mi' } },
      { limits: { cpu: '50m' } },
    ),
    {
      requests: { cpu: '99m' },
      limits: { cpu: '50m', memory: '200Mi' },
    },
  );
});

void test('events are deduplicated with a count and first/last timestamps', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const recorder = new EventRecorder('sock-shop', () => now);
  const input = {
    type: 'Warning' as const,
    reason: 'BackOff',
    message: 'Back-off restarting failed container carts in pod carts-x',
    involvedObject: { kind: 'Pod' as const, name: 'carts-x' },
    source: { component: 'kubelet' },
  };
  recorder.record(input);
  now += 26_000;
  recorder.record(input);
  recorder.record({ ...input, reason: 'Unhealthy', message: 'Readiness probe failed: x' });
  const [backOff, unhealthy] = recorder.list();
  assert.equal(backOff.count, 2);
  assert.equal(backOff.firstTimestamp, '2026-01-01T00:00:00.000Z');
  assert.equal(backOff.lastTimestamp, '2026-01-01T00:00:26.000Z');
  assert.equal(backOff.involvedObject.namespace, 'sock-shop');
  assert.equal(unhealthy.count, 1);
  assert.equal(recorder.list({ type: 'Warning', name: 'carts-x' }).length, 2);
  now += 3_600_001;
  assert.equal(recorder.list().length, 0, 'events expire after the TTL');
});

void test('the shop topology carries the manifests sizes and the call graph', () => {
  const { deployments } = shopTopology({ root: '/srv/lab' });
  const byName = new Map(deployments.map((d) => [d.name, d]));
  assert.deepEqual([...byName.keys()].sort(), [
    'carts',
    'catalogue',
    'catalogue-db',
    'front-end',
    'orders',
    'payment',
    'payment-gateway',
    'queue-master',
    'rabbitmq',
    'session-db',
    'shipping',
    'user',
  ]);
  // Default stores: catalogue-db on the PGlite pod, session-db on the session server; the rest in-service.
  assert.deepEqual(byName.get('catalogue-db')!.template.container.readinessProbe?.tcpSocket, {
    port: 'postgres',
  });
  assert.equal(byName.get('catalogue-db')!.template.container.resources?.limits?.memory, '1Gi');
  assert.deepEqual(byName.get('catalogue')!.calls, ['catalogue-db']);
  assert.equal(byName.get('catalogue')!.template.container.env?.CATALOGUE_DB_MODE, 'embedded');
  assert.equal(byName.get('front-end')!.template.container.env?.SESSION_DB_MODE, 'embedded');
  assert.equal(byName.get('user')!.template.container.env?.USER_DB_MODE, 'memory');
  assert.deepEqual(byName.get('payment')!.template.container.resources, {
    requests: { cpu: '99m', memory: '100Mi' },
    limits: { cpu: '200m', memory: '200Mi' },
  });
  assert.deepEqual(byName.get('orders')!.calls, ['carts', 'user', 'payment', 'shipping']);
  assert.deepEqual(byName.get('front-end')!.template.container.command.slice(1), [
    '/srv/lab/dist/shop/front-end/main.js',
  ]);
  assert.equal(byName.get('rabbitmq')!.service!.ports[0].appProtocol, 'amqp');
  assert.equal(
    shopTopology({ mode: 'tsx', root: '/srv/lab' }).deployments[0].template.container.command.at(-1),
    '/srv/lab/src/shop/front-end/main.ts',
  );
});
