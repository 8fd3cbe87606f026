import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { MeshProxy, MeshRuleError, type Endpoint } from '../../src/platform/mesh/index.js';

interface Backend {
  endpoint: Endpoint;
  hits: number;
  close(): Promise<void>;
}

/** A callee that counts requests and answers its name; `/big` answers 200 kB. */
async function startBackend(name: string): Promise<Backend> {
  const backend = { hits: 0 } as Backend;
  const server = http.createServer((req, res) => {
    backend.hits++;
    req.resume();
    req.on('end', () => {
      if (req.url === '/big') res.end(Buffer.alloc(200_000, 'x'));
      else res.end(JSON.stringify({ name, url: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  backend.endpoint = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
  backend.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return backend;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

describe('mesh HTTP edges', () => {
  const mesh = new MeshProxy();
  let user: Backend;
  let user2: Backend;
  let catalogue: Backend;
  let toUser: Pool;
  let toCatalogue: Pool;
  let toNowhere: Pool;
  let userEndpoints: Endpoint[];
  let userEdgePort = 0;

  before(async () => {
    user = await startBackend('user');
    user2 = await startBackend('user-2');
    catalogue = await startBackend('catalogue');
    userEndpoints = [user.endpoint];
    const e1 = await mesh.openEdge({
      source: 'front-end',
      destination: 'user',
      protocol: 'http',
      endpoints: () => userEndpoints,
    });
    const e2 = await mesh.openEdge({
      source: 'front-end',
      destination: 'catalogue',
      protocol: 'http',
      upstream: catalogue.endpoint,
    });
    const e3 = await mesh.openEdge({
      source: 'orders',
      destination: 'payment',
      protocol: 'http',
      endpoints: () => [],
    });
    userEdgePort = e1.port;
    toUser = new Pool(`http://127.0.0.1:${e1.port}`, { connections: 4 });
    toCatalogue = new Pool(`http://127.0.0.1:${e2.port}`, { connections: 4 });
    toNowhere = new Pool(`http://127.0.0.1:${e3.port}`);
  });
  afterEach(() => {
    mesh.clearRules();
    userEndpoints = [user.endpoint];
  });
  after(async () => {
    await Promise.all([toUser, toCatalogue, toNowhere].map((p) => p.destroy()));
    await mesh.close();
    await Promise.all([user, user2, catalogue].map((b) => b.close()));
  });

  const get = async (pool: Pool, path = '/customers/1', timeoutMs = 10_000) => {
    const res = await pool.request({
      path,
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it('forwards to the callee', async () => {
    const res = await get(toUser);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { name: 'user', url: '/customers/1' });
  });

  it('adds a 2 s delay on the targeted edge only (±10%)', async () => {
    const base = await timed(() => get(toUser));
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'delay', latencyMs: 2000 },
    });
    const [delayed, other] = await Promise.all([timed(() => get(toUser)), timed(() => get(toCatalogue))]);
    assert.equal(delayed.value.status, 200);
    const added = delayed.ms - base.ms;
    assert.ok(added >= 1800 && added <= 2200, `added ${added} ms`);
    assert.ok(other.ms < 1000, `other edge took ${other.ms} ms`);
    const stats = mesh.stats().find((s) => s.destination === 'user')!;
    assert.ok(stats.faults.delay >= 1);
  });

  it('one-way partition: the callee processes the request, the caller gets no answer before its timeout', async () => {
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'from',
      fault: { kind: 'partition' },
    });
    const before = user.hits;
    await assert.rejects(get(toUser, '/paymentAuth', 500), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.equal(user.hits, before + 1);
  });

  it('partition `to` black-holes the request: the callee never sees it', async () => {
    mesh.addRule({ source: 'front-end', destination: 'user', direction: 'to', fault: { kind: 'partition' } });
    const before = user.hits;
    await assert.rejects(get(toUser, '/x', 300), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.equal(user.hits, before);
  });

  it('aborts with 503 `fault filter abort` at 100%', async () => {
    const rule = mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'abort', httpStatus: 503, percent: 100 },
    });
    assert.deepEqual(await get(toUser), { status: 503, text: 'fault filter abort' });
    assert.deepEqual(
      mesh.listRules().map((r) => r.id),
      [rule.id],
    );
    assert.equal((await get(toCatalogue)).status, 200);
  });

  it('aborts about the given share of requests', async () => {
    mesh.addRule({
      source: '*',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'abort', httpStatus: 500, percent: 50 },
    });
    const statuses = await Promise.all(Array.from({ length: 200 }, () => get(toUser).then((r) => r.status)));
    const aborted = statuses.filter((s) => s === 500).length;
    assert.ok(aborted > 50 && aborted < 150, `aborted ${aborted} of 200`);
  });

  it('a full partition resets connections', async () => {
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'both',
      fault: { kind: 'partition' },
    });
    const before = user.hits;
    await assert.rejects(get(toUser), (err: Error & { code?: string }) => {
      assert.match(String(err.code), /UND_ERR_SOCKET|ECONNRESET/);
      return true;
    });
    assert.equal(user.hits, before);
  });

  it('loss 100% resets every request', async () => {
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'loss', percent: 100 },
    });
    // A fresh pool: a pooled socket cut by an earlier test could fail without reaching the edge.
    const pool = new Pool(`http://127.0.0.1:${userEdgePort}`);
    await assert.rejects(get(pool));
    await pool.destroy();
    assert.ok(mesh.stats().find((s) => s.destination === 'user')!.faults.loss >= 1);
  });

  it('limits bandwidth roughly to the rate', async () => {
    mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'from',
      fault: { kind: 'bandwidth', bytesPerSecond: 200_000 },
    });
    const { ms, value } = await timed(() => get(toUser, '/big'));
    assert.equal(value.text.length, 200_000);
    // 200 kB at 200 kB/s with a 20 kB burst: about 0.9 s.
    assert.ok(ms > 700 && ms < 2000, `took ${ms} ms`);
  });

  it('removing a rule restores the edge', async () => {
    const rule = mesh.addRule({
      source: 'front-end',
      destination: 'user',
      direction: 'to',
      fault: { kind: 'abort', httpStatus: 500 },
    });
    assert.equal((await get(toUser)).status, 500);
    assert.equal(mesh.removeRule(rule.id), true);
    assert.equal(mesh.removeRule(rule.id), false);
    assert.equal((await get(toUser)).status, 200);
  });

  it('answers 503 `no healthy upstream` without endpoints', async () => {
    assert.deepEqual(await get(toNowhere, '/paymentAuth'), { status: 503, text: 'no healthy upstream' });
    assert.equal(mesh.stats().find((s) => s.destination === 'payment')!.noHealthyUpstream, 1);
  });

  it('balances round-robin over the ready endpoints', async () => {
    userEndpoints = [user.endpoint, user2.endpoint];
    const names = new Set<string>();
    for (let i = 0; i < 4; i++) names.add(JSON.parse((await get(toUser)).text).name);
    assert.deepEqual([...names].sort(), ['user', 'user-2']);
  });

  it('counts requests and bytes per edge', () => {
    const stats = mesh.stats().find((s) => s.destination === 'catalogue')!;
    assert.ok(stats.requests >= 2);
    assert.ok(stats.bytesToCallee > 0 && stats.bytesFromCallee > 0);
  });

  it('rejects invalid rules with a clear message', () => {
    assert.throws(
      () =>
        mesh.addRule({
          source: 'a',
          destination: 'b',
          direction: 'to',
          fault: { kind: 'abort', httpStatus: 42 },
        }),
      (err: Error) => err instanceof MeshRuleError && /fault.httpStatus/.test(err.message),
    );
    mesh.addRule({ id: 'x', source: 'a', destination: 'b', direction: 'to', fault: { kind: 'partition' } });
    assert.throws(
      () =>
        mesh.addRule({
          id: 'x',
          source: 'a',
          destination: 'b',
          direction: 'to',
          fault: { kind: 'partition' },
        }),
      /already exists/,
    );
  });
});

describe('mesh TCP edges', () => {
  const mesh = new MeshProxy();
  let echo: net.Server;
  let echoPort = 0;
  let received = 0;
  let edgePort = 0;

  before(async () => {
    echo = net.createServer((s) => {
      s.on('data', (d) => {
        received += d.length;
        s.write(d);
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    const edge = await mesh.openEdge({
      source: 'orders',
      destination: 'rabbitmq',
      protocol: 'tcp',
      upstream: { host: '127.0.0.1', port: echoPort },
    });
    edgePort = edge.port;
  });
  afterEach(() => mesh.clearRules());
  after(async () => {
    await mesh.close();
    await new Promise((r) => echo.close(r));
  });

  /** Sends `payload`, waits for `expect` bytes back or `timeoutMs`; answers bytes received and time taken. */
  function exchange(payload: Buffer, expect: number, timeoutMs = 3000) {
    return new Promise<{ bytes: number; ms: number; error?: string }>((resolve) => {
      const start = performance.now();
      let bytes = 0;
      const socket = net.connect(edgePort, '127.0.0.1', () => socket.write(payload));
      const done = (error?: string) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ bytes, ms: performance.now() - start, error });
      };
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      socket.on('data', (d) => {
        bytes += d.length;
        if (bytes >= expect) done();
      });
      socket.on('error', (e: NodeJS.ErrnoException) => done(e.code));
      socket.on('close', () => done('closed'));
    });
  }

  it('relays bytes', async () => {
    const res = await exchange(Buffer.from('hello'), 5);
    assert.deepEqual([res.bytes, res.error], [5, undefined]);
  });

  it('delays each direction', async () => {
    mesh.addRule({
      source: 'orders',
      destination: 'rabbitmq',
      direction: 'both',
      fault: { kind: 'delay', latencyMs: 300 },
    });
    const res = await exchange(Buffer.from('ping'), 4);
    assert.equal(res.error, undefined);
    assert.ok(res.ms >= 550, `round trip ${res.ms} ms`);
  });

  it('one-way partition delivers the bytes but drops the replies', async () => {
    mesh.addRule({
      source: 'orders',
      destination: 'rabbitmq',
      direction: 'from',
      fault: { kind: 'partition' },
    });
    const before = received;
    const res = await exchange(Buffer.from('publish'), 7, 500);
    assert.equal(res.error, 'timeout');
    assert.equal(res.bytes, 0);
    assert.equal(received, before + 7);
  });

  it('a full partition refuses connections, and removal restores them', async () => {
    const rule = mesh.addRule({
      source: '*',
      destination: 'rabbitmq',
      direction: 'both',
      fault: { kind: 'partition' },
    });
    const res = await exchange(Buffer.from('x'), 1);
    assert.notEqual(res.error, undefined);
    assert.equal(res.bytes, 0);
    mesh.removeRule(rule.id);
    assert.equal((await exchange(Buffer.from('x'), 1)).error, undefined);
  });

  it('limits bandwidth', async () => {
    mesh.addRule({
      source: 'orders',
      destination: 'rabbitmq',
      direction: 'to',
      fault: { kind: 'bandwidth', bytesPerSecond: 100_000 },
    });
    const res = await exchange(Buffer.alloc(150_000, 1), 150_000, 5000);
    assert.equal(res.error, undefined);
    assert.ok(res.ms > 1000 && res.ms < 3000, `took ${res.ms} ms`);
  });
});
