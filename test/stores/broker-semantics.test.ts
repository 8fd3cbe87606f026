/** Queue semantics of the embedded broker: overflow modes, dead-lettering, TTL, byte limits, policies. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/stores/broker/embedded.js';

let eb: EmbeddedBroker;
let conn: amqp.ChannelModel;
let ch: amqp.ConfirmChannel;
before(async () => {
  eb = await startEmbeddedBroker();
  conn = await amqp.connect(eb.amqpUrl);
  ch = await conn.createConfirmChannel();
});
after(async () => {
  await conn.close();
  await eb.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const send = (q: string, body: string, opts: amqp.Options.Publish = {}) =>
  new Promise<'ack' | 'nack'>((resolve) =>
    ch.sendToQueue(q, Buffer.from(body), opts, (err) => resolve(err ? 'nack' : 'ack')),
  );
async function drain(q: string): Promise<amqp.GetMessage[]> {
  const out: amqp.GetMessage[] = [];
  for (let m = await ch.get(q, { noAck: true }); m; m = await ch.get(q, { noAck: true })) out.push(m);
  return out;
}
const deaths = (m: amqp.Message | undefined) =>
  m?.properties.headers?.['x-death'] as unknown as Array<Record<string, unknown>>;
const bodies = (ms: amqp.GetMessage[]) => ms.map((m) => m.content.toString());

void test('drop-head (default) keeps the newest max-length messages and dead-letters the dropped heads', async () => {
  await ch.assertExchange('dlx', 'fanout', { durable: false });
  await ch.assertQueue('dead', { durable: false });
  await ch.bindQueue('dead', 'dlx', '');
  await ch.assertQueue('dh', {
    durable: false,
    arguments: { 'x-max-length': 2, 'x-dead-letter-exchange': 'dlx' },
  });
  for (const s of ['1', '2', '3', '4']) assert.equal(await send('dh', s), 'ack');
  assert.deepEqual(bodies(await drain('dh')), ['3', '4']);
  const dead = await drain('dead');
  assert.deepEqual(bodies(dead), ['1', '2']);
  const death = deaths(dead[0])[0];
  assert.equal(death.reason, 'maxlen');
  assert.equal(death.queue, 'dh');
  assert.equal(death.count, 1);
  assert.equal(dead[0].properties.headers!['x-first-death-reason'], 'maxlen');
});

void test('max-length counts ready messages only: unacked deliveries do not use up the limit', async () => {
  await ch.assertQueue('ready-only', {
    durable: false,
    arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
  });
  assert.equal(await send('ready-only', 'a'), 'ack');
  const held = (await ch.get('ready-only')) as amqp.GetMessage; // now unacked
  assert.equal(await send('ready-only', 'b'), 'ack');
  assert.equal(await send('ready-only', 'c'), 'nack');
  ch.ack(held);
  assert.deepEqual(bodies(await drain('ready-only')), ['b']);
});

void test('reject-publish-dlx refuses the publish and dead-letters it', async () => {
  await ch.assertQueue('rpd-dead', { durable: false });
  await ch.assertQueue('rpd', {
    durable: false,
    arguments: {
      'x-max-length': 1,
      'x-overflow': 'reject-publish-dlx',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'rpd-dead',
    },
  });
  assert.equal(await send('rpd', 'kept'), 'ack');
  assert.equal(await send('rpd', 'refused'), 'nack');
  assert.deepEqual(bodies(await drain('rpd')), ['kept']);
  assert.deepEqual(bodies(await drain('rpd-dead')), ['refused']);
});

void test('nack/reject without requeue dead-letters with reason rejected', async () => {
  await ch.assertQueue('rej-dead', { durable: false });
  await ch.assertQueue('rej', {
    durable: false,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'rej-dead' },
  });
  await send('rej', 'bad');
  const m = (await ch.get('rej')) as amqp.GetMessage;
  ch.nack(m, false, false);
  await sleep(20);
  const [dead] = await drain('rej-dead');
  assert.equal(dead.content.toString(), 'bad');
  assert.equal(deaths(dead)[0].reason, 'rejected');
});

void test('message TTL (queue and per-message expiration) expires into the DLX with reason expired', async () => {
  await ch.assertQueue('ttl-dead', { durable: false });
  await ch.assertQueue('ttl', {
    durable: false,
    arguments: { 'x-message-ttl': 80, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'ttl-dead' },
  });
  await send('ttl', 'queue-ttl');
  await ch.assertQueue('ttl-msg', {
    durable: false,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'ttl-dead' },
  });
  await send('ttl-msg', 'msg-ttl', { expiration: '40' });
  await send('ttl-msg', 'no-ttl');
  await sleep(200);
  assert.equal((await ch.checkQueue('ttl')).messageCount, 0);
  assert.deepEqual(bodies(await drain('ttl-msg')), ['no-ttl']);
  const dead = await drain('ttl-dead');
  assert.deepEqual(bodies(dead).sort(), ['msg-ttl', 'queue-ttl']);
  const msgTtl = dead.find((m) => m.content.toString() === 'msg-ttl')!;
  const death = deaths(msgTtl)[0];
  assert.equal(death.reason, 'expired');
  assert.equal(death['original-expiration'], '40');
  assert.equal(msgTtl.properties.expiration, undefined);
});

void test('max-length-bytes counts body bytes of ready messages', async () => {
  await ch.assertQueue('bytes', {
    durable: false,
    arguments: { 'x-max-length-bytes': 10, 'x-overflow': 'reject-publish' },
  });
  assert.equal(await send('bytes', '123456'), 'ack');
  assert.equal(await send('bytes', '1234'), 'ack');
  assert.equal(await send('bytes', '1'), 'nack');
  await ch.assertQueue('bytes-dh', { durable: false, arguments: { 'x-max-length-bytes': 10 } });
  for (const s of ['123456', '1234', '12']) await send('bytes-dh', s);
  assert.deepEqual(bodies(await drain('bytes-dh')), ['1234', '12']);
});

void test('policies: the stricter of policy and argument wins for limits; the queue argument wins for overflow', async () => {
  await ch.assertQueue('pol-a', { durable: false, arguments: { 'x-max-length': 5 } });
  await eb.admin.setPolicy(
    'cap',
    '^pol-',
    { 'max-length': 2, overflow: 'reject-publish' },
    { applyTo: 'queues' },
  );
  await eb.admin.setPolicy('loose', '^pol-a$', { 'max-length': 100 }, { priority: -1 });
  const info = await eb.admin.getQueue('pol-a');
  assert.equal(info?.policy, 'cap');
  assert.deepEqual(
    ['ack', 'ack', 'nack'],
    [await send('pol-a', '1'), await send('pol-a', '2'), await send('pol-a', '3')],
  );
  await ch.assertQueue('pol-b', { durable: false, arguments: { 'x-overflow': 'drop-head' } });
  for (const s of ['1', '2', '3']) assert.equal(await send('pol-b', s), 'ack');
  assert.deepEqual(bodies(await drain('pol-b')), ['2', '3']);
  await eb.admin.setPolicy(
    'cap',
    '^pol-',
    { 'max-length': 10, overflow: 'reject-publish' },
    { applyTo: 'queues' },
  );
  for (const s of ['3', '4', '5']) assert.equal(await send('pol-a', s), 'ack');
  assert.equal(await send('pol-a', '6'), 'nack'); // x-max-length 5 is stricter than the policy's 10
  await eb.admin.clearPolicy('cap');
  await eb.admin.clearPolicy('loose');
  assert.deepEqual(await eb.admin.listPolicies(), []);
});
