/** The catalogue's per-route circuit breakers (gobreaker semantics, sockshop-spec §4.2) over real HTTP. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { catalogueConfigFromEnv } from '../../src/shop/catalogue/config.js';
import { createCatalogueService } from '../../src/shop/catalogue/server.js';
import type { RunnableService } from '../../src/shop/common/run-service.js';
import { MemoryCatalogueStore } from '../../src/stores/catalogue/memory.js';
import { catalogueSeed } from '../../src/stores/catalogue/seed.js';
import type { CatalogueStore } from '../../src/stores/catalogue/types.js';

const KNOWN = 'a0a4f044-b040-410d-8ead-4de0446aec7e';
const OPEN_MS = '500';

/** A real store whose database can be "down": every query fails while `down` is set. */
class SwitchableStore extends MemoryCatalogueStore implements CatalogueStore {
  down = false;
  private check() {
    if (this.down) throw new Error('connect ECONNREFUSED catalogue-db:3306');
  }
  override async list(...args: Parameters<CatalogueStore['list']>) {
    this.check();
    return super.list(...args);
  }
  override async count(...args: Parameters<CatalogueStore['count']>) {
    this.check();
    return super.count(...args);
  }
  override async tags() {
    this.check();
    return super.tags();
  }
  override async health() {
    this.check();
    return super.health();
  }
}

async function errorOf(res: Response): Promise<string> {
  assert.equal(res.status, 500);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  const body = (await res.json()) as { error: string; status_code: number; status_text: string };
  assert.equal(body.status_code, 500);
  assert.equal(body.status_text, 'Internal Server Error');
  return body.error;
}

/** Waits (bounded) until the breaker has let a request through again. */
async function untilNot(open: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await open())) return;
    await sleep(50);
  }
  assert.fail('breaker never left the open state');
}

void describe('catalogue circuit breakers', () => {
  let service: RunnableService;
  let url: string;
  const store = new SwitchableStore(catalogueSeed());
  const get = (path: string) => fetch(url + path);

  before(async () => {
    const config = catalogueConfigFromEnv({
      CATALOGUE_BREAKER_TIMEOUT_MS: OPEN_MS,
      CATALOGUE_CACHE_TTL_MS: '0',
    });
    service = createCatalogueService(config, { store });
    url = await service.server.listen(0);
  });
  after(async () => {
    await service.server.close();
  });

  void it('opens Get after more than five consecutive not-founds, and only Get', async () => {
    for (let i = 0; i < 6; i++)
      assert.equal(await errorOf(await get(`/catalogue/missing-${i}`)), 'Do: not found');
    assert.equal(await errorOf(await get(`/catalogue/${KNOWN}`)), "Do: circuit breaker 'Get' is open");
    assert.equal((await get('/catalogue')).status, 200);
    assert.equal((await get('/tags')).status, 200);
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /catalogue_circuit_breaker_state\{name="Get"\} 2/);
    assert.match(metrics, /catalogue_circuit_breaker_state\{name="List"\} 0/);
  });

  void it('lets one trial through after the timeout; success closes it', async () => {
    await untilNot(async () => (await get(`/catalogue/${KNOWN}`)).status !== 200);
    assert.equal((await get(`/catalogue/${KNOWN}`)).status, 200);
    assert.match(await (await get('/metrics')).text(), /catalogue_circuit_breaker_state\{name="Get"\} 0/);
  });

  void it('a failed trial opens it again at once', async () => {
    for (let i = 0; i < 6; i++) await get(`/catalogue/missing-${i}`);
    // Retry the unknown id until the half-open trial gets through and fails.
    await untilNot(async () => (await errorOf(await get('/catalogue/missing-trial'))).includes('is open'));
    assert.equal(await errorOf(await get(`/catalogue/${KNOWN}`)), "Do: circuit breaker 'Get' is open");
    await untilNot(async () => (await get(`/catalogue/${KNOWN}`)).status !== 200);
  });

  void it('a successful call resets the consecutive count', async () => {
    for (let i = 0; i < 5; i++) await get(`/catalogue/missing-${i}`);
    assert.equal((await get(`/catalogue/${KNOWN}`)).status, 200);
    for (let i = 0; i < 5; i++)
      assert.equal(await errorOf(await get(`/catalogue/missing-${i}`)), 'Do: not found');
    assert.equal((await get(`/catalogue/${KNOWN}`)).status, 200);
  });

  void it('database failures are 500 "Do: database connection error" and trip List, Count and Tags', async () => {
    store.down = true;
    try {
      for (const [path, name] of [
        ['/catalogue', 'List'],
        ['/catalogue/size', 'Count'],
        ['/tags', 'Tags'],
      ]) {
        for (let i = 0; i < 6; i++)
          assert.equal(await errorOf(await get(path)), 'Do: database connection error', path);
        assert.equal(await errorOf(await get(path)), `Do: circuit breaker '${name}' is open`);
      }
      const health = (await (await get('/health')).json()) as {
        health: Array<{ service: string; status: string }>;
      };
      assert.deepEqual(
        health.health.map((h) => [h.service, h.status]),
        [
          ['catalogue', 'OK'],
          ['catalogue-db', 'err'],
        ],
      );
    } finally {
      store.down = false;
    }
    await untilNot(async () => (await get('/catalogue')).status !== 200);
    await untilNot(async () => (await get('/catalogue/size')).status !== 200);
    await untilNot(async () => (await get('/tags')).status !== 200);
  });
});
