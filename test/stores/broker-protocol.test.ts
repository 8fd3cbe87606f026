/** AMQP 0-9-1 protocol behaviour of the embedded broker, with the real amqplib client over TCP. */
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { Writer } from '../../src/stores/broker/codec.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/stores/broker/embedded.js';
import { FRAME_END, methodFrame, PROTOCOL_HEADER } from '../../src/stores/broker/frames.js';
import { decodeMethod } from '../../src/stores/broker/methods.js';

let eb: EmbeddedBroker;
before(async () => {
  eb = await startEmbeddedBroker({ users: { guest: 'guest', shop: 's3cret' } });
});
after(() => eb.close());

async function withChannel<T>(fn: (ch: amqp.Channel, conn: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const conn = await amqp.connect(eb.amqpUrl);
  try {
    return await fn(await conn.createChannel(), conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

void test('handshake: server properties, PLAIN auth with configured users, bad password refused', async () => {
  const conn = await amqp.connect(`amqp://shop:s3cret@127.0.0.1:${eb.amqpPort}`);
  const props = conn.connection.serverProperties as unknown as Record<string, unknown>;
  assert.equal(props.product, 'sockshop-lab broker');
  await conn.close();
  await assert.rejects(amqp.connect(`amqp://shop:wrong@127.0.0.1:${eb.amqpPort}`), /ACCESS_REFUSED/);
  await assert.rejects(amqp.connect(`${eb.amqpUrl}/no-such-vhost`), /ConnectionClose|NOT_ALLOWED/);
});

void test('declare, publish, consume and ack; properties and headers survive', async () => {
  await withChannel(async (ch) => {
    await ch.assertExchange('orders-x', 'topic', { durable: false });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'orders-x', 'order.*.created');
    ch.publish('orders-x', 'order.eu.created', Buffer.from('{"id":1}'), {
      contentType: 'application/json',
      headers: { __TypeId__: 'works.weave.socks.shipping.entities.Shipment', n: 7 },
      deliveryMode: 2,
    });
    ch.publish('orders-x', 'order.eu.cancelled', Buffer.from('no'));
    const got: amqp.ConsumeMessage[] = [];
    await ch.consume(queue, (m) => m && got.push(m));
    await until('delivery', () => got.length === 1);
    const m = got[0];
    assert.equal(m.content.toString(), '{"id":1}');
    assert.equal(m.properties.contentType, 'application/json');
    assert.equal(m.properties.headers?.__TypeId__, 'works.weave.socks.shipping.entities.Shipment');
    assert.equal(m.properties.headers?.n, 7);
    assert.equal(m.fields.routingKey, 'order.eu.created');
    assert.equal(m.fields.redelivered, false);
    ch.ack(m);
    await sleep(50);
    assert.equal(got.length, 1);
    assert.equal(eb.broker.vhost('/')!.queue(queue).messageCount, 0);
  });
});

void test('prefetch bounds unacked deliveries; acking releases the next ones (multiple ack)', async () => {
  await withChannel(async (ch) => {
    await ch.assertQueue('prefetch-q', { durable: false });
    for (let i = 0; i < 10; i++) ch.sendToQueue('prefetch-q', Buffer.from(String(i)));
    await ch.prefetch(3);
    const got: amqp.ConsumeMessage[] = [];
    await ch.consume('prefetch-q', (m) => m && got.push(m));
    await until('3 deliveries', () => got.length === 3);
    await sleep(50);
    assert.equal(got.length, 3);
    ch.ack(got[2], true);
    await until('6 deliveries', () => got.length === 6);
    await sleep(50);
    assert.equal(got.length, 6);
    assert.deepEqual(
      got.map((m) => m.content.toString()),
      ['0', '1', '2', '3', '4', '5'],
    );
  });
});

void test('round-robin between consumers', async () => {
  await withChannel(async (ch) => {
    await ch.assertQueue('rr-q', { durable: false });
    const a: string[] = [];
    const b: string[] = [];
    await ch.consume('rr-q', (m) => m && a.push(m.content.toString()), { noAck: true });
    await ch.consume('rr-q', (m) => m && b.push(m.content.toString()), { noAck: true });
    for (let i = 0; i < 6; i++) ch.sendToQueue('rr-q', Buffer.from(String(i)));
    await until('all', () => a.length + b.length === 6);
    assert.deepEqual(a, ['0', '2', '4']);
    assert.deepEqual(b, ['1', '3', '5']);
  });
});

void test('nack with requeue redelivers in original position with redelivered=true; reject without requeue drops', async () => {
  await withChannel(async (ch) => {
    await ch.assertQueue('nack-q', { durable: false });
    for (const s of ['a', 'b', 'c']) ch.sendToQueue('nack-q', Buffer.from(s));
    await sleep(20);
    const first = (await ch.get('nack-q')) as amqp.GetMessage;
    const second = (await ch.get('nack-q')) as amqp.GetMessage;
    ch.nack(second, false, true);
    ch.nack(first, false, true);
    await sleep(20);
    const again = (await ch.get('nack-q')) as amqp.GetMessage;
    assert.equal(again.content.toString(), 'a');
    assert.equal(again.fields.redelivered, true);
    assert.equal(again.fields.messageCount, 2);
    ch.reject(again, false);
    const b = (await ch.get('nack-q')) as amqp.GetMessage;
    assert.equal(b.content.toString(), 'b');
    ch.nackAll(true);
    await sleep(20);
    assert.equal((await ch.checkQueue('nack-q')).messageCount, 2);
  });
});

void test('unacked messages return to the queue when the channel closes', async () => {
  const conn = await amqp.connect(eb.amqpUrl);
  const ch = await conn.createChannel();
  await ch.assertQueue('close-q', { durable: false });
  ch.sendToQueue('close-q', Buffer.from('x'));
  const got: amqp.ConsumeMessage[] = [];
  await ch.consume('close-q', (m) => m && got.push(m));
  await until('delivery', () => got.length === 1);
  const q = eb.broker.vhost('/')!.queue('close-q');
  assert.equal(q.unacked, 1);
  await ch.close();
  assert.equal(q.readyCount, 1);
  assert.equal(q.consumers.length, 0);
  await conn.close();
});

void test('publisher confirms ack every publish; mandatory unroutable messages come back via basic.return', async () => {
  const conn = await amqp.connect(eb.amqpUrl);
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('confirm-q', { durable: false });
    for (let i = 0; i < 50; i++) ch.sendToQueue('confirm-q', Buffer.from(String(i)));
    await ch.waitForConfirms();
    assert.equal((await ch.checkQueue('confirm-q')).messageCount, 50);
    const returned: amqp.Message[] = [];
    ch.on('return', (m: amqp.Message) => returned.push(m));
    await new Promise<void>((resolve, reject) =>
      ch.publish('amq.direct', 'nowhere', Buffer.from('lost'), { mandatory: true }, (err: unknown) =>
        err ? reject(new Error('publish not confirmed')) : resolve(),
      ),
    );
    await until('return', () => returned.length === 1);
    assert.equal((returned[0].fields as unknown as { replyCode: number }).replyCode, 312);
    assert.equal(returned[0].content.toString(), 'lost');
  } finally {
    await conn.close();
  }
});

void test('re-declaring a queue with different arguments closes the channel with 406 PRECONDITION_FAILED', async () => {
  await withChannel(async (ch, conn) => {
    ch.on('error', () => undefined); // amqplib also emits channel errors as events
    await ch.assertQueue('args-q', { durable: false, arguments: { 'x-max-length': 5 } });
    await assert.rejects(
      ch.assertQueue('args-q', { durable: false, arguments: { 'x-max-length': 3 } }),
      (err: Error) => {
        assert.match(err.message, /406 \(PRECONDITION-FAILED\).*inequivalent arg 'x-max-length'/);
        return true;
      },
    );
    const ch2 = await conn.createChannel();
    ch2.on('error', () => undefined);
    await assert.rejects(ch2.checkQueue('does-not-exist'), /404 \(NOT-FOUND\)/);
  });
});

// ---- raw-socket tests: what amqplib would never send --------------------------------------------

function rawClient(): Promise<{ sock: Socket; frames: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(eb.amqpPort, '127.0.0.1');
    let data = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => (data = Buffer.concat([data, c])));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, frames: () => data, closed }));
    sock.once('error', reject);
  });
}

/** Handshake by hand up to connection.open-ok. */
async function openRaw(): Promise<{ sock: Socket; frames: () => Buffer; closed: Promise<void> }> {
  const c = await rawClient();
  c.sock.write(PROTOCOL_HEADER);
  const response = Buffer.from('\0guest\0guest');
  c.sock.write(
    methodFrame(0, 'connection.start-ok', {
      clientProperties: {},
      mechanism: 'PLAIN',
      response,
      locale: 'en_US',
    }),
  );
  c.sock.write(methodFrame(0, 'connection.tune-ok', { channelMax: 0, frameMax: 131072, heartbeat: 0 }));
  c.sock.write(methodFrame(0, 'connection.open', { virtualHost: '/' }));
  await until('open-ok', () => methodsIn(c.frames()).includes('connection.open-ok'));
  return c;
}

function methodsIn(buf: Buffer): string[] {
  const names: string[] = [];
  for (let pos = 0; pos + 7 <= buf.length;) {
    const size = buf.readUInt32BE(pos + 3);
    if (buf[pos] === 1) names.push(decodeMethod(buf.subarray(pos + 7, pos + 7 + size)).def.name);
    pos += size + 8;
  }
  return names;
}

function lastClose(buf: Buffer): { replyCode: number; replyText: string } {
  let found: { replyCode: number; replyText: string } | undefined;
  for (let pos = 0; pos + 7 <= buf.length;) {
    const size = buf.readUInt32BE(pos + 3);
    if (buf[pos] === 1) {
      const m = decodeMethod(buf.subarray(pos + 7, pos + 7 + size));
      if (m.def.name === 'connection.close') found = m.args as { replyCode: number; replyText: string };
    }
    pos += size + 8;
  }
  assert.ok(found, 'expected connection.close');
  return found;
}

void test('an unknown method gets connection.close 540 NOT_IMPLEMENTED', async () => {
  const c = await openRaw();
  const w = new Writer();
  w.octet(1).short(0).long(4).short(60).short(999).octet(FRAME_END);
  c.sock.write(w.result());
  await until('close', () => methodsIn(c.frames()).includes('connection.close'));
  const close = lastClose(c.frames());
  assert.equal(close.replyCode, 540);
  assert.match(close.replyText, /NOT_IMPLEMENTED - unknown method class 60 method 999/);
  c.sock.write(methodFrame(0, 'connection.close-ok'));
  await c.closed;
});

void test('malformed frames get 501 FRAME_ERROR; a wrong protocol header gets ours back; the broker keeps serving', async () => {
  const c = await openRaw();
  c.sock.write(Buffer.from([1, 0, 0, 0, 0, 0, 4, 0, 10, 0, 10, 0x00])); // bad frame-end
  await until('close', () => methodsIn(c.frames()).includes('connection.close'));
  assert.equal(lastClose(c.frames()).replyCode, 501);
  await c.closed;

  const big = await openRaw();
  big.sock.write(Buffer.from([1, 0, 1, 0x7f, 0xff, 0xff, 0xff])); // 2 GB frame announced
  await until('close', () => methodsIn(big.frames()).includes('connection.close'));
  assert.equal(lastClose(big.frames()).replyCode, 501);
  big.sock.destroy();

  const truncated = await openRaw();
  truncated.sock.write(methodFrame(1, 'channel.open').subarray(0, 9)); // then garbage
  truncated.sock.write(Buffer.alloc(64, 0xff));
  await until('close', () => methodsIn(truncated.frames()).includes('connection.close'));
  truncated.sock.destroy();

  const http = await rawClient();
  http.sock.write('GET / HTTP/1.1\r\n\r\n');
  await http.closed;
  assert.deepEqual(http.frames(), PROTOCOL_HEADER);

  await withChannel(async (ch) => {
    await ch.assertQueue('still-alive', { durable: false });
  });
});
