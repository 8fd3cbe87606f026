/**
 * The whole shop as real processes on loopback: the embedded broker and the nine services (each
 * `node dist/shop/<svc>/main.js` after `npm run build`, else through tsx), wired by
 * SOCKSHOP_SERVICES. Measures the time from spawn to every service healthy, then front-end
 * `GET /catalogue` and the checkout journey (login → empty cart → add a sock → POST /orders) at a
 * fixed concurrency, and prints throughput and latency percentiles.
 *
 *   npm run build && node --import tsx bench/shop.ts [seconds-per-run] [concurrency]
 */
import hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import {
  freePort,
  killAll,
  startBrokerProcess,
  startService,
  type StartedProcess,
} from '../test/helpers/process.js';
import { registerCustomer, Shopper } from '../test/helpers/shopper.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 10);
const CROSSED = '808a2de1-1aaa-4c25-a9b9-6612e8f29a38'; // 17.32: always authorised
const SERVICES = [
  'catalogue',
  'carts',
  'user',
  'payment-gateway',
  'payment',
  'orders',
  'shipping',
  'queue-master',
  'front-end',
] as const;

type Histogram = ReturnType<typeof hdr.build>;
const histogram = (): Histogram =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });

interface RunResult {
  name: string;
  ops: number;
  errors: number;
  seconds: number;
  latency: Histogram;
}

/** Runs `op` in `concurrency` loops for `seconds`; `op` resolves to whether it succeeded. */
async function closedLoop(
  name: string,
  concurrency: number,
  seconds: number,
  op: (worker: number) => Promise<boolean>,
): Promise<RunResult> {
  const latency = histogram();
  let ops = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const ok = await op(worker).catch(() => false);
        latency.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
        ops++;
        if (!ok) errors++;
      }
    }),
  );
  return { name, ops, errors, seconds: Number(process.hrtime.bigint() - started) / 1e9, latency };
}

/** Starts broker and services; resolves with the processes and the ms from first spawn to all healthy. */
async function startShop(): Promise<{ processes: StartedProcess[]; frontEnd: string; startupMs: number }> {
  const t0 = Date.now();
  const broker = await startBrokerProcess({}, 'auto');
  const ports = Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const)),
  );
  const directory = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`]));
  const env = {
    SOCKSHOP_SERVICES: JSON.stringify(directory),
    AMQP_URL: broker.url,
    PAYMENT_GATEWAY: 'true',
    LOG_LEVEL: 'info',
  };
  const services = await Promise.all(
    SERVICES.map((s) => startService(s, { ...env, PORT: String(ports[s]), POD_NAME: `${s}-bench` }, 'auto')),
  );
  await Promise.all(SERVICES.map((s) => waitHealthy(directory[s])));
  return { processes: [broker, ...services], frontEnd: directory['front-end'], startupMs: Date.now() - t0 };
}

/** Until every check of `/health` says OK (shipping and queue-master reach the broker in the background). */
async function waitHealthy(base: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${base}/health`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { health: Array<{ status: string }> }) : undefined;
    if (body?.health.every((h) => h.status === 'OK')) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function row(result: RunResult): string {
  const ms = (p: number) => (result.latency.getValueAtPercentile(p) / 1000).toFixed(2).padStart(8);
  return [
    result.name.padEnd(28),
    String(result.ops).padStart(7),
    (result.ops / result.seconds).toFixed(0).padStart(8),
    ms(50),
    ms(90),
    ms(99),
    (result.latency.maxValue / 1000).toFixed(1).padStart(8),
    String(result.errors).padStart(6),
  ].join(' ');
}

async function main(): Promise<void> {
  const { processes, frontEnd, startupMs } = await startShop();
  const runtime = processes[0].runtime;
  const pool = new Pool(frontEnd, { connections: CONCURRENCY });
  try {
    // Warm-up: JIT, connection pools, the catalogue cache.
    await closedLoop('warm-up', CONCURRENCY, 2, async () => {
      const res = await pool.request({ method: 'GET', path: '/catalogue' });
      await res.body.dump();
      return res.statusCode === 200;
    });
    const catalogue = await closedLoop('GET /catalogue', CONCURRENCY, SECONDS, async () => {
      const res = await pool.request({ method: 'GET', path: '/catalogue' });
      await res.body.text();
      return res.statusCode === 200;
    });

    // One customer per worker: workers sharing a login would share (and empty) one cart.
    const stamp = Date.now().toString(36);
    const logins = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) => registerCustomer(pool, `bench-${i}-${stamp}`)),
    );
    const shoppers = logins.map(() => new Shopper(pool));
    const orders = histogram();
    const checkout = await closedLoop(
      'checkout journey (4 requests)',
      CONCURRENCY,
      SECONDS,
      async (worker) => {
        const shopper = shoppers[worker];
        const [user, password] = logins[worker];
        const ok = (status: number) => status >= 200 && status < 300;
        if (!ok((await shopper.login(user, password)).status)) return false;
        if (!ok((await shopper.send('DELETE', '/cart')).status)) return false;
        if (!ok((await shopper.send('POST', '/cart', { json: { id: CROSSED, quantity: 1 } })).status))
          return false;
        const t0 = process.hrtime.bigint();
        const order = await shopper.send('POST', '/orders');
        orders.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
        return order.status === 201;
      },
    );
    const ordersOnly: RunResult = { ...checkout, name: '  of which POST /orders', latency: orders };

    console.log(
      `shop as ${processes.length} processes (${runtime}), concurrency ${CONCURRENCY}, ${SECONDS} s per run`,
    );
    console.log(`spawn → all services healthy: ${startupMs} ms\n`);
    console.log('run                             ops    ops/s   p50 ms   p90 ms   p99 ms   max ms errors');
    for (const result of [catalogue, checkout, ordersOnly]) console.log(row(result));
  } finally {
    await pool.close();
    await Promise.all(processes.map((p) => p.stop()));
  }
}

try {
  await main();
} finally {
  killAll();
}
