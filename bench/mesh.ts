/**
 * Mesh overhead on loopback: latency (one request at a time) and throughput (32 in flight) of a direct
 * call versus the same call through an HTTP mesh edge with no fault, and with a fault rule on another
 * edge (the policy check on the hot path). Backend and proxy run in their own processes.
 *
 *   node --import tsx bench/mesh.ts [seconds-per-throughput-run]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, Pool } from 'undici';
import { MeshProxy } from '../src/platform/mesh/index.js';

const role = process.argv[2];

if (role === 'backend') {
  const body = JSON.stringify({ id: '57a98d98e4b00679b4a830af', name: 'Wat?', price: 17.32 });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else if (role === 'bare-proxy') {
  // The floor: a proxy hop with the same server and client libraries and no mesh logic.
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const origin = `http://127.0.0.1:${process.argv[3]}`;
  const server = http.createServer((req, res) => {
    agent
      .request({ origin, path: req.url ?? '/', method: 'GET' })
      .then((up) => {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type']) });
        up.body.pipe(res);
      })
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else if (role === 'proxy') {
  const mesh = new MeshProxy();
  const upstream = { host: '127.0.0.1', port: Number(process.argv[3]) };
  const edge = await mesh.openEdge({
    source: 'front-end',
    destination: 'catalogue',
    protocol: 'http',
    upstream,
  });
  if (process.argv[4] === 'with-rule') {
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'delay', latencyMs: 2000 },
    });
  }
  console.log(edge.port);
} else {
  await main(Number(process.argv[2] ?? 4));
}

function child(...args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    createInterface({ input: proc.stdout }).once('line', (line) => resolve({ proc, port: Number(line) }));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function call(pool: Pool): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await pool.request({ path: '/catalogue/1', method: 'GET' });
  await res.body.dump();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function latency(port: number, n: number) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  for (let i = 0; i < 200; i++) await call(pool);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await call(pool));
  await pool.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(port: number, seconds: number, inFlight = 32) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: inFlight });
  const samples: number[] = [];
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) samples.push(await call(pool));
    }),
  );
  await pool.close();
  samples.sort((a, b) => a - b);
  return { rps: samples.length / seconds, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function main(seconds: number) {
  const backend = await child('backend');
  const bare = await child('bare-proxy', String(backend.port));
  const proxy = await child('proxy', String(backend.port));
  const proxyWithRule = await child('proxy', String(backend.port), 'with-rule');
  const targets = [
    ['direct', backend.port],
    ['bare node:http+undici proxy', bare.port],
    ['via mesh edge', proxy.port],
    ['via mesh edge, rule elsewhere', proxyWithRule.port],
  ] as const;
  const rows: string[][] = [];
  for (const [name, port] of targets) {
    const lat = await latency(port, 3000);
    const tput = await throughput(port, seconds);
    rows.push([
      name,
      lat.p50.toFixed(3),
      lat.p99.toFixed(3),
      tput.rps.toFixed(0),
      tput.p50.toFixed(2),
      tput.p99.toFixed(2),
    ]);
  }
  const header = ['path', 'seq p50 ms', 'seq p99 ms', 'req/s @32', 'p50 ms @32', 'p99 ms @32'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(`(2 cores: client, proxy and backend share them; ${seconds} s per throughput run)`);
  for (const c of [backend, bare, proxy, proxyWithRule]) c.proc.kill();
}
