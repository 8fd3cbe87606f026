/**
 * The lean HTTP/1.1 client against real servers on loopback: node:http, fastify, and raw
 * node:net servers that write exact bytes (split packets, chunk extensions, trailers, bad framing).
 */
import assert from 'node:assert/strict';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { FastHttpClient, HttpFailure } from '../../src/load/fast-http.js';
import { errorReason, type HttpRequest } from '../../src/load/http.js';
import { startFixture, type Fixture } from './fixture-server.js';

function get(path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', path, headers: {}, cookie: undefined, body: undefined, keepBody: true, ...extra };
}

/** A raw TCP server; `onRequest` gets the socket and each request head as it arrives. */
async function startRaw(
  onRequest: (socket: Socket, head: string, index: number) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: NetServer = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    let index = 0;
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const head = buffered.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        onRequest(socket, head, index++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes the parts with a pause between them, so they arrive as separate reads. */
async function writeSlowly(socket: Socket, parts: string[]): Promise<void> {
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

describe('fast HTTP client against node:http', () => {
  let fixture: Fixture;
  const big = Buffer.alloc(3 * 1024 * 1024, 'x');
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
  before(async () => {
    fixture = await startFixture((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/big') res.end(big);
        else if (req.url === '/chunked') {
          res.write('{"items":');
          setTimeout(() => res.end('[1,2,3]}'), 10);
        } else if (req.url === '/none') res.writeHead(204).end();
        else if (req.url === '/cached') res.writeHead(304, { etag: '"x"' }).end();
        else if (req.url === '/login')
          res.writeHead(200, { 'set-cookie': ['md.sid=abc; Path=/', 'logged_in=abc; Path=/'] }).end('ok');
        else if (req.url === '/close') res.writeHead(200, { connection: 'close' }).end('bye');
        else res.setHeader('content-type', 'application/json').end('{"echo":' + JSON.stringify(body) + '}');
      });
    });
  });
  after(() => fixture.close());

  it('sends method, path, host, headers, cookie and a UTF-8 body with its byte length', async () => {
    const client = new FastHttpClient({ connections: 2, timeoutMs: 5000 });
    try {
      const response = await client.send(fixture.url, {
        method: 'POST',
        path: '/echo?q=1',
        headers: Object.freeze({ 'content-type': 'application/json' }),
        cookie: 'md.sid=s1; logged_in=s1',
        body: '{"name":"Ünïcode socks"}',
        keepBody: true,
      });
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body!.toString()), { echo: '{"name":"Ünïcode socks"}' });
      const request = seen.at(-1)!;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/echo?q=1');
      assert.equal(request.headers.host, new URL(fixture.url).host);
      assert.equal(request.headers.cookie, 'md.sid=s1; logged_in=s1');
      assert.equal(request.headers['content-length'], String(Buffer.byteLength('{"name":"Ünïcode socks"}')));
    } finally {
      await client.destroy();
    }
  });

  it('reads large bodies, chunked bodies, Set-Cookie, and 204/304/HEAD without a body', async () => {
    const client = new FastHttpClient({ connections: 1, timeoutMs: 5000 });
    try {
      const large = await client.send(fixture.url, get('/big'));
      assert.equal(large.bytes, big.length);
      assert.ok(large.body!.equals(big));
      const chunked = await client.send(fixture.url, get('/chunked'));
      assert.deepEqual(JSON.parse(chunked.body!.toString()), { items: [1, 2, 3] });
      const login = await client.send(fixture.url, get('/login'));
      assert.deepEqual(login.setCookie, ['md.sid=abc; Path=/', 'logged_in=abc; Path=/']);
      assert.equal((await client.send(fixture.url, get('/none'))).status, 204);
      assert.equal((await client.send(fixture.url, get('/cached'))).status, 304);
      // HEAD: the server announces a length but sends no body; the next request must still parse.
      const head = await client.send(fixture.url, get('/big', { method: 'HEAD' }));
      assert.equal(head.status, 200);
      assert.equal(head.bytes, 0);
      const after = await client.send(fixture.url, get('/echo'));
      assert.equal(after.status, 200);
      assert.equal(after.body!.toString(), '{"echo":""}');
    } finally {
      await client.destroy();
    }
  });

  it('keeps connections alive, reconnects after Connection: close, and never exceeds the pool size', async () => {
    const connections = new Set<unknown>();
    const counting = await startFixture((req, res) => {
      connections.add(req.socket);
      if (req.url === '/close') res.setHeader('connection', 'close');
      setTimeout(() => res.end('ok'), 5);
    });
    const client = new FastHttpClient({ connections: 3, timeoutMs: 5000 });
    try {
      const all = await Promise.all(Array.from({ length: 30 }, () => client.send(counting.url, get('/'))));
      assert.ok(all.every((r) => r.status === 200));
      assert.equal(connections.size, 3);
      const closing = await client.send(counting.url, get('/close'));
      assert.equal(closing.body!.toString(), 'ok');
      // Two idle connections are left; three requests at once need one new connection.
      await Promise.all(Array.from({ length: 3 }, () => client.send(counting.url, get('/'))));
      assert.equal(connections.size, 4);
    } finally {
      await client.destroy();
      await counting.close();
    }
  });
});

describe('fast HTTP client against fastify', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    app = Fastify();
    app.get('/catalogue', async () => Array.from({ length: 200 }, (_, i) => ({ id: `sock-${i}`, price: i })));
    app.post('/items', async (request, reply) => reply.code(201).send(request.body));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('parses JSON responses and round-trips JSON bodies over one keep-alive connection', async () => {
    const client = new FastHttpClient({ connections: 1, timeoutMs: 5000 });
    try {
      for (let i = 0; i < 3; i++) {
        const list = await client.send(url, get('/catalogue'));
        assert.equal(list.status, 200);
        assert.equal((JSON.parse(list.body!.toString()) as unknown[]).length, 200);
        const created = await client.send(url, {
          method: 'POST',
          path: '/items',
          headers: { 'content-type': 'application/json' },
          cookie: undefined,
          body: JSON.stringify({ id: `a${i}` }),
          keepBody: true,
        });
        assert.equal(created.status, 201);
        assert.deepEqual(JSON.parse(created.body!.toString()), { id: `a${i}` });
      }
      const missing = await client.send(url, get('/nowhere', { keepBody: false }));
      assert.equal(missing.status, 404);
      assert.equal(missing.body, undefined);
      assert.ok(missing.bytes > 0);
    } finally {
      await client.destroy();
    }
  });
});

describe('fast HTTP client framing and failures (raw servers)', () => {
  it('parses a response split byte-wise: head across packets, chunk extensions and trailers', async () => {
    const raw = await startRaw((socket) => {
      void writeSlowly(socket, [
        'HTTP/1.1 200 OK\r\nTransfer-Enc',
        'oding: chunked\r\nSet-Cookie: a=1\r\n\r',
        '\n5;ext=1\r\nhel',
        'lo\r\n6\r\n world\r',
        '\n0\r\nX-Trailer: y\r\n\r\n',
      ]);
    });
    const client = new FastHttpClient({ connections: 1, timeoutMs: 5000 });
    try {
      const response = await client.send(raw.url, get('/'));
      assert.equal(response.body!.toString(), 'hello world');
      assert.deepEqual(response.setCookie, ['a=1']);
    } finally {
      await client.destroy();
      await raw.close();
    }
  });

  it('skips 1xx interim responses and reads a body delimited by the connection closing', async () => {
    const raw = await startRaw((socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n');
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    const client = new FastHttpClient({ connections: 1, timeoutMs: 5000 });
    try {
      const response = await client.send(raw.url, get('/'));
      assert.equal(response.status, 200);
      assert.equal(response.body!.toString(), 'until the end');
      // The connection is gone; the next request opens a new one.
      const again = await client.send(raw.url, get('/'));
      assert.equal(again.status, 200);
      assert.equal(raw.connections(), 2);
    } finally {
      await client.destroy();
      await raw.close();
    }
  });

  it('retries an idempotent request once when the server closed the idle connection, but not a POST', async () => {
    // The server answers, then closes each connection right after its first response without
    // saying so, as a server whose keep-alive timeout ran out would.
    const raw = await startRaw((socket, _head, index) => {
      if (index === 0) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        setTimeout(() => socket.destroy(), 20);
      }
    });
    const client = new FastHttpClient({ connections: 1, timeoutMs: 5000 });
    try {
      assert.equal((await client.send(raw.url, get('/'))).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal((await client.send(raw.url, get('/'))).status, 200);
      assert.equal(raw.connections(), 2);
    } finally {
      await client.destroy();
      await raw.close();
    }
  });

  it('fails with short reasons: refused, reset mid-response, timeout, malformed framing', async () => {
    const refused = await startRaw(() => undefined);
    const refusedUrl = refused.url;
    await refused.close();
    const raw = await startRaw((socket, head) => {
      if (head.startsWith('GET /reset')) {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
        setTimeout(() => socket.resetAndDestroy(), 10);
      } else if (head.startsWith('GET /garbage')) socket.write('SPDY/3 nonsense\r\n\r\n');
      else if (head.startsWith('GET /badchunk'))
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
      // /silent: never answers
    });
    const client = new FastHttpClient({ connections: 4, timeoutMs: 300 });
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => 'no failure',
        (error: unknown) => {
          assert.ok(error instanceof HttpFailure || (error as { code?: string }).code !== undefined);
          return errorReason(error);
        },
      );
    try {
      assert.equal(await reason(client.send(refusedUrl, get('/'))), 'ECONNREFUSED');
      assert.equal(await reason(client.send(raw.url, get('/reset'))), 'connection reset');
      assert.equal(await reason(client.send(raw.url, get('/silent'))), 'timeout');
      assert.equal(
        await reason(client.send(raw.url, get('/garbage'))),
        'protocol error: malformed status line',
      );
      assert.equal(
        await reason(client.send(raw.url, get('/badchunk'))),
        'protocol error: invalid chunk size',
      );
      const pending = reason(client.send(raw.url, get('/silent')));
      await client.destroy();
      assert.equal(await pending, 'client closed');
    } finally {
      await client.destroy();
      await raw.close();
    }
  });
});
