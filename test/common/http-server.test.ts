import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpError } from '../../src/shop/common/errors.js';
import { createShopServer, type ShopServer } from '../../src/shop/common/http-server.js';
import { ServiceDirectory, Upstream } from '../../src/shop/common/upstream.js';

describe('shop HTTP server', () => {
  let front: ShopServer;
  let back: ShopServer;
  let frontUrl: string;
  const directory = new ServiceDirectory();
  const upstream = new Upstream(directory, 2000);

  before(async () => {
    back = createShopServer({ service: 'back', flavour: 'go' });
    back.app.get('/echo/:id', async (req) => ({ traceparent: req.headers.traceparent ?? null }));
    back.app.get('/fail', async () => {
      throw new HttpError(500, 'Do: not found');
    });
    front = createShopServer({ service: 'front', flavour: 'node' });
    front.app.get('/call', async () => (await upstream.request('http://back/echo/abc')).json());
    directory.set('back', await back.listen(0));
    frontUrl = await front.listen(0);
  });
  after(async () => {
    await upstream.close();
    await front.close();
    await back.close();
  });

  it('propagates W3C trace context to the callee within the caller trace', async () => {
    const res = await fetch(`${frontUrl}/call`, {
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    const body = (await res.json()) as { traceparent: string };
    assert.match(body.traceparent, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });

  it('renders Go-style errors as text/plain JSON bodies', async () => {
    const res = await fetch(`${directory.get('back')}/fail`);
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.deepEqual(await res.json(), {
      error: 'Do: not found',
      status_code: 500,
      status_text: 'Internal Server Error',
    });
  });

  it('answers unknown routes like the original flavour', async () => {
    const res = await fetch(`${directory.get('back')}/nope`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), '404 page not found\n');
  });

  it('exports both metric namings with the right labels', async () => {
    await fetch(`${directory.get('back')}/echo/1`);
    const text = await (await fetch(`${directory.get('back')}/metrics`)).text();
    assert.match(
      text,
      /request_duration_seconds_count\{method="GET",route="echo_id",status_code="200",isWS="false"\} \d+/,
    );
    assert.match(
      text,
      /http_request_duration_seconds_count\{service="back",method="GET",path="\/echo\/1",status_code="200"\} 1/,
    );
    const front = await (await fetch(`${frontUrl}/metrics`)).text();
    assert.match(
      front,
      /request_duration_seconds_count\{service="front",method="get",route="\/call",status_code="200"\}/,
    );
  });

  it('keeps finished spans for the collector', async () => {
    const res = await fetch(`${frontUrl}/spans?after=0`);
    const body = (await res.json()) as { spans: Array<{ kind: string }> };
    assert.ok(body.spans.some((s) => s.kind === 'SERVER'));
    assert.ok(body.spans.some((s) => s.kind === 'CLIENT'));
  });
});
