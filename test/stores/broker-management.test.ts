/** Management HTTP API shapes, Prometheus text, and the broker as its own process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/stores/broker/embedded.js';

let eb: EmbeddedBroker;
before(async () => {
  eb = await startEmbeddedBroker({ rateSampleMs: 100, rateWindowMs: 1000 });
});
after(() => eb.close());

const auth = { authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') };
async function api(
  path: string,
  init: RequestInit = {},
): Promise<{
  status: number;
  body: any; /* eslint-disable-line @typescript-eslint/no-explicit-any -- JSON shapes under test */
}> {
  const res = await fetch(`${eb.mgmtUrl}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void test('queues, overview, policies, purge, exchanges, bindings and consumers in RabbitMQ shapes', async () => {
  const conn = await amqp.connect(eb.amqpUrl);
  const ch = await conn.createChannel();
  await ch.assertQueue('shipping-task', { durable: false });
  await ch.assertExchange('shipping-task-exchange', 'topic');
  await ch.bindQueue('shipping-task', 'shipping-task-exchange', 'shipping-task');
  for (let i = 0; i < 20; i++) ch.sendToQueue('shipping-task', Buffer.from('{}'));
  await sleep(300);

  assert.equal((await fetch(`${eb.mgmtUrl}/api/overview`)).status, 401);
  const put = await api('/api/policies/%2F/cap', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      pattern: '^shipping-task$',
      definition: { 'max-length': 50, overflow: 'reject-publish' },
      priority: 1,
      'apply-to': 'queues',
    }),
  });
  assert.equal(put.status, 201);
  const bad = await api('/api/policies/%2F/bad', {
    method: 'PUT',
    body: JSON.stringify({ pattern: '.*', definition: { 'max-lenght': 1 } }),
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.reason, /not recognised policy settings/);

  const q = (await api('/api/queues/%2F/shipping-task')).body;
  assert.equal(q.name, 'shipping-task');
  assert.equal(q.vhost, '/');
  assert.equal(q.messages, 20);
  assert.equal(q.messages_ready, 20);
  assert.equal(q.messages_unacknowledged, 0);
  assert.equal(q.consumers, 0);
  assert.equal(q.policy, 'cap');
  assert.deepEqual(q.effective_policy_definition, { 'max-length': 50, overflow: 'reject-publish' });
  assert.deepEqual(q.arguments, {});
  assert.equal(q.message_stats.publish, 20);
  assert.ok(q.message_stats.publish_details.rate > 0, 'publish rate over the sliding window');
  assert.equal((await api('/api/queues/%2F/nope')).status, 404);

  const ov = (await api('/api/overview')).body;
  assert.equal(ov.queue_totals.messages, 20);
  assert.equal(ov.object_totals.queues, 1);
  assert.equal(ov.object_totals.connections, 1);
  assert.equal(ov.message_stats.publish, 20);
  assert.equal(typeof ov.message_stats.deliver_get_details.rate, 'number');

  const policies = (await api('/api/policies')).body;
  assert.deepEqual(policies, [
    {
      vhost: '/',
      name: 'cap',
      pattern: '^shipping-task$',
      'apply-to': 'queues',
      definition: { 'max-length': 50, overflow: 'reject-publish' },
      priority: 1,
    },
  ]);

  const consumed: amqp.ConsumeMessage[] = [];
  await ch.prefetch(5);
  await ch.consume('shipping-task', (m) => m && consumed.push(m), { consumerTag: 'qm-1' });
  await sleep(50);
  const consumers = (await api('/api/consumers')).body;
  assert.equal(consumers[0].consumer_tag, 'qm-1');
  assert.deepEqual(consumers[0].queue, { name: 'shipping-task', vhost: '/' });
  assert.equal(consumers[0].prefetch_count, 5);
  const q2 = (await api('/api/queues')).body[0];
  assert.equal(q2.messages_unacknowledged, 5);
  assert.equal(q2.messages_ready, 15);

  const bindings = (await api('/api/bindings')).body as Array<Record<string, unknown>>;
  assert.ok(
    bindings.some(
      (b) =>
        b.source === 'shipping-task-exchange' &&
        b.destination === 'shipping-task' &&
        b.routing_key === 'shipping-task',
    ),
  );
  const exchanges = (await api('/api/exchanges')).body as Array<Record<string, unknown>>;
  assert.ok(exchanges.some((e) => e.name === 'shipping-task-exchange' && e.type === 'topic'));

  const metrics = await (await fetch(`${eb.mgmtUrl}/metrics`)).text();
  assert.match(metrics, /^rabbitmq_queue_messages\{vhost="\/",queue="shipping-task"\} 20$/m);
  assert.match(metrics, /^rabbitmq_queue_messages_ready\{vhost="\/",queue="shipping-task"\} 15$/m);
  assert.match(metrics, /^rabbitmq_queue_messages_unacked\{vhost="\/",queue="shipping-task"\} 5$/m);
  assert.match(metrics, /^rabbitmq_queue_consumers\{vhost="\/",queue="shipping-task"\} 1$/m);
  assert.match(metrics, /^rabbitmq_queue_messages_published_total\{vhost="\/",queue="shipping-task"\} 20$/m);
  assert.match(metrics, /^rabbitmq_queue_messages_delivered_total\{vhost="\/",queue="shipping-task"\} 5$/m);
  assert.match(metrics, /^rabbitmq_connections 1$/m);
  assert.match(metrics, /^rabbitmq_channels 1$/m);

  await ch.cancel('qm-1');
  await sleep(20);
  assert.equal((await api('/api/queues/%2F/shipping-task/contents', { method: 'DELETE' })).status, 204);
  assert.equal((await api('/api/queues/%2F/shipping-task')).body.messages_ready, 0);
  assert.equal((await api('/api/policies/%2F/cap', { method: 'DELETE' })).status, 204);
  assert.equal((await api('/api/policies/%2F/cap', { method: 'DELETE' })).status, 404);
  await conn.close();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

void test('main.ts runs as its own process: one ready line, serves AMQP, exits 0 on SIGTERM', async (t) => {
  const [amqpPort, mgmtPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/stores/broker/main.ts'], {
    env: { ...process.env, AMQP_PORT: String(amqpPort), MGMT_PORT: String(mgmtPort), POD_NAME: 'rabbitmq-0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 15_000;
  while (!out.includes('broker ready') && Date.now() < deadline) await sleep(50);
  const ready = JSON.parse(out.split('\n').find((l) => l.includes('broker ready'))!);
  assert.equal(ready.pod, 'rabbitmq-0');
  assert.equal(ready.amqp, `amqp://127.0.0.1:${amqpPort}`);

  const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${amqpPort}`);
  const closed = new Promise<Error | undefined>((r) => conn.on('close', (err?: Error) => r(err)));
  conn.on('error', () => undefined);
  const ch = await conn.createChannel();
  await ch.assertQueue('q', { durable: false });
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(String(await closed), /CONNECTION_FORCED|320/);
});
