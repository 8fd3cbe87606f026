/**
 * Publish-confirm throughput and latency on the embedded broker and on the real RabbitMQ
 * (127.0.0.1:5672, when reachable). Each run: one connection, a confirm channel, N publishes of a
 * shipping-sized JSON body with at most WINDOW unconfirmed at a time; latency = publish → confirm.
 * Env: BENCH_MESSAGES (20000), BENCH_WINDOW (100), REAL_RABBITMQ_URL (amqp://guest:guest@127.0.0.1:5672).
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import hdr from 'hdr-histogram-js';
import { startEmbeddedBroker } from '../src/stores/broker/embedded.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 100);
const REAL = process.env.REAL_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const body = Buffer.from(JSON.stringify({ id: randomUUID(), name: '57a98d98e4b00679b4a830af' }));

interface Result {
  target: string;
  msgsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  nacks: number;
}

async function run(target: string, url: string): Promise<Result> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  const queue = `bench-${randomUUID()}`;
  await ch.assertQueue(queue, { durable: false, autoDelete: false });
  const hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let inFlight = 0;
  let nacks = 0;
  let wake: (() => void) | undefined;
  const started = process.hrtime.bigint();
  for (let i = 0; i < MESSAGES; i++) {
    while (inFlight >= WINDOW) await new Promise<void>((r) => (wake = r));
    inFlight++;
    const t0 = process.hrtime.bigint();
    ch.sendToQueue(queue, body, { contentType: 'application/json' }, (err) => {
      hist.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
      if (err) nacks++;
      inFlight--;
      wake?.();
      wake = undefined;
    });
  }
  await ch.waitForConfirms();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await ch.deleteQueue(queue);
  await conn.close();
  return {
    target,
    msgsPerSec: Math.round(MESSAGES / seconds),
    p50: hist.getValueAtPercentile(50) / 1000,
    p99: hist.getValueAtPercentile(99) / 1000,
    max: hist.maxValue / 1000,
    nacks,
  };
}

const results: Result[] = [];
const embedded = await startEmbeddedBroker();
try {
  await run('embedded (warm-up)', embedded.amqpUrl);
  results.push(await run('embedded broker', embedded.amqpUrl));
} finally {
  await embedded.close();
}
try {
  await run('rabbitmq (warm-up)', REAL);
  results.push(await run('RabbitMQ 127.0.0.1:5672', REAL));
} catch (err) {
  process.stderr.write(`real RabbitMQ skipped: ${(err as Error).message}\n`);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`publish-confirm, ${MESSAGES} msgs, window ${WINDOW}, body ${body.length} B, latency in ms`);
console.log(
  `${'target'.padEnd(26)}${pad('msg/s', 10)}${pad('p50', 9)}${pad('p99', 9)}${pad('max', 9)}${pad('nacks', 7)}`,
);
for (const r of results) {
  console.log(
    `${r.target.padEnd(26)}${pad(r.msgsPerSec, 10)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.max.toFixed(2), 9)}${pad(r.nacks, 7)}`,
  );
}
