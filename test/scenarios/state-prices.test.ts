/**
 * The Journey 4 state readers against catalogue replicas played by small HTTP servers: which replicas
 * serve a price other than the one set, and how many disagree with the price most of them serve.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Platform, PodInfo } from '../../src/platform/types.js';
import { stateReader } from '../../src/scenarios/state.js';
import type { StateCheck } from '../../src/scenarios/schema.js';

const SOCK = '03fef6ac-1896-4ce8-bd69-b798f85c6e0b';
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A replica answering GET /catalogue/<SOCK> with `price`. */
async function replica(name: string, price: number): Promise<PodInfo> {
  const server = createServer((req, res) => {
    const found = req.url === `/catalogue/${SOCK}`;
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? { id: SOCK, price } : { error: 'Not found' }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { name, podIP: '127.0.0.1', ports: { http: port }, ready: true } as unknown as PodInfo;
}

function readerOver(pods: PodInfo[]) {
  const platform = {
    listPods: ({ deployment }: { deployment?: string }) =>
      Promise.resolve(deployment === 'catalogue' ? pods : []),
  } as unknown as Platform;
  return stateReader({ platform });
}

const check = (state: StateCheck['state'], params: StateCheck['params']) =>
  ({ id: 'c', state, params, op: '>=', value: 1, for: 0, userFacing: true }) as StateCheck;

describe('price state readers', () => {
  it('counts the replicas that disagree with the price most replicas serve', async () => {
    const old = await replica('catalogue-a', 15);
    const fresh = await replica('catalogue-b', 99.99);
    const another = await replica('catalogue-c', 99.99);
    const disagreement = check('price-disagreement', { deployment: 'catalogue', sock: SOCK });
    assert.equal(await readerOver([old])(disagreement), 0);
    assert.equal(await readerOver([old, fresh])(disagreement), 1);
    assert.equal(await readerOver([old, fresh, another])(disagreement), 1);
    assert.equal(await readerOver([fresh, another])(disagreement), 0);
    assert.equal(await readerOver([{ ...old, ready: false }, fresh])(disagreement), 0);
  });

  it('counts the replicas that do not serve the price set', async () => {
    const old = await replica('catalogue-a', 15);
    const fresh = await replica('catalogue-b', 99.99);
    const stale = check('stale-price-replicas', { deployment: 'catalogue', sock: SOCK, price: 99.99 });
    assert.equal(await readerOver([old, fresh])(stale), 1);
    assert.equal(await readerOver([fresh])(stale), 0);
  });
});
