/**
 * Incident 5A mechanics (policy max-length 3 + overflow reject-publish on shipping-task, no
 * consumer), run with the same body against the embedded broker and against the real RabbitMQ on
 * 127.0.0.1:5672 in a throwaway vhost administered through rabbitmqctl.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import amqp from 'amqplib';
import { rabbitmqctl, RabbitmqctlAdmin, type BrokerAdmin } from '../../src/stores/broker/admin.js';
import { startEmbeddedBroker } from '../../src/stores/broker/embedded.js';

const QUEUE = 'shipping-task';

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function publishConfirmed(ch: amqp.ConfirmChannel, body: string): Promise<'ack' | 'nack'> {
  return new Promise((resolve) => {
    ch.sendToQueue(QUEUE, Buffer.from(body), { contentType: 'application/json' }, (err) =>
      resolve(err ? 'nack' : 'ack'),
    );
  });
}

async function incident5a(amqpUrl: string, admin: BrokerAdmin): Promise<void> {
  const conn = await amqp.connect(amqpUrl);
  try {
    const confirm = await conn.createConfirmChannel();
    const plain = await conn.createChannel();
    await confirm.assertQueue(QUEUE, { durable: false, exclusive: false, autoDelete: false });
    await admin.setPolicy(
      'block-shipping',
      `^${QUEUE}$`,
      { 'max-length': 3, overflow: 'reject-publish' },
      { applyTo: 'queues' },
    );
    await until('policy applied', async () => (await admin.getQueue(QUEUE))?.policy === 'block-shipping');

    const outcomes: string[] = [];
    for (let i = 1; i <= 6; i++)
      outcomes.push(await publishConfirmed(confirm, JSON.stringify({ id: `order-${i}`, name: 'c1' })));
    assert.deepEqual(outcomes, ['ack', 'ack', 'ack', 'nack', 'nack', 'nack']);

    // without confirms the publisher sees nothing, and the message is simply dropped
    plain.sendToQueue(QUEUE, Buffer.from('{"id":"order-7"}'));
    assert.equal((await plain.checkQueue(QUEUE)).messageCount, 3);
    const blocked = await admin.getQueue(QUEUE);
    assert.equal(blocked?.messages, 3);
    assert.equal(blocked?.messagesReady, 3);
    assert.equal(blocked?.consumers, 0);

    await admin.clearPolicy('block-shipping');
    await until('policy cleared', async () => (await admin.getQueue(QUEUE))?.policy === null);
    const received: string[] = [];
    await plain.consume(QUEUE, (msg) => {
      if (!msg) return;
      received.push(JSON.parse(msg.content.toString()).id as string);
      plain.ack(msg);
    });
    await until('drained', async () => {
      const q = await admin.getQueue(QUEUE);
      return received.length === 3 && q?.messages === 0 && q.consumers === 1;
    });
    assert.deepEqual(received, ['order-1', 'order-2', 'order-3']);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

void test('Incident 5A on the embedded broker', async (t) => {
  const embedded = await startEmbeddedBroker();
  t.after(() => embedded.close());
  await incident5a(embedded.amqpUrl, embedded.admin);
  const metrics = await (await fetch(`${embedded.mgmtUrl}/metrics`)).text();
  assert.match(metrics, /rabbitmq_queue_messages_rejected_total\{vhost="\/",queue="shipping-task"\} 4/);
});

void test('Incident 5A on the real RabbitMQ (127.0.0.1:5672, rabbitmqctl admin)', async (t) => {
  try {
    await rabbitmqctl(['status']);
  } catch {
    t.skip('no RabbitMQ / rabbitmqctl on this machine');
    return;
  }
  const vhost = `sockshop-5a-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rabbitmqctl(['add_vhost', vhost]);
  t.after(() => rabbitmqctl(['delete_vhost', vhost]));
  await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  await incident5a(
    `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`,
    new RabbitmqctlAdmin({ vhost }),
  );
});
